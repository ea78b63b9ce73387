package io.ndevid.actors.status;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.Member;
import akka.cluster.typed.Cluster;
import io.ndevid.actors.CborSerializable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The latest status report of every actor in the cluster (runs on each coordinator node; registered under
 * {@link #SERVICE_KEY} so an HTTP route on any node finds one). Reports arrive on the {@link StatusTopic}; one older
 * than {@code stale-after} is shown as stale (its actor, or the way to it, is gone or stuck), one older than
 * {@code forget-after} is dropped. Members come from this node's view of the cluster.
 */
public final class StatusBoard extends AbstractBehavior<StatusBoard.Command> {

    public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "ndevid-status-board");

    public sealed interface Command {}

    /** A report (from the topic; tests may send it directly). */
    public record Report(StatusReport report) implements Command {}

    /** Answers a {@link ClusterSnapshot} with members and actor rows (no trials: those come from the coordinator). */
    public record GetBoard(ActorRef<ClusterSnapshot> replyTo) implements Command, CborSerializable {}

    private record Entry(StatusReport report, long receivedAt) {}

    private final Map<String, Entry> latest = new HashMap<>();
    private final StatusTopic.Settings settings;
    private final boolean cluster;

    public static Behavior<Command> create() {
        return Behaviors.setup(StatusBoard::new);
    }

    private StatusBoard(ActorContext<Command> context) {
        super(context);
        StatusTopic topic = StatusTopic.get(context.getSystem());
        this.settings = topic.settings();
        this.cluster = "cluster".equals(context.getSystem().settings().config().getString("akka.actor.provider"));
        topic.subscribe(context.messageAdapter(StatusReport.class, Report::new));
        context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Report.class, r -> {
                    latest.put(r.report().key(), new Entry(r.report(), System.nanoTime()));
                    return this;
                })
                .onMessage(GetBoard.class, g -> {
                    g.replyTo().tell(snapshot());
                    return this;
                })
                .build();
    }

    private ClusterSnapshot snapshot() {
        long now = System.nanoTime();
        latest.values().removeIf(e -> now - e.receivedAt() > settings.forgetAfter().toNanos());
        List<ClusterSnapshot.ActorRow> rows = new ArrayList<>();
        double rate = 0;
        long total = 0;
        for (Entry e : latest.values()) {
            long age = (now - e.receivedAt()) / 1_000_000;
            boolean stale = age > settings.staleAfter().toMillis();
            rows.add(new ClusterSnapshot.ActorRow(e.report(), age, stale));
            if (!stale) {
                rate += e.report().bytesPerSec();
            }
            total += e.report().bytesTotal();
        }
        rows.sort(Comparator.comparing((ClusterSnapshot.ActorRow r) -> r.report().address())
                .thenComparing(r -> kindOrder(r.report().kind()))
                .thenComparing(r -> r.report().actor()));
        return new ClusterSnapshot(System.currentTimeMillis(), members(rows), List.of(), rows, rate, total,
                cluster ? List.of() : List.of("not a cluster member: no membership"));
    }

    private static int kindOrder(String kind) {
        return switch (kind) {
            case "coordinator" -> 0;
            case "checkpoint-store" -> 1;
            case "evaluator" -> 2;
            case "data-loader" -> 3;
            case "node-agent" -> 4;
            case "trainer" -> 5;
            default -> 6;
        };
    }

    private List<ClusterSnapshot.Member> members(List<ClusterSnapshot.ActorRow> rows) {
        List<ClusterSnapshot.Member> out = new ArrayList<>();
        if (!cluster) {
            return out;
        }
        for (Member m : Cluster.get(getContext().getSystem()).state().getMembers()) {
            String address = m.address().host().get() + ":" + m.address().port().get();
            List<String> roles = m.getRoles().stream().filter(r -> !r.startsWith("dc-")).sorted().toList();
            int slots = 0;
            TreeSet<String> devices = new TreeSet<>();
            for (ClusterSnapshot.ActorRow r : rows) {
                if (!r.report().address().equals(address) || r.stale() || r.report().device() == null) {
                    continue;
                }
                if ("trainer".equals(r.report().kind())) {
                    slots++;
                    devices.add(r.report().device());
                } else if ("node-agent".equals(r.report().kind()) && !r.report().device().isBlank()) {
                    // a worker's slots run in their own trainer processes (members of their own); list them here too
                    String[] d = r.report().device().split(",");
                    slots += d.length;
                    devices.addAll(List.of(d));
                }
            }
            out.add(new ClusterSnapshot.Member(address, roles, m.status().toString(), slots, List.copyOf(devices)));
        }
        return out;
    }
}
