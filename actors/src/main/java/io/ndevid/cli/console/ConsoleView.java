package io.ndevid.cli.console;

import io.ndevid.actors.status.ClusterSnapshot;
import io.ndevid.actors.status.LatencySummary;
import io.ndevid.actors.status.StatusReport;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code ndevid console} shows, as plain lines: a pure function of a {@link ClusterSnapshot} and the screen's
 * size, used by {@code --once} and by the full-screen view alike. Latencies read {@code p50/p99} in milliseconds.
 * No line is wider than {@code width}; when the trials (or actors) do not fit {@code height}, the last visible row
 * says {@code ... N more}. Trials are ordered RUNNING, PENDING, TERMINATED, ERROR, then the rest.
 */
public final class ConsoleView {

    /** The narrowest screen the view lays out for; narrower ones get the same lines, cut. */
    public static final int MIN_WIDTH = 40;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    private static final List<String> ORDER = List.of("RUNNING", "PENDING", "TERMINATED", "ERROR");
    /** Trial states after which nothing runs again: an experiment whose trials are all in one has its results. */
    private static final Set<String> FINISHED = Set.of("TERMINATED", "ERROR", "CANCELLED");

    private ConsoleView() {}

    /** Where the HTTP API serves an experiment's results tables ({@code …/report}: its report). */
    public static String resultsPath(String experiment) {
        return "/api/experiments/" + experiment + "/results";
    }

