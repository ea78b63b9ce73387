package io.ndevid.actors.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.ClusterSingletonSettings;
import akka.cluster.typed.SingletonActor;
import com.typesafe.config.Config;
import io.ndevid.actors.coordinator.Coordinator;
import io.ndevid.actors.coordinator.CoordinatorSettings;
import io.ndevid.actors.evalproc.SampleRenderers;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.study.report.Renderer;

import java.time.Duration;

/** Starting a node, reaching the coordinator from it, and waiting until it is a member. */
public final class ClusterNode {

    /** The coordinator singleton's name ... */
    static final String COORDINATOR_NAME = "coordinator";
    /**
     * ... and where it runs on the oldest coordinator node: {@code akka.remote.artery.large-message-destinations}
     * (base.conf) names it, so a submitted grid travels on Artery's large-message stream.
     */
    public static final String COORDINATOR_PATH = "/system/singletonManager" + COORDINATOR_NAME + "/"
            + COORDINATOR_NAME;

    private ClusterNode() {}

    public static ActorSystem<Void> start(Config config, NodePlan plan) {
        return ActorSystem.create(NodeGuardian.create(plan), ClusterConfig.SYSTEM_NAME, config);
    }

    /**
     * The coordinator singleton's proxy (it runs on the oldest {@code coordinator} node; messages sent while it
     * moves are buffered). Any node may call this; only coordinator nodes ever run {@code settings}.
     */
    public static ActorRef<CoordinatorProtocol.Command> coordinator(ActorSystem<?> system,
            CoordinatorSettings settings) {
        // the report's continuous-time renders go to the cluster's sample renderers (or this process without any)
        Renderer renders = (checkpoint, videos, seed, times, gif) -> SampleRenderers.renderGif(system, checkpoint,
                videos, seed, times, gif, settings.renderTimeout());
        return ClusterSingleton.get(system).init(SingletonActor.of(Coordinator.supervised(settings, renders), COORDINATOR_NAME)
                .withSettings(ClusterSingletonSettings.create(system).withRole(ClusterConfig.COORDINATOR)));
    }

    /** The proxy with this node's own coordinator settings (from its config). */
    public static ActorRef<CoordinatorProtocol.Command> coordinator(ActorSystem<?> system) {
        return coordinator(system, CoordinatorSettings.fromConfig(system.settings().config()));
    }

    /** Waits until this node is Up (or WeaklyUp); false after {@code timeout}. */
    public static boolean awaitUp(ActorSystem<?> system, Duration timeout) throws InterruptedException {
        Cluster cluster = Cluster.get(system);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (deadline - System.nanoTime() > 0) {
            MemberStatus s = cluster.selfMember().status();
            if (s == MemberStatus.up() || s == MemberStatus.weaklyUp()) {
                return true;
            }
            if (system.getWhenTerminated().toCompletableFuture().isDone()) {
                return false;
            }
            Thread.sleep(50);
        }
        return false;
    }
}
