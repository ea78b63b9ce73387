package io.ndevid.cli;

import io.ndevid.actors.api.ApiException;
import io.ndevid.actors.api.ExperimentClient;
import io.ndevid.actors.api.HttpExperimentClient;
import io.ndevid.actors.http.ApiToken;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * {@code ndevid submit}: sends a grid to a running cluster's HTTP API (a coordinator node), prints the experiment id
 * and its trials; {@code --wait} follows it until it finishes (exit 0 only if every trial TERMINATED);
 * {@code --cancel ID} cancels one instead.
 */
@Command(name = "submit", mixinStandardHelpOptions = true, description = {
    "Submit a grid (GridSpec JSON) to a running cluster through its HTTP API, or cancel an experiment.",
    "The token comes from --token-file, else NDEVID_TOKEN, else <--dir>/token (the coordinator node writes it)."})
final class SubmitCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "GRID.json", description = "The grid spec to submit.")
    Path grid;

    @Option(names = "--api", defaultValue = "http://127.0.0.1:8787",
            description = "The API of a coordinator node (default ${DEFAULT-VALUE}).")
    String api;

    @Option(names = "--token-file", description = "File holding the API token (default: NDEVID_TOKEN, else "
            + "<--dir>/token).")
    Path tokenFile;

    @Option(names = "--dir", description = "Experiments directory whose token to use (default ./experiments).")
    Path dir;

    @Option(names = "--wait", description = "Follow the experiment until it finishes; exit 0 only if every trial "
            + "TERMINATED.")
    boolean await;

    @Option(names = "--poll", defaultValue = "PT2S", description = "--wait: how often to ask (default 2 s, ISO-8601).")
    Duration poll;

    @Option(names = "--cancel", paramLabel = "ID", description = "Cancel this experiment instead of submitting.")
    String cancel;

    /** The environment (tests replace it). */
    Map<String, String> env = System.getenv();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if ((grid == null) == (cancel == null)) {
            throw new IllegalArgumentException("give a GRID.json to submit, or --cancel ID (not both)");
        }
        if (poll.isNegative() || poll.isZero()) {
            throw new IllegalArgumentException("--poll must be positive, got " + poll);
        }
        URI uri;
        try {
            uri = URI.create(api);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--api '" + api + "' is not a URL (http://HOST:PORT)");
        }
        HttpExperimentClient client = ExperimentClient.connect(uri, token());
        String id;
        if (cancel != null) {
            CoordinatorProtocol.Ack ack = get(client.cancel(cancel, "cancelled with ndevid submit --cancel"));
            out.println("experiment " + cancel + ": " + ack.message());
            id = cancel;
        } else {
            String json;
            try {
                json = Files.readString(grid, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read grid file " + grid + " (" + e.getClass()
                        .getSimpleName() + ")");
            }
            CoordinatorProtocol.Accepted a;
            try {
                a = get(client.submitJson(json));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the server refused " + grid + ": " + e.getMessage());
            }
            out.printf("experiment %s%s: %d trials%n", a.experimentId(), a.alreadyKnown() ? " (already submitted)"
                    : "", a.trials().size());
            a.trials().forEach(t -> out.println("  " + t));
            id = a.experimentId();
        }
        out.flush();
        return await ? follow(client, id, out) : 0;
    }

    private String token() {
        return ApiToken.find(tokenFile, env.get("NDEVID_TOKEN"), dir).orElseThrow(() -> new IllegalArgumentException(
                "no API token: pass --token-file FILE, set NDEVID_TOKEN, or --dir the experiments directory of the "
                        + "coordinator node (" + ApiToken.defaultFile(dir) + " is not readable)"));
    }

    /** Prints each trial change until the experiment finishes; 0 if every trial TERMINATED. */
    private int follow(HttpExperimentClient client, String id, PrintWriter out) throws InterruptedException {
        Map<String, String> seen = new HashMap<>();
        boolean unreachable = false;
        while (true) {
            ExperimentStatus s;
            try {
                s = get(client.status(id));
                unreachable = false;
            } catch (ApiException e) {
                if (e.status() != 0 && e.status() != 503) {
                    throw e;
                }
                if (!unreachable) {
                    out.println("waiting for the API: " + e.getMessage());
                    out.flush();
                }
                unreachable = true;
                Thread.sleep(poll.toMillis());
                continue;
            }
            for (TrialStatus t : s.trials()) {
                String line = String.format("%-36s %-10s try %d  %d/%d", t.name(), t.state(), t.attempt(),
                        Math.max(t.iteration(), 0), t.totalIterations());
                String key = t.state() + "/" + t.attempt() + "/" + t.iteration();
                if (!key.equals(seen.put(t.name(), key))) {
                    out.println(line);
                }
            }
            out.flush();
            if (s.finished()) {
                out.print(s.table());
                boolean ok = s.count(TrialState.TERMINATED) == s.trials().size();
                out.println("experiment " + id + " " + s.phase() + (ok ? ": every trial TERMINATED"
                        : ": not every trial TERMINATED " + s.counts()));
                out.flush();
                return ok ? 0 : 1;
            }
            Thread.sleep(poll.toMillis());
        }
    }

    private static <T> T get(CompletionStage<T> stage) throws InterruptedException {
        try {
            return stage.toCompletableFuture().get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(c.getMessage(), c);
        }
    }
}
