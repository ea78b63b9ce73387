package io.ndevid.actors.evalproc;

import io.ndevid.metrics.protocol.EvaluationProtocol;
import io.ndevid.metrics.protocol.Scorer;
import io.ndevid.training.spec.TrialSpec;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The remote implementation of the protocol's {@link Scorer} for one trial: each request's snapshot is rendered by
 * the node's {@link SampleRenderers} and scored by an evaluator process ({@link EvaluatorClient}), so the training
 * thread only writes the snapshot. What is kept and written is {@link EvaluationProtocol}'s, as in-process.
 */
public final class RemoteScorer implements Scorer {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteScorer.class);

    private final EvaluatorClient client;
    private final TrialSpec spec;

    RemoteScorer(EvaluatorClient client, TrialSpec spec) {
        this.client = client;
        this.spec = spec;
    }

    @Override
    public CompletableFuture<Scored> score(Request r) {
        return client.score(spec, r.snapshot(), r.iteration(), r.kind(), r.seed(), r.samples(), r.chunk());
    }

    /** Every attempt's timeout and the fallback's: a request settles within this. */
    @Override
    public Duration patience() {
        EvaluationSettings s = client.settings();
        return s.attemptTimeout().multipliedBy(s.attempts() + 1);
    }

    @Override
    public void close() {
        Histogram h = client.latencies();
        LOG.info("{}: evaluation latency in this process so far (request → score, {} requests): p50 {} ms, p90 {} ms, "
                        + "max {} ms", spec.name(), h.getTotalCount(), h.getValueAtPercentile(50) / 1_000_000,
                h.getValueAtPercentile(90) / 1_000_000, h.getMaxValue() / 1_000_000);
    }
}