    /**
     * @param status an extra line at the top (connection lost, retrying …), or null
     * @param height the screen's rows; {@link Integer#MAX_VALUE} shows everything
     */
    public static List<String> render(ClusterSnapshot s, int width, int height, String status) {
        int layout = Math.max(width, MIN_WIDTH);
        List<String> head = new ArrayList<>();
        if (status != null) {
            head.add(status);
        }
        long stale = s.actors().stream().filter(ClusterSnapshot.ActorRow::stale).count();
        head.add("ndevid cluster  " + plural(s.members().size(), "member") + "  "
                + plural(s.actors().size(), "actor") + (stale > 0 ? " (" + stale + " stale)" : "")
                + "  Aeron " + bytes(s.aeronBytesPerSec()) + "/s, " + bytes(s.aeronBytesTotal()) + " total  "
                + TIME.format(Instant.ofEpochMilli(s.takenAtMillis())));
        for (String p : s.problems()) {
            head.add("! " + p);
        }
        s.trials().stream().map(ClusterSnapshot.TrialRow::experiment).distinct().sorted()
                .filter(e -> s.trials().stream().filter(t -> t.experiment().equals(e))
                        .allMatch(t -> FINISHED.contains(t.status())))
                .forEach(e -> head.add("results of " + e + ": GET " + resultsPath(e) + " (and …/report)"));

        TextTable members = new TextTable(List.of(
                TextTable.Column.left("MEMBER", 9, 28, 0),
                TextTable.Column.left("ROLES", 6, 30, 0),
                TextTable.Column.left("STATUS", 6, 8, 2),
                TextTable.Column.right("SLOTS", 5, 5, 0),
                TextTable.Column.left("DEVICES", 3, 30, 1)));
        for (ClusterSnapshot.Member m : s.members()) {
            members.add(m.address(), String.join(",", m.roles()), m.status(), Integer.toString(m.slots()),
                    m.devices().isEmpty() ? "-" : String.join(",", m.devices()));
        }

        List<ClusterSnapshot.TrialRow> trials = new ArrayList<>(s.trials());
        trials.sort(Comparator.comparingInt((ClusterSnapshot.TrialRow t) -> rank(t.status()))
                .thenComparing(ClusterSnapshot.TrialRow::experiment)
                .thenComparing(ClusterSnapshot.TrialRow::name));
        TextTable trialTable = new TextTable(List.of(
                TextTable.Column.name("TRIAL", 16, 44),
                TextTable.Column.left("STATUS", 6, 10, 0),
                TextTable.Column.middle("SLOT", 7, 22, 3),
                TextTable.Column.left("DEV", 3, 8, 0),
                TextTable.Column.left("MODEL/GT/F", 6, 22, 4),
                TextTable.Column.right("ITER", 4, 13, 0),
                TextTable.Column.right("IT/S", 4, 7, 5),
                TextTable.Column.right("IS", 4, 6, 0),
                TextTable.Column.right("FID", 4, 7, 0),
                TextTable.Column.right("ETA", 3, 7, 6)));
        List<String> experiments = trials.stream().map(ClusterSnapshot.TrialRow::experiment).distinct().sorted()
                .toList();
        for (ClusterSnapshot.TrialRow t : trials) {
            boolean running = "RUNNING".equals(t.status());
            // several experiments may have trials of the same name
            String name = experiments.size() > 1 ? t.experiment() + "/" + t.name() : t.name();
            trialTable.add(name, t.status(), slot(t.slot()), t.device(), config(t),
                    t.iteration() + "/" + t.total(), running ? num(t.itPerSec()) : "-", num(t.bestIs()),
                    num(t.fid()), t.etaSeconds() == null ? "-" : duration(t.etaSeconds()));
        }
        StringBuilder counts = new StringBuilder("TRIALS");
        for (String st : ORDER) {
            counts.append("  ").append(st.toLowerCase(Locale.ROOT)).append(' ')
                    .append(trials.stream().filter(t -> st.equals(t.status())).count());
        }
        long others = trials.stream().filter(t -> !ORDER.contains(t.status())).count();
        if (others > 0) {
            counts.append("  other ").append(others);
        }
        if (!experiments.isEmpty()) {
            counts.append("  (").append(String.join(", ", experiments)).append(')');
        }

        TextTable actorTable = new TextTable(List.of(
                TextTable.Column.name("ACTOR", 9, 16),
                TextTable.Column.left("NODE", 6, 21, 5),
                TextTable.Column.left("STATE", 5, 22, 1),
                TextTable.Column.right("Q", 1, 4, 0),
                TextTable.Column.right("MSG AGO", 7, 7, 4),
                TextTable.Column.right("STEP ms", 7, 13, 0),
                TextTable.Column.right("XFER ms", 7, 13, 0),
                TextTable.Column.right("EVAL ms", 7, 13, 0)));
        // one host (a single machine): the port tells members apart
        boolean oneHost = s.actors().stream().map(a -> host(a.report().address())).distinct().count() <= 1;
        for (ClusterSnapshot.ActorRow a : s.actors()) {
            StatusReport r = a.report();
            String state = a.stale() ? "STALE " + duration(a.ageMs() / 1000.0) : r.state();
            if (!a.stale() && "trainer".equals(r.kind()) && r.trial() != null && "running".equals(r.state())) {
                state = r.state() + " " + r.trial();
            }
            String node = oneHost ? r.address().substring(host(r.address()).length()) : r.address();
            actorTable.add(r.actor(), node, state, Integer.toString(r.queueDepth()),
                    duration(r.lastMessageAgeMs() / 1000.0), latency(r.latencies(), "step"),
                    latency(r.latencies(), "transfer"), latency(r.latencies(), "eval"));
        }

        // height: title lines, members (≤ 1/4 of the rest), actors (≤ 1/2 of what is left), trials the rest
        int fixed = head.size() + 1 /* members header */ + 1 /* trial counts */ + 1 /* trial header */
                + 1 /* actor header */;
        int rest = height == Integer.MAX_VALUE ? Integer.MAX_VALUE : Math.max(0, height - fixed);
        int memberRows = Math.min(members.size(), rest == Integer.MAX_VALUE ? Integer.MAX_VALUE
                : Math.max(1, rest / 4));
        rest = rest == Integer.MAX_VALUE ? rest : Math.max(0, rest - memberRows);
        int actorRows;
        int trialRows;
        if (rest == Integer.MAX_VALUE) {
            actorRows = actorTable.size();
            trialRows = trialTable.size();
        } else {
            actorRows = Math.min(actorTable.size(), rest / 2); // up to half: a cluster has few actors, all telling
            trialRows = Math.min(trialTable.size(), rest - actorRows);
            actorRows = Math.min(actorTable.size(), rest - trialRows); // what trials leave
        }

        List<String> out = new ArrayList<>();
        head.forEach(l -> out.add(clip(l, width)));
        out.addAll(withMore(members.render(layout, Integer.MAX_VALUE), members.size(), memberRows, width));
        out.add(clip(counts.toString(), width));
        out.addAll(withMore(trialTable.render(layout, Integer.MAX_VALUE), trialTable.size(), trialRows, width));
        out.addAll(withMore(actorTable.render(layout, Integer.MAX_VALUE), actorTable.size(), actorRows, width));
        if (height != Integer.MAX_VALUE && out.size() > height) {
            return new ArrayList<>(out.subList(0, Math.max(0, height)));
        }
        return out;
    }

