package io.ndevid.actors.protocol;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Scheduler;
import akka.actor.typed.javadsl.AskPattern;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An experiment's whole status, asked of the coordinator {@link #TRIALS_PER_PAGE} trials at a time
 * ({@link CoordinatorProtocol.GetStatus} with {@code from}/{@code max}) and joined: the answer to one ask must fit an
 * Artery frame, and a status of thousands of trials does not (docs/FAULTS.md, "Message sizes"). Every client that may
 * sit on another node than the coordinator (the HTTP API, {@code /api/cluster}) asks through this.
 *
 * <p>Pages are consecutive asks, so a status of several pages joins rows seen a few milliseconds apart: each row is
 * consistent, the phase is the last page's and the counts are those of the joined rows.
 */
public final class StatusPages {

    /**
     * Trials per ask. A TrialStatus serializes to ~1.1 KB (a finished trial with two attempts, losses, metrics and
     * paths; MessageSerializationTest measures it), so a page is ~0.3 MB: it travels on the large-message stream that
     * replies to asks use (base.conf), whose 4 MiB frame holds pages of trials up to ~16 KB each on average.
     */
    public static final int TRIALS_PER_PAGE = 256;

    private StatusPages() {}

    /** The whole status (or the coordinator's reason it has none); fails like an ask when a page is not answered. */
    public static CompletionStage<CoordinatorProtocol.StatusReply> ask(
            ActorRef<CoordinatorProtocol.Command> coordinator, String experimentId, Duration timeout,
            Scheduler scheduler) {
        return page(coordinator, experimentId, new ArrayList<>(), 1, timeout, scheduler);
    }

    private static CompletionStage<CoordinatorProtocol.StatusReply> page(
            ActorRef<CoordinatorProtocol.Command> coordinator, String id, List<TrialStatus> rows, int pages,
            Duration timeout, Scheduler scheduler) {
        int from = rows.size();
        return AskPattern.<CoordinatorProtocol.Command, CoordinatorProtocol.StatusReply>ask(coordinator,
                r -> new CoordinatorProtocol.GetStatus(id, from, TRIALS_PER_PAGE, r), timeout, scheduler)
                .thenCompose(reply -> {
                    ExperimentStatus s = reply.status();
                    if (s == null) {
                        return CompletableFuture.completedFuture(reply);
                    }
                    if (pages == 1 && s.trials().size() < TRIALS_PER_PAGE) {
                        return CompletableFuture.completedFuture(reply); // one page: the coordinator's own snapshot
                    }
                    rows.addAll(s.trials());
                    int total = s.counts().values().stream().mapToInt(Integer::intValue).sum();
                    if (s.trials().isEmpty() || rows.size() >= total) {
                        return CompletableFuture.completedFuture(new CoordinatorProtocol.StatusReply(
                                new ExperimentStatus(s.id(), s.phase(), counts(rows), rows, s.dir()), null));
                    }
                    return page(coordinator, id, rows, pages + 1, timeout, scheduler);
                });
    }

    private static Map<TrialState, Integer> counts(List<TrialStatus> rows) {
        int[] n = new int[TrialState.values().length];
        rows.forEach(t -> n[t.state().ordinal()]++);
        return TrialState.counts(s -> n[s.ordinal()]);
    }
}
