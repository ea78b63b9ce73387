package io.ndevid.training.viz;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Node;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VideoGridsTest {

    @TempDir
    Path dir;

    /**
     * B clips of T frames, H×W, C channels: background −1 (black); clip b shows one bright pixel of value
     * {@code level} in channel 0 at (row 1, column t) in frame t.
     */
    static float[] movingDot(int b, int c, int t, int h, int w, float level) {
        float[] data = new float[b * c * t * h * w];
        java.util.Arrays.fill(data, -1f);
        for (int clip = 0; clip < b; clip++) {
            for (int f = 0; f < t; f++) {
                data[(((clip * c) * t + f) * h + 1) * w + f] = level; // channel 0
            }
        }
        return data;
    }

    @Test
    void animatedGifHasOneImagePerFrameALoopBlockAndTheRightPixels() throws IOException {
        int b = 3;
        int t = 5;
        int h = 6;
        int w = 8;
        float[] data = movingDot(b, 1, t, h, w, 0.2f); // 0.2 → round(1.2·127.5) = 153
        Path gif = dir.resolve("sub/samples.gif");
        VideoGrids.Options opt = VideoGrids.Options.cols(2).withScale(2).withDelayMs(120).withPadding(1, 1f);
        VideoGrids.writeGif(data, new long[] {b, 1, t, h, w}, gif, opt);

        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            assertEquals(t, reader.getNumImages(true), "one GIF image per video frame");
            int width = 2 * (w * 2) + 3;
            int height = 2 * (h * 2) + 3;
            for (int f = 0; f < t; f++) {
                BufferedImage img = reader.read(f);
                assertEquals(width, img.getWidth());
                assertEquals(height, img.getHeight());
                // Clip 2 sits in row 1, column 0: its cell starts at (1, 1 + 12 + 1).
                int x0 = 1;
                int y0 = 1 + h * 2 + 1;
                assertEquals(153, img.getRaster().getSample(x0 + 2 * f + 1, y0 + 2 * 1 + 1, 0) & 0xFF,
                        "the dot of frame " + f + " (scaled ×2)");
                assertEquals(0, grey(img, x0 + 2 * ((f + 1) % w), y0 + 2), "background is black");
                assertEquals(255, grey(img, 0, 0), "padding is white");
                assertEquals(255, grey(img, width - 1, height - 1), "the unused 4th cell is padding");
                IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(f)
                        .getAsTree("javax_imageio_gif_image_1.0");
                assertEquals("12", find(root, "GraphicControlExtension").getAttributes().getNamedItem("delayTime")
                        .getNodeValue(), "120 ms = 12 hundredths");
                if (f == 0) {
                    IIOMetadataNode app = (IIOMetadataNode) find(root, "ApplicationExtension");
                    assertNotNull(app, "NETSCAPE2.0 block on the first frame");
                    assertEquals("NETSCAPE", app.getAttribute("applicationID"));
                    assertEquals("2.0", app.getAttribute("authenticationCode"));
                    assertArrayEquals(new byte[] {1, 0, 0}, (byte[]) app.getUserObject(), "loop forever");
                }
            }
            reader.dispose();
        }
    }

    static int grey(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xFF;
    }

    static Node find(Node n, String name) {
        if (n.getNodeName().equals(name)) {
            return n;
        }
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            Node hit = find(c, name);
            if (hit != null) {
                return hit;
            }
        }
        return null;
    }

    @Test
    void rgbGifFromATensorKeepsPureColours() throws IOException {
        TorchRuntime.engine();
        float[] data = movingDot(2, 3, 4, 4, 4, 1f); // a pure red dot (channel 0 at +1, others −1)
        Path gif = dir.resolve("rgb.gif");
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            VideoGrids.writeGif(m.create(data, new Shape(2, 3, 4, 4, 4)), gif, VideoGrids.Options.cols(2));
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            assertEquals(4, reader.getNumImages(true));
            BufferedImage img = reader.read(3);
            assertEquals(2 * 4 + 3, img.getWidth());
            int cell1x = 1 + 4 + 1;
            assertEquals(0xFF0000, img.getRGB(cell1x + 3, 1 + 1) & 0xFFFFFF, "red dot of clip 1, frame 3");
            assertEquals(0x000000, img.getRGB(cell1x, 1 + 1) & 0xFFFFFF);
            reader.dispose();
        }
    }

    @Test
    void pngGridHasAClipPerRowAndAFramePerColumn() throws IOException {
        int b = 2;
        int t = 3;
        float[] data = movingDot(b, 3, t, 4, 5, 0.5f); // 0.5 → round(1.5·127.5) = 191
        data[0] = 0f; // clip 0, red, frame 0, pixel (0, 0) → 128
        Path png = dir.resolve("grid.png");
        VideoGrids.writePngGrid(data, new long[] {b, 3, t, 4, 5}, png, VideoGrids.Options.cols(1).withPadding(2, -1f));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(t * 5 + (t + 1) * 2, img.getWidth());
        assertEquals(b * 4 + (b + 1) * 2, img.getHeight());
        assertEquals((128 << 16), img.getRGB(2, 2) & 0xFFFFFF, "red 0 → 128, green/blue −1 → 0");
        // Clip 1 (second row), frame 2 (third column): dot at (row 1, column 2) of that cell.
        int x = 2 + 2 * (5 + 2) + 2;
        int y = 2 + 1 * (4 + 2) + 1;
        assertEquals(191 << 16, img.getRGB(x, y) & 0xFFFFFF);
        assertEquals(0, img.getRGB(0, 0) & 0xFFFFFF, "padding −1 is black");
        assertThrows(IllegalArgumentException.class,
                () -> VideoGrids.writePngGrid(data, new long[] {b, 2, t, 4, 5}, png, VideoGrids.Options.cols(1)));
        assertEquals(0, VideoGrids.toByte(-1.5f));
        assertEquals(255, VideoGrids.toByte(1f));
    }
}
