package io.ndevid.actors.status;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.receptionist.Receptionist;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.protocol.StatusPages;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.TrialStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Puts a {@link ClusterSnapshot} together for one request: the status board's members and actor rows, plus the
 * trials of the coordinator's running experiments (the newest finished one when none runs), each trial with the
 * device its trainer reports. A part that does not answer within the timeout becomes a line in {@code problems}; the
 * rest is still served.
 */
public final class ClusterStatus {

    /** Finished experiments shown when none runs. */
    static final int RECENT = 1;

    private final ActorSystem<?> system;
    private final ActorRef<StatusBoard.Command> board;
    private final ActorRef<CoordinatorProtocol.Command> coordinator;
    private final Duration timeout;

    /**
     * @param board       a status board, or null to find one through the Receptionist on each request (preferring
     *                    this node's)
     * @param coordinator the coordinator (singleton proxy)
     */
    public ClusterStatus(ActorSystem<?> system, ActorRef<StatusBoard.Command> board,
                         ActorRef<CoordinatorProtocol.Command> coordinator, Duration timeout) {
        this.system = system;
        this.board = board;
        this.coordinator = coordinator;
        this.timeout = timeout;
    }

    public CompletionStage<ClusterSnapshot> snapshot() {
        CompletionStage<ClusterSnapshot> boardPart = findBoard().thenCompose(b -> b == null
                ? CompletableFuture.completedFuture(new ClusterSnapshot(System.currentTimeMillis(), List.of(),
                List.of(), List.of(), 0, 0, List.of("no status board in the cluster (no coordinator node up?)")))
                : AskPattern.<StatusBoard.Command, ClusterSnapshot>ask(b, StatusBoard.GetBoard::new, timeout,
                        system.scheduler()))
                .exceptionally(e -> new ClusterSnapshot(System.currentTimeMillis(), List.of(), List.of(), List.of(),
                        0, 0, List.of("status board: " + message(e))));
        CompletionStage<Trials> trialPart = trials();
        return boardPart.thenCombine(trialPart, (s, t) -> s.withTrials(withDevices(t.rows(), s), t.problems()));
    }

    private CompletionStage<ActorRef<StatusBoard.Command>> findBoard() {
        if (board != null) {
            return CompletableFuture.completedFuture(board);
        }
        return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                r -> Receptionist.find(StatusBoard.SERVICE_KEY, r), timeout, system.scheduler()).thenApply(l -> {
            Set<ActorRef<StatusBoard.Command>> all = l.getServiceInstances(StatusBoard.SERVICE_KEY);
            ActorRef<StatusBoard.Command> any = null;
            for (ActorRef<StatusBoard.Command> b : all) {
                if (b.path().address().hasLocalScope()) {
                    return b;
                }
                any = b;
            }
            return any;
        });
    }

    private record Trials(List<ClusterSnapshot.TrialRow> rows, List<String> problems) {}

    private CompletionStage<Trials> trials() {
        return AskPattern.<CoordinatorProtocol.Command, CoordinatorProtocol.ExperimentList>ask(coordinator,
                        CoordinatorProtocol.ListExperiments::new, timeout, system.scheduler())
                .thenCompose(list -> {
                    List<String> ids = new ArrayList<>();
                    List<String> finished = new ArrayList<>();
                    list.experiments().forEach((id, phase) -> (phase == ExperimentState.Phase.RUNNING ? ids
                            : finished).add(id));
                    if (ids.isEmpty()) {
                        // nothing runs: the newest finished (or cancelled) experiment
                        ids.addAll(finished.subList(Math.max(0, finished.size() - RECENT), finished.size()));
                    }
                    List<CompletableFuture<CoordinatorProtocol.StatusReply>> asks = ids.stream().map(id ->
                            StatusPages.ask(coordinator, id, timeout, system.scheduler()).toCompletableFuture()
                                    .exceptionally(e -> new CoordinatorProtocol.StatusReply(null,
                                            id + ": " + message(e))))
                            .toList();
                    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(v -> {
                        List<ClusterSnapshot.TrialRow> rows = new ArrayList<>();
                        List<String> problems = new ArrayList<>();
                        list.unreadable().forEach((id, why) -> problems.add("experiment " + id + ": " + why));
                        for (CompletableFuture<CoordinatorProtocol.StatusReply> a : asks) {
                            CoordinatorProtocol.StatusReply reply = a.join();
                            if (reply.status() == null) {
                                problems.add("status of " + reply.error());
                            } else {
                                reply.status().trials().forEach(t -> rows.add(row(reply.status(), t)));
                            }
                        }
                        return new Trials(rows, problems);
                    });
                })
                .exceptionally(e -> new Trials(List.of(), List.of("coordinator: " + message(e))));
    }

    private static ClusterSnapshot.TrialRow row(ExperimentStatus e, TrialStatus t) {
        // configId is "model / temporal / f" (TrialSpec.configId)
        String[] c = t.configId() == null ? new String[0] : t.configId().split(" / ");
        Double is = t.bestMetrics().containsKey("is") ? t.bestMetrics().get("is") : t.bestMetrics().get("is_mean");
        boolean running = t.state() == io.ndevid.study.experiment.TrialState.RUNNING;
        // a PENDING trial no slot may run says so: "PENDING (waiting for a gpu slot)"
        boolean waiting = t.state() == io.ndevid.study.experiment.TrialState.PENDING
                && io.ndevid.study.experiment.DeviceMatch.isWaiting(t.message());
        return new ClusterSnapshot.TrialRow(e.id(), t.name(), t.state().name() + (waiting ? " (" + t.message() + ")"
                : ""), t.slot(), null,
                c.length > 0 ? c[0] : null, c.length > 1 ? c[1] : null, c.length > 2 ? c[2] : null, t.iteration(),
                t.totalIterations(), t.itPerSec(), is, t.bestMetrics().get("fid"),
                running && t.etaSeconds() > 0 ? t.etaSeconds() : null);
    }

    /** The device of each trial's slot, from the trainers' reports (by trial first, then by slot). */
    private static List<ClusterSnapshot.TrialRow> withDevices(List<ClusterSnapshot.TrialRow> rows,
                                                              ClusterSnapshot board) {
        Map<String, String> byTrial = new HashMap<>();
        Map<String, String> bySlot = new HashMap<>();
        for (ClusterSnapshot.ActorRow a : board.actors()) {
            StatusReport r = a.report();
            if (!"trainer".equals(r.kind()) || r.device() == null) {
                continue;
            }
            if (r.slot() != null) {
                bySlot.put(r.slot(), r.device());
            }
            if (r.trial() != null) {
                byTrial.put(r.experiment() + "/" + r.trial(), r.device());
            }
        }
        List<ClusterSnapshot.TrialRow> out = new ArrayList<>(rows.size());
        for (ClusterSnapshot.TrialRow t : rows) {
            String device = byTrial.get(t.experiment() + "/" + t.name());
            if (device == null && t.slot() != null) {
                device = bySlot.get(t.slot());
            }
            out.add(new ClusterSnapshot.TrialRow(t.experiment(), t.name(), t.status(), t.slot(), device, t.model(),
                    t.temporal(), t.f(), t.iteration(), t.total(), t.itPerSec(), t.bestIs(), t.fid(),
                    t.etaSeconds()));
        }
        return out;
    }

    private String message(Throwable e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof java.util.concurrent.TimeoutException) {
            return "no answer within " + timeout.toMillis() + " ms";
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
