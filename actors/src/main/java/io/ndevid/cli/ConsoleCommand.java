package io.ndevid.cli;

import io.ndevid.actors.status.ClusterSnapshot;
import io.ndevid.cli.console.ConsoleView;
import io.ndevid.cli.console.FullScreen;
import io.ndevid.cli.console.SnapshotClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code ndevid console}: the live view of the cluster — members with their roles, slots and devices; the trials of
 * current experiments; one row per actor with its queue, last message and step/transfer/eval latencies — read from
 * a node's {@code GET /api/cluster}. Full screen by default; {@code --once} prints one plain snapshot.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = {"Live status of the cluster: members, trials, actors and their latencies.",
            "Full screen (q or Ctrl-C quits); --once prints one plain-text snapshot for scripts."})
public final class ConsoleCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--connect", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8787",
            description = "The node's HTTP API (default: ${DEFAULT-VALUE}).")
    String connect;

    @Option(names = "--token-file", description = "File holding the API token, sent when the node wants it for "
            + "reads (ndevid.http.read-token on); default: NDEVID_TOKEN, else <--dir>/token if readable, else none.")
    java.nio.file.Path tokenFile;

    @Option(names = "--dir", description = "Experiments directory whose token to send (default ./experiments).")
    java.nio.file.Path dir;

    /** The environment (tests replace it). */
    java.util.Map<String, String> env = System.getenv();

    @Option(names = "--once", description = "Print one snapshot as plain text and exit (1 if the API cannot be "
            + "reached).")
    boolean once;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
            description = "Refresh interval of the full-screen view, at most 1s by default (e.g. 500ms, 1s).")
    String interval;

    @Option(names = "--width", paramLabel = "COLUMNS",
            description = "Width of --once output (default: $COLUMNS, else 80).")
    Integer width;

    @Option(names = "--height", paramLabel = "ROWS",
            description = "Rows of --once output; trials beyond it are summed up as '... N more' (default: all).")
    Integer height;

    @Override
    public Integer call() throws Exception {
        Duration every = parseDuration(interval);
        if (width != null && width < 20) {
            throw new IllegalArgumentException("--width must be at least 20, got " + width);
        }
        if (height != null && height < 5) {
            throw new IllegalArgumentException("--height must be at least 5, got " + height);
        }
        String token = io.ndevid.actors.http.ApiToken.find(tokenFile, env.get("NDEVID_TOKEN"), dir).orElse(null);
        SnapshotClient client = new SnapshotClient(connect, Duration.ofSeconds(5), token);
        if (!once) {
            if (System.console() == null) {
                throw new IllegalArgumentException("the full-screen console needs a terminal; use --once for "
                        + "scripts");
            }
            FullScreen.run(client, every);
            return 0;
        }
        ClusterSnapshot s;
        try {
            s = client.fetch();
        } catch (IOException e) {
            spec.commandLine().getErr().println("ndevid console: " + e.getMessage());
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        for (String line : ConsoleView.render(s, width != null ? width : columns(), height != null ? height
                : Integer.MAX_VALUE, null)) {
            out.println(line);
        }
        out.flush();
        return 0;
    }

    private static int columns() {
        String c = System.getenv("COLUMNS");
        try {
            return c == null ? 80 : Math.max(20, Integer.parseInt(c.trim()));
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            Duration d;
            if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                d = Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            } else {
                throw new NumberFormatException();
            }
            if (d.toMillis() < 100) {
                throw new IllegalArgumentException("--interval must be at least 100ms, got " + s);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--interval wants a duration like 500ms or 1s, got '" + s + "'");
        }
    }
}
