package io.ndevid.training.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.gan.GanFactory;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.util.Arrays;
import java.util.Locale;

/**
 * A/B of two {@link io.ndevid.training.nn.ConvTranspose.Strategy} settings on whole training steps (not a test): the
 * same cpu-small model is built twice in one JVM, once per strategy (through
 * {@link io.ndevid.training.nn.ConvTranspose#STRATEGY_PROPERTY}), and their steps alternate, so that machine load hits
 * both alike; prints both medians (after 5 warm-up iterations) and B/A.
 * {@code DeconvAB A B steps MODEL:KIND …}, e.g. {@code DeconvAB PHASE AUTO 30 tgan:original}.
 */
public final class DeconvAB {

    private DeconvAB() {}

    public static void main(String[] args) throws Exception {
        TorchRuntime.engine();
        JniUtils.setNumThreads(1);
        int steps = Integer.parseInt(args[2]);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (int c = 3; c < args.length; c++) {
                String[] p = args[c].split(":");
                TrialSpec spec = Presets.of("cpu-small", ModelFamily.parse(p[0]), TemporalKind.parse(p[1]),
                        FVariant.LINEAR);
                System.setProperty(io.ndevid.training.nn.ConvTranspose.STRATEGY_PROPERTY, args[0]);
                VideoGan a = GanFactory.create(spec, m, Device.cpu());
                System.setProperty(io.ndevid.training.nn.ConvTranspose.STRATEGY_PROPERTY, args[1]);
                VideoGan b = GanFactory.create(spec, m, Device.cpu());
                System.clearProperty(io.ndevid.training.nn.ConvTranspose.STRATEGY_PROPERTY);
                double[] ta = new double[steps];
                double[] tb = new double[steps];
                int warm = 5;
                for (int it = 0; it < warm + steps; it++) {
                    for (int k = 0; k < 2; k++) {
                        VideoGan g = (it + k) % 2 == 0 ? a : b;
                        try (NDManager s = m.newSubManager()) {
                            var real = s.randomUniform(-1, 1, new Shape(16, 1, 16, 16, 16));
                            long t0 = System.nanoTime();
                            g.step(real, it);
                            double ms = (System.nanoTime() - t0) / 1e6;
                            if (it >= warm) {
                                (g == a ? ta : tb)[it - warm] = ms;
                            }
                        }
                    }
                }
                a.close();
                b.close();
                Arrays.sort(ta);
                Arrays.sort(tb);
                System.out.printf(Locale.ROOT, "%-18s %s median %.1f (min %.1f) | %s median %.1f (min %.1f) | "
                                + "B/A %.2f%n", args[c], args[0], ta[steps / 2], ta[0], args[1], tb[steps / 2], tb[0],
                        tb[steps / 2] / ta[steps / 2]);
            }
        }
    }
}
