package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gpu-paper's TGANv2 — the authors' architecture at 192 px, width 64 — builds and takes a training step on the CPU,
 * at the authors' shapes per video (batch 2 instead of 32 to fit a shared CPU box). Slow (tens of seconds and some
 * GB): tagged {@code slow}, run with {@code mvn -Plong test}.
 */
@Tag("slow")
class TganV2AuthorsScaleTest {

    @Test
    void gpuPaperTganv2BuildsAndStepsAt192Px() {
        TrialSpec spec = SpecIO.parse("{\"preset\": \"gpu-paper\", \"model\": \"tganv2\", \"batchSize\": 2, "
                + "\"device\": \"cpu\"}");
        assertEquals(ModelFamily.TGANV2, spec.model());
        assertEquals(192, spec.frameSize());
        try (NDManager m = GanTestSupport.manager()) {
            long t0 = System.nanoTime();
            try (VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
                long t1 = System.nanoTime();
                Map<String, Double> losses = GanTestSupport.train(gan, m, 0, 1).get(0);
                long t2 = System.nanoTime();
                losses.forEach((k, v) -> assertTrue(Double.isFinite(v), k + " = " + v));
                List<Shape> fakes = ((TganV2) gan).lastFakeShapes();
                assertEquals(new Shape(2, 3, 16, 24, 24), fakes.get(0));
                assertEquals(new Shape(2, 3, 4, 48, 48), fakes.get(1));
                assertEquals(new Shape(2, 3, 1, 96, 96), fakes.get(2));
                assertEquals(new Shape(2, 3, 1, 192, 192), fakes.get(3));
                System.out.printf("gpu-paper TGANv2 at 192 px, batch 2: built in %.1f s, one step in %.1f s, "
                        + "RSS %d MiB; losses %s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9,
                        ZeroCentredGradientPenaltyTest.rssKb() / 1024, losses);
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
