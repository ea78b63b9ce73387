package io.ndevid.actors.trainer;

import com.typesafe.config.Config;

import java.time.Duration;

/**
 * A trainer process's settings, read once from {@code ndevid.trainer}.
 *
 * @param progressInterval  how often progress goes to the coordinator (at most), e.g. 1 s
 * @param heartbeatInterval progress is re-sent at least this often even without a new iteration, so the
 *                          coordinator can tell a slow iteration from a dead trainer
 * @param resultResend      a trial's end is re-sent this often until the coordinator acknowledges it (it may be
 *                          failing over)
 */
public record TrainerSettings(Duration progressInterval, Duration heartbeatInterval, Duration resultResend) {

    public static TrainerSettings defaults() {
        return new TrainerSettings(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(2));
    }

    public static TrainerSettings fromConfig(Config c) {
        Config t = c.getConfig("ndevid.trainer");
        return new TrainerSettings(t.getDuration("progress-interval"), t.getDuration("heartbeat-interval"),
                t.getDuration("result-resend"));
    }
}
