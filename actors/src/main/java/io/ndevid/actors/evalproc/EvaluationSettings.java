package io.ndevid.actors.evalproc;

import com.typesafe.config.Config;

import java.time.Duration;

/**
 * {@code ndevid.evaluation.*}, read once per process ({@link #from}); the defaults live in
 * {@code cluster-config/base.conf} only.
 *
 * @param attemptTimeout one attempt (render + transfer + scoring) may take this long
 * @param findTimeout    how long a trainer waits for an evaluator to be registered (a restarting one)
 * @param attempts       attempts on evaluators before the in-process fallback (≥ 1)
 * @param localFallback  score in the trainer process when every attempt failed
 * @param renderers      sample renderers in a trainer process's pool (≥ 1)
 * @param streamId       an evaluator's Aeron stream for the batches it receives
 * @param requestTimeout how long an evaluator waits for a request's batches before it fails naming the missing ones
 */
public record EvaluationSettings(Duration attemptTimeout, Duration findTimeout, int attempts, boolean localFallback,
                                 int renderers, int streamId, Duration requestTimeout) {

    public EvaluationSettings {
        if (attempts < 1 || renderers < 1) {
            throw new IllegalArgumentException("ndevid.evaluation needs attempts ≥ 1 and renderers ≥ 1, got "
                    + attempts + " / " + renderers);
        }
    }

    /** From a node's configuration (base.conf and what overrides it). */
    public static EvaluationSettings from(Config config) {
        Config e = config.getConfig("ndevid.evaluation");
        return new EvaluationSettings(e.getDuration("attempt-timeout"), e.getDuration("find-timeout"),
                e.getInt("attempts"), e.getBoolean("local-fallback"), e.getInt("renderers"), e.getInt("stream-id"),
                e.getDuration("request-timeout"));
    }
}
