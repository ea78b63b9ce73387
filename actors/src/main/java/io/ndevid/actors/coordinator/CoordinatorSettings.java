package io.ndevid.actors.coordinator;

import com.typesafe.config.Config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The coordinator's settings, read once from {@code ndevid} / {@code ndevid.coordinator}.
 *
 * @param dataDir        experiments live in {@code dataDir/<experiment>/} (journal, trials/, results.json); shared
 *                       by every node that may host the coordinator or a trainer
 * @param tick           how often timeouts are checked and free slots filled
 * @param assignTimeout  a trainer that does not accept an assignment within this is skipped (trial re-queued)
 * @param progressTimeout a running trial whose trainer sends nothing for this long is LOST (trainers heartbeat)
 * @param reclaimTimeout after a restart, trials the journal shows RUNNING wait this long for their trainer to claim
 *                       them before they are re-queued (so a live trainer is not doubled)
 * @param describeRetry  how often a trainer that has not answered "describe" is asked again
 * @param renderTimeout  how long one continuous-time render of a finished experiment's report may take
 * @param restartBackoffMin after a failure (a journal write error) the coordinator restarts after a back-off that
 *                       doubles from this ...
 * @param restartBackoffMax ... up to this
 */
public record CoordinatorSettings(Path dataDir, Duration tick, Duration assignTimeout, Duration progressTimeout,
                                  Duration reclaimTimeout, Duration describeRetry, Duration renderTimeout,
                                  Duration restartBackoffMin, Duration restartBackoffMax) {

    public static CoordinatorSettings fromConfig(Config c) {
        Config k = c.getConfig("ndevid.coordinator");
        return new CoordinatorSettings(Path.of(c.getString("ndevid.data-dir")).toAbsolutePath(),
                k.getDuration("tick"), k.getDuration("assign-timeout"), k.getDuration("progress-timeout"),
                k.getDuration("reclaim-timeout"), k.getDuration("describe-retry"), k.getDuration("render-timeout"),
                k.getDuration("restart-backoff-min"), k.getDuration("restart-backoff-max"));
    }

    public CoordinatorSettings withDataDir(Path dir) {
        return new CoordinatorSettings(dir.toAbsolutePath(), tick, assignTimeout, progressTimeout, reclaimTimeout,
                describeRetry, renderTimeout, restartBackoffMin, restartBackoffMax);
    }

    public CoordinatorSettings withTimeouts(Duration assign, Duration progress, Duration reclaim) {
        return new CoordinatorSettings(dataDir, tick, assign, progress, reclaim, describeRetry, renderTimeout,
                restartBackoffMin, restartBackoffMax);
    }
}
