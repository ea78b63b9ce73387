package io.ndevid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ndevid.actors.protocol.StopHandle;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.actors.trainer.ProductionTrialExecutor;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.UserC3dSpec;
import io.ndevid.metrics.protocol.EvaluationProtocol;
import io.ndevid.metrics.protocol.FinalMetrics;
import io.ndevid.metrics.protocol.TrialEvaluation;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ndevid train}: one trial in this process, from a spec file or a preset, into a run folder; resumes from the
 * folder's newest checkpoint; Ctrl-C checkpoints and stops (run the same command again to continue).
 */
@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {
    "Train one trial (a base model with one temporal generator) in this process.",
    "Resumes from the run folder's newest checkpoint; Ctrl-C saves a checkpoint and stops."})
final class TrainCommand implements java.util.concurrent.Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--spec", description = "Spec JSON: {\"preset\":…, \"model\":…, \"temporal\":…, \"f\":…, "
            + "overrides…}. Flags below override it.")
    Path specFile;

    @Option(names = "--preset", description = "cpu-tiny, cpu-small (default) or gpu-paper.")
    String preset;

    @Option(names = "--model", description = "tgan (default), mocogan or tganv2.")
    String model;

    @Option(names = "--temporal", description = "original (default), ode1, ode2, ode3 or sde.")
    String temporal;

    @Option(names = "--f", description = "f(x) of an ODE/SDE: linear (default), deep or matched.")
    String f;

    @Option(names = "--iterations", description = "Training iterations (default: the preset's).")
    Long iterations;

    @Option(names = "--seed", description = "Trial seed (default: the preset's).")
    Long seed;

    @Option(names = "--data", description = "synthetic (default), ucf101=DIR or hdf5=FILE.")
    String data;

    @Option(names = "--evaluator", description = "IS/FID evaluator: synthetic (default, with synthetic data) or "
            + UserC3dSpec.FORMAT + " (with --data ucf101=DIR or hdf5=FILE: a C3D trained on it, .npz with "
            + "Chainer's names or a DJL .params, and the C3D mean clip; route authors (default) or tgan2).")
    String evaluator;

    @Option(names = "--device", description = "auto, cpu or gpu:N (default: the preset's).")
    String device;

    @Option(names = "--out", description = "Run folder (default: runs/<trial name>).")
    Path out;

    @Option(names = "--no-eval", description = "Skip the IS/FID protocol (periodic IS/FID, best-IS checkpoint, "
            + "final K × N evaluation).")
    boolean noEval;

    @Option(names = "--evaluator-cache", description = "Where the synthetic C3D evaluator and real statistics are "
            + "cached (default: $NDEVID_EVALUATOR_CACHE or ~/.ndevid/evaluators).")
    Path evaluatorCache;

    @Override
    public Integer call() throws Exception {
        TrialSpec trial = buildSpec();
        Path dir = out != null ? out : Path.of("runs", trial.name());
        var w = spec.commandLine().getOut();
        w.printf("ndevid train: %s (%s preset), %d iterations, batch %d, %d×%dpx×%d frames → %s%n",
                trial.configId(), trial.preset(), trial.iterations(), trial.batchSize(), trial.frameSize(),
                trial.frameSize(), trial.frames(), dir.toAbsolutePath());
        ProgressPrinter progress = new ProgressPrinter(w);
        if (!noEval && trial.evalInterval() > 0) {
            TrialEvaluation.check(trial); // real data needs --evaluator c3d=FILE; a C3D file needs real data
        }
        boolean evaluated = !noEval && TrialEvaluation.applies(trial);
        Path cache = evaluatorCache != null ? evaluatorCache : SyntheticEvaluator.defaultCacheDir();
        TrialExecutor executor = new ProductionTrialExecutor(cache, !noEval);
        TrialExecutor.Listener listener = new TrialExecutor.Listener() {
            @Override
            public void onProgress(TrainerLoop.Progress p) {
                progress.onProgress(p);
            }

            @Override
            public void onMessage(String message) {
                progress.onMessage(message);
            }
        };
        StopHandle stop = new StopHandle();
        CountDownLatch done = new CountDownLatch(1);
        Thread onCtrlC = new Thread(() -> {
            stop.request();
            try {
                done.await(); // let the loop write its checkpoint before the JVM exits
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "ndevid-train-shutdown");
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        TrainerLoop.Result r;
        try {
            r = executor.execute(trial, dir, listener, stop);
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onCtrlC);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: fine
            }
        }
        w.printf("%s: %s after %d iterations in %.1f s — %s%n", trial.name(), r.status().name().toLowerCase(),
                r.iterationsDone(), r.wallSeconds(), r.message());
        w.printf("run folder: %s (spec.json, stats.jsonl, samples/, checkpoints/%s)%n", dir.toAbsolutePath(),
                evaluated ? ", " + EvaluationProtocol.IS_FILE + ", " + EvaluationProtocol.FID_FILE + ", "
                        + FinalMetrics.FILE : "");
        Path fin = FinalMetrics.in(dir);
        if (evaluated && java.nio.file.Files.exists(fin)) {
            FinalMetrics m = FinalMetrics.read(fin);
            w.printf("final (best-IS checkpoint, iteration %d, %d × %d samples): IS %.3f ± %.3f, FID %.3f ± %.3f%n",
                    m.bestIteration(), m.batches(), m.samplesPerBatch(), m.isMean(), m.isStd(), m.fidMean(),
                    m.fidStd());
        }
        return switch (r.status()) {
            case COMPLETED, STOPPED -> 0;
            case DIVERGED -> 3;
            case FAILED -> 1;
        };
    }

    private TrialSpec buildSpec() {
        ObjectNode node;
        if (specFile != null) {
            TrialSpec base = SpecIO.read(specFile);
            node = SpecIO.json().valueToTree(base);
        } else {
            node = SpecIO.json().createObjectNode();
        }
        putIf(node, "preset", preset);
        putIf(node, "model", model);
        putIf(node, "temporal", temporal);
        putIf(node, "f", f);
        putIf(node, "data", data);
        putIf(node, "evaluator", evaluator);
        putIf(node, "device", device);
        if (iterations != null) {
            node.put("iterations", iterations);
        }
        if (seed != null) {
            node.put("seed", seed);
        }
        if (specFile == null || model != null || temporal != null || f != null) {
            node.remove("name"); // the name follows the model, G_t and f unless a spec file set it
        }
        return SpecIO.fromTree(node);
    }

    private static void putIf(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}