    /** The header and {@code rows} lines; when some rows do not fit, the last one shown says how many are left. */
    private static List<String> withMore(List<String> rendered, int size, int rows, int width) {
        List<String> out = new ArrayList<>();
        out.add(clip(rendered.get(0), width));
        if (rows >= size) {
            for (int i = 1; i <= size; i++) {
                out.add(clip(rendered.get(i), width));
            }
            return out;
        }
        int shown = Math.max(0, rows - 1);
        for (int i = 1; i <= shown; i++) {
            out.add(clip(rendered.get(i), width));
        }
        if (rows > 0) {
            out.add(clip("... " + (size - shown) + " more", width));
        }
        return out;
    }

    private static String host(String address) {
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

    private static int rank(String status) {
        int i = ORDER.indexOf(status);
        return i < 0 ? ORDER.size() : i;
    }

    /** {@code node/slot-K} → {@code node/K}. */
    private static String slot(String slot) {
        return slot == null ? null : slot.replace("/slot-", "/");
    }

    private static String config(ClusterSnapshot.TrialRow t) {
        if (t.model() == null) {
            return null;
        }
        return t.model() + "/" + t.temporal() + (t.f() == null || t.f().equals("-") ? "" : "/" + t.f());
    }

    static String latency(Map<String, LatencySummary> l, String name) {
        LatencySummary s = l.get(name);
        if (s == null || s.count() == 0) {
            return "-";
        }
        return ms(s.p50Ms()) + "/" + ms(s.p99Ms());
    }

    private static String ms(double v) {
        return v < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String num(Double v) {
        if (v == null || v.isNaN()) {
            return "-";
        }
        double a = Math.abs(v);
        return a >= 1000 ? String.format(Locale.ROOT, "%.0f", v)
                : a >= 100 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    /** At most four characters: 8.6s, 12s, 2m43, 12m, 1h02, 12h, 4d. */
    static String duration(double seconds) {
        if (seconds < 9.95) {
            return String.format(Locale.ROOT, "%.1fs", Math.max(0, seconds));
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 600) {
            return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60);
        }
        if (s < 3600) {
            return (s / 60) + "m";
        }
        if (s < 36_000) {
            return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60);
        }
        if (s < 360_000) {
            return (s / 3600) + "h";
        }
        return (s / 86_400) + "d";
    }

    static String bytes(double b) {
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        int u = 0;
        while (b >= 1000 && u < units.length - 1) {
            b /= 1000;
            u++;
        }
        return (u == 0 ? String.format(Locale.ROOT, "%.0f", b) : String.format(Locale.ROOT, "%.1f", b)) + " "
                + units[u];
    }

    private static String plural(long n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    static String clip(String s, int width) {
        return s.length() <= width ? s : s.substring(0, Math.max(0, width));
    }

    static String stripRight(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') {
            end--;
        }
        return s.substring(0, end);
    }
}
