package io.ndevid.metrics.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.evaluator.EvaluatorSettings;
import io.ndevid.metrics.evaluator.RealStatistics;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.TrainingProgress;
import io.ndevid.metrics.fid.FidResult;
import io.ndevid.metrics.fid.FrechetDistance;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.is.InceptionScore;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.data.Datasets;
import io.ndevid.training.gan.GanFactory;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import io.ndevid.training.util.Randomness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * IS + FID on 2048 generated videos with the synthetic evaluator (the protocol's periodic evaluation), timed by
 * phase: generating the samples, the C3D forward passes, IS, FID against cached real statistics. Not a test:
 * {@code bash bench/protocol.sh}. Args: [preset=cpu-small] [n=2048] [model=tgan] [temporal=ode1].
 */
public final class ProtocolBench {

    private ProtocolBench() {}

    public static void main(String[] args) throws Exception {
        String preset = args.length > 0 ? args[0] : "cpu-small";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        TrialSpec spec = Presets.of(preset, ModelFamily.parse(args.length > 2 ? args[2] : "tgan"),
                TemporalKind.parse(args.length > 3 ? args[3] : "ode1"), FVariant.LINEAR);
        TorchRuntime.engine();
        Path cache = SyntheticEvaluator.defaultCacheDir();
        long t0 = System.nanoTime();
        try (SyntheticEvaluator ev = SyntheticEvaluator.loadOrTrain(cache, EvaluatorSettings.forPreset(preset),
                new TrainingProgress() {
                    @Override
                    public void iteration(int i, int total, double loss, double s) {}

                    @Override
                    public void message(String text) {
                        System.out.println("  " + text);
                    }
                });
             NDManager m = NDManager.newBaseManager(Device.cpu());
             VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            System.out.printf("evaluator ready in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, ev.id());
            long t1 = System.nanoTime();
            GaussianStats real = RealStatistics.loadOrCompute(ev, Datasets.synthetic(spec.dataClasses(),
                    spec.frames(), spec.frameSize(), spec.channels(), Datasets.SYNTHETIC_HELD_OUT_START, n), n, cache);
            System.out.printf("real statistics (n=%d) ready in %.1f s (cached after the first run)%n", n,
                    (System.nanoTime() - t1) / 1e9);
            for (int round = 0; round < 2; round++) {
                long a = System.nanoTime();
                List<C3dEvaluator.Outputs> parts = new ArrayList<>();
                double sampleS = 0;
                double c3dS = 0;
                for (int from = 0, k = 0; from < n; from += 64, k++) {
                    try (NDManager scope = NDManager.newBaseManager()) {
                        long s0 = System.nanoTime();
                        NDArray v = gan.sample(scope, Math.min(64, n - from), Randomness.derive(7, k, "chunk"));
                        v.getFloat(0, 0, 0, 0, 0);
                        long s1 = System.nanoTime();
                        parts.add(ev.evaluate(v, 64));
                        sampleS += (s1 - s0) / 1e9;
                        c3dS += (System.nanoTime() - s1) / 1e9;
                    }
                }
                C3dEvaluator.Outputs all = C3dEvaluator.Outputs.concat(parts);
                long b = System.nanoTime();
                InceptionScore.Result is = InceptionScore.compute(all.probabilities(), 1);
                long c = System.nanoTime();
                FidResult fid = new FrechetDistance().compute(real, all.fc7());
                long d = System.nanoTime();
                System.out.printf("round %d: %d samples of %s at %s: total %.2f s = generate %.2f + C3D %.2f + IS %.3f "
                        + "+ FID %.3f (%s, d=%d) → IS %.3f, FID %.2f%n", round, n, spec.configId(), preset,
                        (d - a) / 1e9, sampleS, c3dS, (c - b) / 1e9, (d - c) / 1e9, fid.method(),
                        all.fc7().cols(), is.mean(), fid.fid());
            }
        }
    }
}
