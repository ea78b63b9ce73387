package io.ndevid.actors.status;

import io.ndevid.actors.CborSerializable;

import java.util.List;

/**
 * Everything {@code ndevid console} shows, in one value ({@code GET /api/cluster} serves it as JSON): the members,
 * the trials of current experiments, one row per actor, and the cluster's Aeron throughput.
 *
 * @param problems what could not be asked (coordinator silent, no status board yet), shown as such
 */
public record ClusterSnapshot(long takenAtMillis, List<Member> members, List<TrialRow> trials, List<ActorRow> actors,
                             double aeronBytesPerSec, long aeronBytesTotal, List<String> problems)
        implements CborSerializable {

    public ClusterSnapshot {
        members = members == null ? List.of() : List.copyOf(members);
        trials = trials == null ? List.of() : List.copyOf(trials);
        actors = actors == null ? List.of() : List.copyOf(actors);
        problems = problems == null ? List.of() : List.copyOf(problems);
    }

    /**
     * A cluster member: its address, roles and membership status, and the trainer slots (with their devices) that
     * reported from it.
     */
    public record Member(String address, List<String> roles, String status, int slots, List<String> devices)
            implements CborSerializable {
        public Member {
            roles = List.copyOf(roles);
            devices = List.copyOf(devices);
        }
    }

    /** The latest report of an actor, {@code ageMs} after the board received it; stale past {@code stale-after}. */
    public record ActorRow(StatusReport report, long ageMs, boolean stale) implements CborSerializable {}

    /**
     * One trial of an experiment. {@code device} is the device of the slot that runs (ran) it, as its trainer reports;
     * {@code model}/{@code temporal}/{@code f} are the configuration (f is "-" for the original G_t); {@code bestIs},
     * {@code fid} and {@code etaSeconds} are null when not known.
     */
    public record TrialRow(String experiment, String name, String status, String slot, String device, String model,
                           String temporal, String f, long iteration, long total, double itPerSec, Double bestIs,
                           Double fid, Double etaSeconds) implements CborSerializable {}

    public ClusterSnapshot withTrials(List<TrialRow> rows, List<String> moreProblems) {
        List<String> p = new java.util.ArrayList<>(problems);
        p.addAll(moreProblems);
        return new ClusterSnapshot(takenAtMillis, members, rows, actors, aeronBytesPerSec, aeronBytesTotal, p);
    }
}
