package io.ndevid.actors.cluster;

import io.ndevid.actors.coordinator.CoordinatorSettings;
import io.ndevid.actors.node.NodeSettings;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.actors.trainer.TrainerSettings;
import io.ndevid.study.experiment.SlotInfo;

import java.util.List;

/**
 * What one ActorSystem hosts, by role: the coordinator singleton (role {@code coordinator}), a node agent (role
 * {@code worker}, {@code worker} non-null), and trainer slots ({@code trainers}: one in a trainer process; several
 * only for in-process test clusters, whose executors do not train real models — the engine allows one gradient
 * collector per JVM).
 */
public record NodePlan(List<String> roles, CoordinatorSettings coordinator, NodeSettings worker,
                       List<Trainer> trainers, TrainerSettings trainerSettings) {

    /** A trainer slot hosted by this system. */
    public record Trainer(SlotInfo slot, TrialExecutor executor) {}

    public NodePlan {
        roles = List.copyOf(roles);
        trainers = List.copyOf(trainers);
        if (worker != null && !roles.contains(ClusterConfig.WORKER)) {
            throw new IllegalArgumentException("a node agent needs the worker role");
        }
    }
}
