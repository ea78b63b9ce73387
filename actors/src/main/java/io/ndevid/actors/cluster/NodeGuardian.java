package io.ndevid.actors.cluster;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import io.ndevid.actors.checkpoint.CheckpointActor;
import io.ndevid.actors.checkpoint.CheckpointShipper;
import io.ndevid.actors.data.LoaderProcesses;
import io.ndevid.actors.data.RemoteData;
import io.ndevid.actors.evalproc.EvaluationProcesses;
import io.ndevid.actors.evalproc.EvaluatorClient;
import io.ndevid.actors.node.NodeAgent;
import io.ndevid.actors.node.TrainerProcessLauncher;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.actors.protocol.TrainerProtocol;
import io.ndevid.actors.status.StatusBoard;
import io.ndevid.actors.trainer.TrainerActor;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.TransportSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The root of a node's ActorSystem: starts what the {@link NodePlan} says — the coordinator singleton (and the
 * checkpoint store next to the experiment data) on {@code coordinator} nodes, the node agent on {@code worker}
 * nodes, trainer slots in trainer processes — and lets trainers drain (checkpoint, report) when the node shuts down.
 */
public final class NodeGuardian {

    /** How long a trainer may take to stop its trial and have the end journaled, on shutdown. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(35);

    private NodeGuardian() {}

    private static TransportSettings transportSettings(Config config) {
        return config.hasPath("ndevid.aeron") ? TransportSettings.fromConfig(config.getConfig("ndevid.aeron"))
                : TransportSettings.defaults();
    }

    private static int freeUdpPort(String host) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free UDP port on " + host, e);
        }
    }

    public static Behavior<Void> create(NodePlan plan) {
        return Behaviors.setup(ctx -> {
            ActorRef<CoordinatorProtocol.Command> coordinator = ClusterNode.coordinator(ctx.getSystem(),
                    plan.coordinator());
            Config config = ctx.getSystem().settings().config();
            CheckpointShipper.Mode transfer = CheckpointShipper.Mode.parse(config.hasPath("ndevid.store.transfer")
                    ? config.getString("ndevid.store.transfer") : "auto");
            if (plan.roles().contains(ClusterConfig.COORDINATOR)) {
                if (transfer == CheckpointShipper.Mode.SHARED_FS) {
                    ctx.spawn(CheckpointActor.create(plan.coordinator().dataDir()), "checkpoint-store");
                } else {
                    // trainers that do not share the data directory ship checkpoints to this node over Aeron
                    AeronNode aeron = AeronNode.launchEmbedded(transportSettings(config)).closeWith(ctx.getSystem());
                    String host = config.getString("akka.remote.artery.canonical.hostname");
                    int port = config.hasPath("ndevid.store.aeron-port") ? config.getInt("ndevid.store.aeron-port")
                            : 0;
                    if (port == 0) {
                        port = freeUdpPort(host);
                    }
                    int stream = config.hasPath("ndevid.store.stream-id") ? config.getInt("ndevid.store.stream-id")
                            : 7301;
                    ctx.spawn(CheckpointActor.create(plan.coordinator().dataDir(), aeron,
                            "aeron:udp?endpoint=" + host + ":" + port, stream), "checkpoint-store");
                }
            }
            ActorRef<StatusBoard.Command> board = null;
            if (plan.roles().contains(ClusterConfig.COORDINATOR)) {
                // every coordinator node keeps a board: the console's view survives a coordinator fail-over
                board = ctx.spawn(StatusBoard.create(), "status-board");
            }
            if (plan.worker() != null) {
                ctx.spawn(NodeAgent.create(plan.worker()), "node-agent");
            }
            if (plan.roles().contains(ClusterConfig.EVALUATOR)) {
                EvaluationProcesses.startEvaluator(ctx, config, transportSettings(config));
            }
            if (plan.roles().contains(ClusterConfig.LOADER)) {
                LoaderProcesses.startLoader(ctx, transportSettings(config));
            }
            // a trainer process moves tensors through one media driver: remote data, sample renderers, shipping
            java.util.function.Supplier<AeronNode> trainerAeron = AeronNode.lazyEmbedded(transportSettings(config),
                    ctx.getSystem());
            // what a trainer's executor is handed: remote data and remote scoring, when its agent runs those processes
            RemoteData remoteData = null;
            if (!plan.trainers().isEmpty() && config.hasPath(TrainerProcessLauncher.REMOTE_DATA_PROPERTY)
                    && config.getBoolean(TrainerProcessLauncher.REMOTE_DATA_PROPERTY)) {
                remoteData = LoaderProcesses.startRemoteData(ctx, config, trainerAeron);
            }
            EvaluatorClient evaluators = null;
            if (!plan.trainers().isEmpty() && config.hasPath(TrainerProcessLauncher.OFFLOAD_PROPERTY)
                    && config.getBoolean(TrainerProcessLauncher.OFFLOAD_PROPERTY)) {
                evaluators = EvaluationProcesses.startRenderers(ctx, config, trainerAeron);
            }
            TrialExecutor.Services services = new TrialExecutor.Services(
                    evaluators == null ? null : evaluators::scorer, remoteData == null ? null : remoteData.opener());
            CheckpointShipper shipper = null;
            if (!plan.trainers().isEmpty() && transfer != CheckpointShipper.Mode.SHARED_FS) {
                Duration timeout = config.hasPath("ndevid.store.transfer-timeout")
                        ? config.getDuration("ndevid.store.transfer-timeout") : Duration.ofMinutes(2);
                shipper = new CheckpointShipper(ctx.getSystem(), transfer, trainerAeron, null, timeout);
                CheckpointShipper s = shipper;
                ctx.getSystem().getWhenTerminated().whenComplete((d, t) -> s.close());
            }
            for (NodePlan.Trainer t : plan.trainers()) {
                ActorRef<TrainerProtocol.Command> trainer = ctx.spawn(TrainerActor.create(t.slot(),
                        t.executor().with(services), coordinator, plan.trainerSettings(), shipper),
                        "trainer-" + t.slot().slot());
                CoordinatedShutdown.get(Adapter.toClassic(ctx.getSystem())).addTask(
                        CoordinatedShutdown.PhaseBeforeServiceUnbind(), "drain-trainer-" + t.slot().slot(),
                        () -> AskPattern.<TrainerProtocol.Command, Done>ask(trainer, TrainerProtocol.Drain::new,
                                        DRAIN_TIMEOUT, ctx.getSystem().scheduler())
                                .exceptionally(e -> Done.getInstance()));
            }
            return Behaviors.empty();
        });
    }
}
