package io.ndevid.actors.evalproc;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.ActorContext;
import com.typesafe.config.Config;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.TensorReceiver;
import io.ndevid.actors.transport.TransportSettings;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.TrainingProgress;
import io.ndevid.metrics.protocol.InProcessScorer;
import io.ndevid.metrics.protocol.TrialEvaluation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Wiring of evaluation off the training step, from a node's configuration ({@code ndevid.evaluation.*}, read once
 * into {@link EvaluationSettings}): the {@link SampleEvaluator} of an evaluator process (its own embedded
 * Aeron driver, a UDP receiver on the node's host), and the {@link SampleRenderers} pool + {@link EvaluatorClient}
 * of a trainer process.
 */
public final class EvaluationProcesses {

    private static final Logger LOG = LoggerFactory.getLogger(EvaluationProcesses.class);

    private EvaluationProcesses() {}

    /** The in-process scorers of a node: evaluators and real statistics cached in the default cache directory. */
    private static InProcessScorer.Factory scorers(String role) {
        return TrialEvaluation.scorers(SyntheticEvaluator.defaultCacheDir(), new TrainingProgress() {
            @Override
            public void iteration(int iteration, int total, double loss, double elapsedSeconds) {}

            @Override
            public void message(String text) {
                LOG.info("{}: {}", role, text);
            }
        });
    }

    /** In an evaluator process: the receiver and the actor (registered with the Receptionist). */
    public static ActorRef<SampleEvaluator.Command> startEvaluator(ActorContext<?> ctx, Config config,
                                                                    TransportSettings transport) {
        EvaluationSettings s = EvaluationSettings.from(config);
        AeronNode aeron = AeronNode.launchEmbedded(transport).closeWith(ctx.getSystem());
        String host = config.getString("akka.remote.artery.canonical.hostname");
        TensorReceiver receiver = aeron.newReceiver("aeron:udp?endpoint=" + host + ":0", s.streamId());
        return ctx.spawn(SampleEvaluator.create(receiver, scorers("evaluator"), s.requestTimeout()),
                "sample-evaluator");
    }

    /**
     * In a trainer process: its pool of sample renderers, sending on the process's shared Aeron node
     * ({@link AeronNode#lazyEmbedded}), and the client the production executor scores through.
     */
    public static EvaluatorClient startRenderers(ActorContext<?> ctx, Config config, Supplier<AeronNode> aeron) {
        EvaluationSettings s = EvaluationSettings.from(config);
        InProcessScorer.Factory local = s.localFallback() ? scorers("in-process fallback") : null;
        ActorRef<SampleRenderer.Command> pool = SampleRenderers.start(ctx, s.renderers(),
                SampleRenderer.create("pool", aeron, local, Duration.ofSeconds(10)));
        return new EvaluatorClient(ctx.getSystem(), pool, s);
    }
}
