package io.ndevid.actors.cluster;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import io.ndevid.actors.checkpoint.CheckpointActor;
import io.ndevid.actors.coordinator.Coordinator;
import io.ndevid.actors.eval.Evaluator;
import io.ndevid.actors.node.NodeAgent;
import io.ndevid.actors.trainer.TrainerActor;

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

    public static Behavior<Void> create(NodePlan plan) {
        return Behaviors.setup(ctx -> {
            ActorRef<Coordinator.Command> coordinator = ClusterNode.coordinator(ctx.getSystem(), plan.coordinator());
            if (plan.roles().contains(ClusterConfig.COORDINATOR)) {
                ctx.spawn(CheckpointActor.create(plan.coordinator().dataDir()), "checkpoint-store");
            }
            if (plan.evaluation() != null) {
                ctx.spawn(Evaluator.create(plan.evaluation()), "evaluator");
            }
            if (plan.worker() != null) {
                ctx.spawn(NodeAgent.create(plan.worker()), "node-agent");
            }
            for (NodePlan.Trainer t : plan.trainers()) {
                ActorRef<TrainerActor.Command> trainer = ctx.spawn(TrainerActor.create(t.slot(), t.executor(),
                        coordinator, plan.trainerSettings()), "trainer-" + t.slot().slot());
                CoordinatedShutdown.get(Adapter.toClassic(ctx.getSystem())).addTask(
                        CoordinatedShutdown.PhaseBeforeServiceUnbind(), "drain-trainer-" + t.slot().slot(),
                        () -> AskPattern.<TrainerActor.Command, Done>ask(trainer, TrainerActor.Drain::new,
                                        DRAIN_TIMEOUT, ctx.getSystem().scheduler())
                                .exceptionally(e -> Done.getInstance()));
            }
            return Behaviors.empty();
        });
    }
}
