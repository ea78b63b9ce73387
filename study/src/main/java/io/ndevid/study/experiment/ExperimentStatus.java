package io.ndevid.study.experiment;


import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An experiment as the coordinator sees it now: its phase, trials per state, and one row per trial. */
public record ExperimentStatus(String id, ExperimentState.Phase phase, Map<TrialState, Integer> counts,
                               List<TrialStatus> trials, String dir) {

    public ExperimentStatus {
        counts = Map.copyOf(counts);
        trials = List.copyOf(trials);
    }

    /** No trial will run again (all TERMINATED, ERROR or CANCELLED). */
    public boolean finished() {
        return phase != ExperimentState.Phase.RUNNING;
    }

    public Optional<TrialStatus> trial(String name) {
        return trials.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public int count(TrialState s) {
        return counts.getOrDefault(s, 0);
    }

    /** A short table for logs and the command line. */
    public String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("experiment %s: %s %s%n", id, phase, counts));
        b.append(String.format("%-36s %-10s %4s %-22s %9s %8s  %s%n", "trial", "state", "try", "slot", "iteration",
                "it/s", "losses / best"));
        for (TrialStatus t : trials) {
            b.append(String.format("%-36s %-10s %4d %-22s %4d/%-4d %8.2f  %s %s%n", t.name(), t.state(), t.attempt(),
                    t.slot() == null ? "-" : t.slot(), t.iteration(), t.totalIterations(), t.itPerSec(), t.losses(),
                    t.bestMetrics().isEmpty() ? "" : t.bestMetrics()));
        }
        return b.toString();
    }
}
