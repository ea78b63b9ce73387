package io.ndevid.metrics.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.evaluator.EvaluatorSettings;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.TrainingProgress;
import io.ndevid.solvers.engine.TorchRuntime;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code evaluator}: ndevid's own C3D evaluator for IS/FID, trained on the labelled synthetic videos.
 *
 * <pre>
 *   evaluator train --preset cpu-tiny|cpu-small|gpu-paper [--out DIR] [--iterations N] [--seed S] [--device D]
 *   evaluator info  --weights FILE
 * </pre>
 * Exit codes: 0 success, 2 bad input (unknown preset, bad numbers, missing/corrupt files), 1 anything unexpected; the
 * error is one line on stderr.
 */
@Command(name = "evaluator", mixinStandardHelpOptions = true,
        description = "Train or inspect ndevid's synthetic C3D evaluator (IS/FID without downloadable weights).",
        subcommands = {EvaluatorCommand.Train.class, EvaluatorCommand.Info.class})
public class EvaluatorCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: one of train, info");
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new EvaluatorCommand()).execute(args));
    }

    /** {@code evaluator train}. */
    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Train the synthetic C3D evaluator for a preset's clip geometry, measure its held-out "
                    + "accuracy and save STEM.params + STEM.json in the output folder.",
                    "Runs pick it up from the same folder (SyntheticEvaluator.loadOrTrain) when the settings match."})
    public static class Train implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--preset", required = true, paramLabel = "PRESET",
                description = "cpu-tiny, cpu-small or gpu-paper: frames, frame size, channels, classes and defaults")
        String preset;

        @Option(names = "--out", paramLabel = "DIR",
                description = "output folder (default: $NDEVID_EVALUATOR_CACHE or ~/.ndevid/evaluators)")
        Path out;

        @Option(names = "--iterations", paramLabel = "N", description = "training steps (default: the preset's)")
        Integer iterations;

        @Option(names = "--seed", paramLabel = "S", description = "initialisation and data-stream seed (default 1)")
        Long seed;

        @Option(names = "--device", defaultValue = "auto", paramLabel = "D",
                description = "cpu, gpu:N or auto (default: ${DEFAULT-VALUE})")
        String device;

        @Override
        public Integer call() {
            return guard(spec, () -> {
                EvaluatorSettings s;
                try {
                    s = EvaluatorSettings.forPreset(preset);
                } catch (IllegalArgumentException e) {
                    throw new MetricsInputException(e.getMessage());
                }
                if (iterations != null) {
                    if (iterations < 1) {
                        throw new MetricsInputException("--iterations must be ≥ 1, got " + iterations);
                    }
                    s = s.withIterations(iterations);
                }
                if (seed != null) {
                    s = s.withSeed(seed);
                }
                Path dir = out == null ? SyntheticEvaluator.defaultCacheDir() : out;
                if (Files.exists(dir) && !Files.isDirectory(dir)) {
                    throw new MetricsInputException("--out " + dir + " exists and is not a folder");
                }
                ai.djl.Device dev;
                try {
                    dev = TorchRuntime.device(device);
                } catch (IllegalArgumentException e) {
                    throw new MetricsInputException(e.getMessage());
                }
                PrintWriter o = spec.commandLine().getOut();
                o.printf(Locale.ROOT, "evaluator train: preset %s -> C3D width %s, %d classes, %d frames of %dx%d, "
                                + "%d channel(s); %d iterations x %d clips, lr %s, seed %d, device %s%n",
                        s.preset(), s.widthMultiplier(), s.classes(), s.frames(), s.size(), s.size(), s.channels(),
                        s.iterations(), s.batchSize(), s.learningRate(), s.seed(), dev);
                o.flush();
                Path weights = dir.resolve(s.fileStem() + ".params");
                try (SyntheticEvaluator e = SyntheticEvaluator.train(s, weights, new LinePrinter(o), dev)) {
                    o.printf(Locale.ROOT, "held-out accuracy: %.2f %% (%d clips)%n", 100 * e.heldOutAccuracy(),
                            e.sidecar().heldOutClips());
                    o.printf(Locale.ROOT, "training time: %.1f s%n", e.sidecar().trainSeconds());
                    o.println("weights: " + weights);
                    o.println("sidecar: " + SyntheticEvaluator.sidecarOf(weights));
                    o.println("id: " + e.id());
                    o.flush();
                }
                return CommandLine.ExitCode.OK;
            });
        }
    }

    /** {@code evaluator info}. */
    @Command(name = "info", mixinStandardHelpOptions = true,
            description = {"Verify an evaluator's weights against their sidecar (SHA-256) and print the sidecar "
                    + "(settings, C3D config, preprocessing, held-out accuracy, training) as JSON."})
    public static class Info implements Callable<Integer> {

        private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

        @Spec
        CommandSpec spec;

        @Option(names = "--weights", required = true, paramLabel = "FILE", description = "STEM.params")
        Path weights;

        @Override
        public Integer call() {
            return guard(spec, () -> {
                if (!Files.isRegularFile(weights)) {
                    throw new MetricsInputException("evaluator weights not found: " + weights);
                }
                SyntheticEvaluator.Sidecar s = SyntheticEvaluator.readSidecar(SyntheticEvaluator.sidecarOf(weights));
                String sha = SyntheticEvaluator.sha256(weights);
                if (!sha.equalsIgnoreCase(s.weightsSha256())) {
                    throw new MetricsInputException("checksum mismatch: " + weights + " has SHA-256 " + sha
                            + " but its sidecar records " + s.weightsSha256()
                            + " (corrupted or replaced; retrain with 'ndevid evaluator train')");
                }
                Map<String, Object> outMap = new LinkedHashMap<>();
                outMap.put("id", String.format(Locale.ROOT, "%s@sha256:%s (held-out acc %.1f%%)", s.weightsFile(),
                        sha.substring(0, 12), 100 * s.heldOutAccuracy()));
                outMap.put("weights", weights.toString());
                outMap.put("checksum", "ok");
                outMap.put("sidecar", s);
                PrintWriter o = spec.commandLine().getOut();
                o.println(JSON.writeValueAsString(outMap));
                o.flush();
                return CommandLine.ExitCode.OK;
            });
        }
    }

    /** Progress as plain lines, about every 5 %, plus the evaluator's messages. */
    static final class LinePrinter implements TrainingProgress {
        private final PrintWriter out;
        private int lastBucket = -1;

        LinePrinter(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void iteration(int iteration, int total, double loss, double elapsedSeconds) {
            int bucket = (int) (20L * iteration / Math.max(1, total));
            if (bucket == lastBucket && iteration != total) {
                return;
            }
            lastBucket = bucket;
            double eta = elapsedSeconds / iteration * (total - iteration);
            out.printf(Locale.ROOT, "  iteration %d/%d  loss %.4f  %.1f s  ETA %.0f s%n", iteration, total, loss,
                    elapsedSeconds, eta);
            out.flush();
        }

        @Override
        public void message(String text) {
            out.println("  " + text);
            out.flush();
        }
    }

    /** Runs {@code body}; on failure one line on stderr and exit code 2 (bad input) or 1 (anything else). */
    static int guard(CommandSpec spec, Callable<Integer> body) {
        PrintWriter err = spec.commandLine().getErr();
        String who = spec.qualifiedName(" ");
        try {
            return body.call();
        } catch (MetricsInputException e) {
            return fail(err, who, e.getMessage(), CommandLine.ExitCode.USAGE);
        } catch (NoSuchFileException e) {
            return fail(err, who, "file not found: " + e.getFile(), CommandLine.ExitCode.USAGE);
        } catch (IOException e) {
            return fail(err, who, "I/O error: " + e, CommandLine.ExitCode.USAGE);
        } catch (Exception e) {
            return fail(err, who, "unexpected error: " + e, CommandLine.ExitCode.SOFTWARE);
        }
    }

    private static int fail(PrintWriter err, String who, String message, int code) {
        err.println(who + ": error: " + message);
        err.flush();
        return code;
    }
}
