package io.ndevid.training.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.gan.ZeroCentredGradientPenaltyTest;
import io.ndevid.training.nn.ConvTranspose;

import java.util.Locale;

/**
 * Resident memory over many calls of one tiny transposed convolution with backward (not a test): per round of
 * {@code -Dcalls=N} calls (default 20,000) of a {@link ConvTranspose.Strategy}, the growth of the process's RSS after
 * a full GC, and the time per call. The tensors are tiny, so a per-call native handle that is never freed (a
 * TorchScript IValue, a tensor wrapper) shows up as steady growth round after round. Run with a fixed, pre-touched
 * heap ({@code -Xms1g -Xmx1g -XX:+AlwaysPreTouch}), or the JVM's heap touching fresh pages is counted too.
 * {@code ConvTransposeMemoryBench STRATEGY …}, one round per argument, e.g. {@code NATIVE NATIVE NATIVE PHASE_FUSED}.
 */
public final class ConvTransposeMemoryBench {

    private ConvTransposeMemoryBench() {}

    public static void main(String[] args) throws Exception {
        int calls = Integer.getInteger("calls", 20_000);
        TorchRuntime.engine();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = m.randomUniform(-1, 1, new Shape(1, 2, 3));
            NDArray w = m.randomUniform(-1, 1, new Shape(2, 2, 4));
            NDArray b = m.randomUniform(-1, 1, new Shape(2));
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            for (String name : args) {
                ConvTranspose.Strategy st = ConvTranspose.Strategy.valueOf(name);
                System.gc();
                long start = ZeroCentredGradientPenaltyTest.rssKb();
                long t0 = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    try (NDScope scope = new NDScope(); // every temporary, whichever manager it lands in
                         GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(ConvTranspose.apply(x, w, b, new int[] {2}, new int[] {1}, st).sum());
                    }
                }
                long t1 = System.nanoTime();
                System.gc();
                System.out.printf(Locale.ROOT, "%-12s %d calls: RSS %+d KiB, %.1f µs per call, %d live arrays%n",
                        st, calls, ZeroCentredGradientPenaltyTest.rssKb() - start, (t1 - t0) / 1e3 / calls,
                        m.getManagedArrays().size());
            }
        }
    }
}
