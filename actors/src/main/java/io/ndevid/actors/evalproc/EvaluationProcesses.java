package io.ndevid.actors.evalproc;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.ActorContext;
import com.typesafe.config.Config;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.TensorReceiver;
import io.ndevid.actors.transport.TransportSettings;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.TrainingProgress;
import io.ndevid.metrics.protocol.TrialEvaluation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Wiring of evaluation off the training step, from a node's configuration ({@code ndevid.evaluation.*}): the
 * {@link SampleEvaluator} of an evaluator process (its own embedded Aeron driver, a UDP receiver on the node's
 * host), and the {@link SolverWorker} + {@link EvaluationOffload} of a trainer process.
 */
public final class EvaluationProcesses {

    private EvaluationProcesses() {}

    private static Config evaluation(Config c) {
        return c.hasPath("ndevid.evaluation") ? c.getConfig("ndevid.evaluation")
                : com.typesafe.config.ConfigFactory.empty();
    }

    private static Duration duration(Config c, String path, Duration dflt) {
        return c.hasPath(path) ? c.getDuration(path) : dflt;
    }

    /** In an evaluator process: the receiver and the actor (registered with the Receptionist). */
    public static ActorRef<SampleEvaluator.Command> startEvaluator(ActorContext<?> ctx, Config config,
                                                                    TransportSettings transport) {
        Config e = evaluation(config);
        AeronNode aeron = AeronNode.launchEmbedded(transport).closeWith(ctx.getSystem());
        String host = config.getString("akka.remote.artery.canonical.hostname");
        int stream = e.hasPath("stream-id") ? e.getInt("stream-id") : 7401;
        TensorReceiver receiver = aeron.newReceiver("aeron:udp?endpoint=" + host + ":0", stream);
        Path scratch;
        try {
            scratch = Files.createTempDirectory("ndevid-evaluator-");
            scratch.toFile().deleteOnExit();
        } catch (IOException ex) {
            throw new UncheckedIOException("no temporary directory for the evaluator", ex);
        }
        return ctx.spawn(SampleEvaluator.create(receiver, SampleScorer.production(SyntheticEvaluator.defaultCacheDir(),
                scratch), duration(e, "request-timeout", Duration.ofMinutes(10))), "sample-evaluator");
    }

    /**
     * In a trainer process: its solver worker, sending on the process's shared Aeron node
     * ({@link AeronNode#lazyEmbedded}), and the offload the production executor uses.
     */
    public static EvaluationOffload startSolverWorker(ActorContext<?> ctx, Config config, Supplier<AeronNode> aeron) {
        Config e = evaluation(config);
        Path cache = SyntheticEvaluator.defaultCacheDir();
        SolverWorker.LocalScorers local = spec -> TrialEvaluation.forTrial(spec,
                Files.createTempDirectory("ndevid-local-eval-"), cache, TrainingProgress.NONE).protocol();
        ActorRef<SolverWorker.Command> worker = ctx.spawn(SolverWorker.create("0", aeron, local,
                Duration.ofSeconds(10)), "solver-worker");
        EvaluationOffload.Settings s = new EvaluationOffload.Settings(
                duration(e, "attempt-timeout", Duration.ofMinutes(10)),
                duration(e, "find-timeout", Duration.ofSeconds(60)),
                e.hasPath("attempts") ? e.getInt("attempts") : 2,
                !e.hasPath("local-fallback") || e.getBoolean("local-fallback"),
                e.hasPath("batch-size") ? e.getInt("batch-size") : 64);
        EvaluationOffload offload = new EvaluationOffload(ctx.getSystem(), worker, s);
        EvaluationOffload.install(offload);
        ctx.getSystem().getWhenTerminated().whenComplete((d, t) -> EvaluationOffload.install(null));
        return offload;
    }
}
