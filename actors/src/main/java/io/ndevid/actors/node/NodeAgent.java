package io.ndevid.actors.node;

import akka.Done;
import akka.actor.Address;
import akka.actor.Cancellable;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Down;
import io.ndevid.actors.CborSerializable;
import io.ndevid.actors.status.ActorStatus;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The node agent (one per machine, role {@code worker}): starts one trainer process per slot, restarts one that dies
 * (after a back-off, downing the dead member at once so the coordinator re-queues its trial without waiting for the
 * failure detector), and stops them all — SIGTERM, then SIGKILL after a grace period — when the node shuts down.
 * Process handling lives in {@link TrainerProcessLauncher}; this actor only decides when.
 */
public final class NodeAgent extends AbstractBehavior<NodeAgent.Command> {

    public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "ndevid-node-agent");

    public sealed interface Command {}

    public record GetSlots(ActorRef<Slots> replyTo) implements Command, CborSerializable {}

    /** The evaluator processes ({@code ndevid.node.evaluators}), as {@link SlotProcess}es with device "evaluator". */
    public record GetEvaluators(ActorRef<Slots> replyTo) implements Command, CborSerializable {}

    /** The data-loader processes ({@code ndevid.node.data-loaders}), as {@link SlotProcess}es with device "loader". */
    public record GetLoaders(ActorRef<Slots> replyTo) implements Command, CborSerializable {}

    public record Slots(String nodeId, List<SlotProcess> slots) implements CborSerializable {}

    /** A slot's trainer process now: pid 0 while it is down and waiting for a restart. */
    public record SlotProcess(int slot, String device, long pid, int port, boolean alive, int restarts,
                              String logFile) implements CborSerializable {}

    private record Exited(int slot, long pid, int exitCode) implements Command {}

    private record Restart(int slot) implements Command {}

    private enum StatusTick implements Command { INSTANCE }
    /** Keys of evaluator processes in {@code runs}: EVALUATOR_BASE + index (trainer slots are 0..slots-1). */
    private static final int EVALUATOR_BASE = 1 << 20;
    /** Keys of loader processes in {@code runs}: LOADER_BASE + index. */
    private static final int LOADER_BASE = 2 << 20;

    private static final class SlotRun {
        volatile Process process;
        int port;
        int restarts;
        Duration lastDelay;
        long startedAt;
    }

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final NodeSettings settings;
    private final TrainerProcessLauncher launcher;
    private final Map<Integer, SlotRun> runs = new ConcurrentHashMap<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Cancellable shutdownTask;
    private final ActorStatus status;

    public static Behavior<Command> create(NodeSettings settings) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new NodeAgent(ctx, timers, settings)));
    }

    private NodeAgent(ActorContext<Command> context, TimerScheduler<Command> timers, NodeSettings settings) {
        super(context);
        this.context = context;
        this.timers = timers;
        this.settings = settings;
        // children leave when this agent's member is downed or removed (one machine, one vote: FollowNode)
        this.launcher = new TrainerProcessLauncher(settings, context.getSystem().address().getPort()
                .map(port -> settings.host() + ":" + port).orElse(null));
        context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
        // Runs on SIGTERM of this JVM too (CoordinatedShutdown's JVM hook): trainers checkpoint before we exit.
        this.shutdownTask = CoordinatedShutdown.get(Adapter.toClassic(context.getSystem())).addCancellableTask(
                CoordinatedShutdown.PhaseBeforeServiceUnbind(), "stop-trainers", () -> stopAll()
                        .thenApply(v -> Done.getInstance()));
        this.status = ActorStatus.start(context, timers, StatusTick.INSTANCE, "node-agent");
        context.getLog().info("node {}: {} trainer slot(s) {}; logs in {}", settings.nodeId(),
                settings.devices().size(), settings.devices(), settings.logDir());
        for (int slot = 0; slot < settings.devices().size(); slot++) {
            runs.put(slot, new SlotRun());
            launch(slot);
        }
        for (int k = 0; k < settings.evaluators(); k++) {
            runs.put(EVALUATOR_BASE + k, new SlotRun());
            launch(EVALUATOR_BASE + k);
        }
        for (int k = 0; k < settings.dataLoaders(); k++) {
            runs.put(LOADER_BASE + k, new SlotRun());
            launch(LOADER_BASE + k);
        }
    }

    /** An evaluator or loader process (not a trainer slot). */
    private static boolean isEvaluator(int key) {
        return key >= EVALUATOR_BASE;
    }

    private static String role(int key) {
        return key >= LOADER_BASE ? "loader" : isEvaluator(key) ? "evaluator" : "trainer";
    }

    private static int index(int key) {
        return key >= LOADER_BASE ? key - LOADER_BASE : isEvaluator(key) ? key - EVALUATOR_BASE : key;
    }

    private String describe(int key) {
        return isEvaluator(key) ? role(key) + " " + index(key) : "slot " + key;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(GetSlots.class, this::onGetSlots)
                .onMessageEquals(StatusTick.INSTANCE, this::onStatusTick)
                .onMessage(GetEvaluators.class, this::onGetEvaluators)
                .onMessage(GetLoaders.class, this::onGetLoaders)
                .onMessage(Exited.class, this::onExited)
                .onMessage(Restart.class, r -> {
                    launch(r.slot());
                    return this;
                })
                .onSignal(PostStop.class, s -> {
                    shutdownTask.cancel();
                    stopAll(); // in the background: the JVM may be going down
                    return this;
                })
                .build();
    }

    /**
     * State: trainers alive of slots, then evaluator and loader processes alive of those configured; queue depth:
     * processes waiting for a restart; device: the slots' devices.
     */
    private Behavior<Command> onStatusTick() {
        Map<String, int[]> byRole = new java.util.LinkedHashMap<>(); // role → {alive, configured}
        byRole.put("trainer", new int[2]);
        int alive = 0;
        for (Map.Entry<Integer, SlotRun> e : runs.entrySet()) {
            int[] counts = byRole.computeIfAbsent(role(e.getKey()), r -> new int[2]);
            counts[1]++;
            Process p = e.getValue().process;
            if (p != null && p.isAlive()) {
                counts[0]++;
                alive++;
            }
        }
        StringBuilder state = new StringBuilder(stopping.get() ? "stopping " : "");
        int[] t = byRole.remove("trainer");
        state.append(t[0]).append('/').append(t[1]).append(" up");
        byRole.forEach((role, c) -> state.append(", ").append(role.equals("evaluator") ? "eval" : role).append(' ')
                .append(c[0]).append('/').append(c[1]));
        status.publish(state.toString(), runs.size() - alive, String.join(",", settings.devices()), null, null,
                null);
        return this;
    }

    private Behavior<Command> onGetSlots(GetSlots g) {
        status.touch();
        List<SlotProcess> out = new ArrayList<>();
        for (int slot = 0; slot < settings.devices().size(); slot++) {
            SlotRun r = runs.get(slot);
            Process p = r.process;
            out.add(new SlotProcess(slot, settings.devices().get(slot), p == null ? 0 : p.pid(), r.port,
                    p != null && p.isAlive(), r.restarts, launcher.logFile(slot).toString()));
        }
        g.replyTo().tell(new Slots(settings.nodeId(), out));
        return this;
    }

    private Behavior<Command> onGetEvaluators(GetEvaluators g) {
        List<SlotProcess> out = new ArrayList<>();
        for (int k = 0; k < settings.evaluators(); k++) {
            SlotRun r = runs.get(EVALUATOR_BASE + k);
            Process p = r.process;
            out.add(new SlotProcess(k, "evaluator", p == null ? 0 : p.pid(), r.port, p != null && p.isAlive(),
                    r.restarts, launcher.logFile("evaluator", k).toString()));
        }
        g.replyTo().tell(new Slots(settings.nodeId(), out));
        return this;
    }

    private Behavior<Command> onGetLoaders(GetLoaders g) {
        List<SlotProcess> out = new ArrayList<>();
        for (int k = 0; k < settings.dataLoaders(); k++) {
            SlotRun r = runs.get(LOADER_BASE + k);
            Process p = r.process;
            out.add(new SlotProcess(k, "loader", p == null ? 0 : p.pid(), r.port, p != null && p.isAlive(),
                    r.restarts, launcher.logFile("loader", k).toString()));
        }
        g.replyTo().tell(new Slots(settings.nodeId(), out));
        return this;
    }

    private void launch(int slot) {
        if (stopping.get()) {
            return;
        }
        SlotRun r = runs.get(slot);
        try {
            r.port = TrainerProcessLauncher.freePort(settings.host());
            Process p = launcher.start(role(slot), index(slot), r.port);
            r.process = p;
            r.startedAt = System.nanoTime();
            long pid = p.pid();
            context.getLog().info("{}: {} pid {} on {}:{} ({})", describe(slot), role(slot), pid, settings.host(),
                    r.port, isEvaluator(slot) ? role(slot) : settings.devices().get(slot));
            ActorRef<Command> self = context.getSelf();
            p.onExit().thenAccept(done -> self.tell(new Exited(slot, pid, done.exitValue())));
        } catch (IOException | RuntimeException e) {
            context.getLog().error("{}: cannot start a {}: {}", describe(slot), role(slot), e.getMessage());
            r.process = null;
            scheduleRestart(slot, r, Duration.ZERO);
        }
    }

    private Behavior<Command> onExited(Exited e) {
        status.touch();
        SlotRun r = runs.get(e.slot());
        if (stopping.get() || r.process == null || r.process.pid() != e.pid()) {
            return this;
        }
        Duration uptime = Duration.ofNanos(System.nanoTime() - r.startedAt);
        context.getLog().warn("{}: {} pid {} exited with {} after {} s; see {}", describe(e.slot()), role(e.slot()),
                e.pid(), e.exitCode(), uptime.toSeconds(), launcher.logFile(role(e.slot()), index(e.slot())));
        downMember(r.port);
        r.process = null;
        scheduleRestart(e.slot(), r, uptime);
        return this;
    }

    private void scheduleRestart(int slot, SlotRun r, Duration uptime) {
        Duration delay = settings.backoff().next(r.lastDelay, uptime);
        r.lastDelay = delay;
        r.restarts++;
        context.getLog().info("{}: restarting its {} in {} ms (restart {})", describe(slot), role(slot),
                delay.toMillis(), r.restarts);
        timers.startSingleTimer(slot, new Restart(slot), delay);
    }

    /** The dead trainer's member will not come back: down it now rather than after the failure detector. */
    private void downMember(int port) {
        if (!"cluster".equals(context.getSystem().settings().config().getString("akka.actor.provider"))) {
            return;
        }
        Address a = new Address("akka", context.getSystem().name(), settings.host(), port);
        Cluster.get(context.getSystem()).manager().tell(new Down(a));
    }

    /** SIGTERM every trainer, SIGKILL those still alive after the grace; completes when all are gone. */
    private CompletableFuture<Void> stopAll() {
        stopping.set(true);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (SlotRun r : runs.values()) {
            Process p = r.process;
            if (p != null && p.isAlive()) {
                all.add(CompletableFuture.runAsync(() -> TrainerProcessLauncher.stop(p, settings.stopGrace()), task -> {
                    Thread t = new Thread(task, "stop-trainer-" + p.pid()); // blocking waits: not the common pool
                    t.setDaemon(true);
                    t.start();
                }));
            }
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }
}
