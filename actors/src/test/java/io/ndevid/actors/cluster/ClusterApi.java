package io.ndevid.actors.cluster;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.ndevid.actors.api.ExperimentClient;
import io.ndevid.actors.coordinator.Coordinator;
import io.ndevid.actors.experiment.ExperimentStatus;
import io.ndevid.actors.grid.GridSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** How a test submits and follows an experiment on a {@link ClusterProcesses} cluster. */
interface ClusterApi extends AutoCloseable {

    /** The trials of the accepted experiment. */
    List<String> submit(GridSpec grid) throws Exception;

    /** The experiment's status, or null when the coordinator does not know it (yet). */
    ExperimentStatus status(String experimentId) throws Exception;

    @Override
    void close();

    /** Through {@code node}'s HTTP API when it has one, else (until the API is merged) as a client member. */
    static ClusterApi connect(ClusterProcesses.Node node, ClusterProcesses cluster, Path tmp) {
        return new MemberApi(node);
    }

    /** TEMPORARY: a role-less cluster member in the test JVM, until the HTTP API is on this branch. */
    final class MemberApi implements ClusterApi {
        private final ActorSystem<Void> system;
        private final ExperimentClient client;

        MemberApi(ClusterProcesses.Node node) {
            Config c = ConfigFactory.empty()
                    .withValue("akka.cluster.roles", ConfigValueFactory.fromIterable(List.of()))
                    .withValue("akka.coordinated-shutdown.exit-jvm", ConfigValueFactory.fromAnyRef("off"))
                    .withValue("akka.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef("127.0.0.1"))
                    .withValue("akka.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(0))
                    .withValue("akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(
                            List.of(ClusterConfig.parseSeed(node.seed()))))
                    .withFallback(ClusterConfig.roleFile("worker", null)).withFallback(ConfigFactory.defaultReference())
                    .resolve();
            system = ActorSystem.create(Behaviors.empty(), ClusterConfig.SYSTEM_NAME, c);
            client = new ExperimentClient(system);
        }

        @Override
        public List<String> submit(GridSpec grid) throws Exception {
            Coordinator.Accepted a = client.submit(grid).toCompletableFuture().get(60, TimeUnit.SECONDS);
            return a.trials();
        }

        @Override
        public ExperimentStatus status(String experimentId) throws Exception {
            return client.status(experimentId).toCompletableFuture().get(20, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort
            }
        }
    }
}
