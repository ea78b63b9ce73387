package io.ndevid.study.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Curves read from metric files and banded over seeds: mean, lowest, highest and n at each iteration. */
class LearningCurvesTest {

    @TempDir
    Path dir;

    @Test
    void readSkipsTornLinesAndOtherFields() throws Exception {
        Path f = dir.resolve("metric-is.jsonl");
        Files.writeString(f, "{\"iteration\":0,\"is\":1.5}\n{\"iteration\":10,\"fid\":3}\n{\"iteration\":20,\"is\":2}\n"
                + "{\"iteration\":30,\"i");
        List<double[]> c = LearningCurves.read(f, "is");
        assertEquals(2, c.size());
        assertEquals(0, c.get(0)[0]);
        assertEquals(2.0, c.get(1)[1]);
        assertTrue(LearningCurves.read(dir.resolve("missing.jsonl"), "is").isEmpty());
    }

    @Test
    void bandIsMeanMinAndMaxOverSeeds() {
        List<LearningCurves.Point> band = LearningCurves.band(List.of(
                List.of(new double[] {10, 1}, new double[] {20, 2}),
                List.of(new double[] {10, 3}, new double[] {20, 4}, new double[] {20, 6}),  // resumed: 6 replaces 4
                List.of(new double[] {10, 5}, new double[] {30, Double.NaN})));
        assertEquals(List.of(new LearningCurves.Point(10, 3, 1, 5, 3), new LearningCurves.Point(20, 4, 2, 6, 2)),
                band);
        BufferedImage img = LearningCurves.plot("tgan", "IS", Map.of("tgan / ode1 / linear", band));
        assertEquals(640, img.getWidth());
        int coloured = 0;
        for (int x = 62; x < 618; x++) {
            for (int y = 32; y < 278; y++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                coloured += rgb != 0xFFFFFF && rgb != 0 ? 1 : 0;
            }
        }
        assertTrue(coloured > 1000, "the band and line are drawn inside the axes: " + coloured + " pixels");
    }
}
