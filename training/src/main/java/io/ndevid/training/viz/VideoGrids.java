package io.ndevid.training.viz;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.ndevid.training.data.HostBatch;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;

/**
 * Writes a batch of videos {@code [B, C, T, H, W]} with values in [−1, 1] (C = 1 or 3) as pictures, with the JDK's
 * ImageIO only:
 * <ul>
 *   <li>{@link #writeGif}: an animated, looping GIF whose frame {@code t} shows frame {@code t} of every clip in a grid
 *       of {@code cols} clips per row (a NETSCAPE2.0 block makes it loop);</li>
 *   <li>{@link #writePngGrid}: one PNG with a row per clip and a column per frame.</li>
 * </ul>
 * Values map to bytes as {@code round((v + 1)·127.5)}, clamped. Grey clips are written with an exact 256-level grey
 * palette. For RGB clips ImageIO's GIF writer builds a 256-colour palette per frame without dithering, so smooth
 * gradients band (fine for looking at samples; the PNG grid is exact).
 */
public final class VideoGrids {

    /**
     * Layout of a grid.
     *
     * @param cols       clips per row in the GIF (rows follow from the batch size)
     * @param padding    pixels between cells
     * @param scale      integer up-scaling of every pixel (nearest), so that 16×16 clips are visible
     * @param delayMs    GIF frame delay (GIF stores hundredths of a second)
     * @param padValue   value in [−1, 1] of the padding
     */
    public record Options(int cols, int padding, int scale, int delayMs, float padValue) {
        public Options {
            if (cols < 1 || padding < 0 || scale < 1 || delayMs < 0 || padValue < -1 || padValue > 1) {
                throw new IllegalArgumentException("bad grid options: " + cols + " cols, padding " + padding
                        + ", scale " + scale + ", delay " + delayMs + " ms, pad value " + padValue);
            }
        }

        /** {@code cols} clips per row, 1 px white padding, scale 1, 100 ms per frame. */
        public static Options cols(int cols) {
            return new Options(cols, 1, 1, 100, 1f);
        }

        public Options withScale(int s) {
            return new Options(cols, padding, s, delayMs, padValue);
        }

        public Options withDelayMs(int ms) {
            return new Options(cols, padding, scale, ms, padValue);
        }

        public Options withPadding(int px, float value) {
            return new Options(cols, px, scale, delayMs, value);
        }
    }

    private VideoGrids() {}

    /** Writes an animated GIF of {@code videos} (float tensor {@code [B, C, T, H, W]}). */
    public static void writeGif(NDArray videos, Path file, Options options) throws IOException {
        writeGif(floats(videos), videos.getShape().getShape(), file, options);
    }

    public static void writeGif(HostBatch batch, Path file, Options options) throws IOException {
        writeGif(batch.data(), batch.shape(), file, options);
    }

    /** Writes an animated GIF of {@code data} laid out as {@code shape} = {@code [B, C, T, H, W]}. */
    public static void writeGif(float[] data, long[] shape, Path file, Options options) throws IOException {
        Dims d = Dims.of(data, shape);
        int rows = (d.b + options.cols() - 1) / options.cols();
        int cols = Math.min(options.cols(), d.b);
        int cellW = d.w * options.scale();
        int cellH = d.h * options.scale();
        int width = cols * cellW + (cols + 1) * options.padding();
        int height = rows * cellH + (rows + 1) * options.padding();
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("gif");
        if (!writers.hasNext()) {
            throw new IOException("this JDK has no GIF writer");
        }
        ImageWriter writer = writers.next();
        createParent(file);
        Files.deleteIfExists(file);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            writer.prepareWriteSequence(null);
            // Not interlaced: JDK's GIF reader was seen to scramble rows of small interlaced frames written by its
            // own writer (rows missing or swapped on read-back); interlacing buys nothing for local files.
            param.setProgressiveMode(ImageWriteParam.MODE_DISABLED);
            for (int t = 0; t < d.t; t++) {
                BufferedImage img = d.c == 1 ? greyImage(width, height) : new BufferedImage(width, height,
                        BufferedImage.TYPE_INT_RGB);
                fill(img, options.padValue());
                for (int b = 0; b < d.b; b++) {
                    int x0 = options.padding() + (b % options.cols()) * (cellW + options.padding());
                    int y0 = options.padding() + (b / options.cols()) * (cellH + options.padding());
                    drawFrame(img, data, d, b, t, x0, y0, options.scale());
                }
                // new ImageTypeSpecifier(img), not createFromRenderedImage(img): for a TYPE_BYTE_INDEXED image the latter
                // describes the type's default palette, and the frame's local colour table then is that palette
                // instead of our grey ramp (seen: white came back as 252).
                IIOMetadata meta = writer.getDefaultImageMetadata(new ImageTypeSpecifier(img), param);
                frameMetadata(meta, options.delayMs(), t == 0);
                writer.writeToSequence(new IIOImage(img, null, meta), param);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
    }

    /** Writes one PNG: a row per clip, a column per frame. */
    public static void writePngGrid(NDArray videos, Path file, Options options) throws IOException {
        writePngGrid(floats(videos), videos.getShape().getShape(), file, options);
    }

    public static void writePngGrid(HostBatch batch, Path file, Options options) throws IOException {
        writePngGrid(batch.data(), batch.shape(), file, options);
    }

    /** Writes one PNG of {@code data} ({@code [B, C, T, H, W]}): a row per clip, a column per frame. */
    public static void writePngGrid(float[] data, long[] shape, Path file, Options options) throws IOException {
        Dims d = Dims.of(data, shape);
        int cellW = d.w * options.scale();
        int cellH = d.h * options.scale();
        int width = d.t * cellW + (d.t + 1) * options.padding();
        int height = d.b * cellH + (d.b + 1) * options.padding();
        BufferedImage img = new BufferedImage(width, height,
                d.c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        fill(img, options.padValue());
        for (int b = 0; b < d.b; b++) {
            for (int t = 0; t < d.t; t++) {
                drawFrame(img, data, d, b, t, options.padding() + t * (cellW + options.padding()),
                        options.padding() + b * (cellH + options.padding()), options.scale());
            }
        }
        createParent(file);
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("this JDK has no PNG writer");
        }
    }

    /** A byte in 0…255 for a value in [−1, 1]. */
    public static int toByte(float v) {
        long q = Math.round((v + 1.0) * 127.5);
        return (int) Math.max(0, Math.min(255, q));
    }

    private record Dims(int b, int c, int t, int h, int w) {
        static Dims of(float[] data, long[] shape) {
            if (shape.length != 5) {
                throw new IllegalArgumentException("expected [B, C, T, H, W], got " + Arrays.toString(shape));
            }
            Dims d = new Dims((int) shape[0], (int) shape[1], (int) shape[2], (int) shape[3], (int) shape[4]);
            if (d.c != 1 && d.c != 3) {
                throw new IllegalArgumentException("1 or 3 channels, got " + d.c);
            }
            if ((long) d.b * d.c * d.t * d.h * d.w != data.length) {
                throw new IllegalArgumentException(data.length + " values for shape " + Arrays.toString(shape));
            }
            return d;
        }
    }

    private static float[] floats(NDArray videos) {
        if (videos.getDataType() == DataType.FLOAT32) {
            return videos.toFloatArray();
        }
        try (NDArray f = videos.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    private static BufferedImage greyImage(int width, int height) {
        byte[] ramp = new byte[256];
        for (int i = 0; i < 256; i++) {
            ramp[i] = (byte) i;
        }
        return new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(8, 256, ramp, ramp, ramp));
    }

    private static void fill(BufferedImage img, float value) {
        int q = toByte(value);
        var raster = img.getRaster();
        if (img.getType() == BufferedImage.TYPE_INT_RGB) {
            int rgb = (q << 16) | (q << 8) | q;
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    img.setRGB(x, y, rgb);
                }
            }
        } else {
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    raster.setSample(x, y, 0, q);
                }
            }
        }
    }

    private static void drawFrame(BufferedImage img, float[] data, Dims d, int b, int t, int x0, int y0, int scale) {
        int plane = d.h * d.w;
        var raster = img.getRaster();
        boolean rgb = img.getType() == BufferedImage.TYPE_INT_RGB;
        for (int y = 0; y < d.h; y++) {
            for (int x = 0; x < d.w; x++) {
                int sample;
                if (d.c == 1) {
                    sample = toByte(data[((b * d.c) * d.t + t) * plane + y * d.w + x]);
                } else {
                    int r = toByte(data[((b * d.c) * d.t + t) * plane + y * d.w + x]);
                    int g = toByte(data[((b * d.c + 1) * d.t + t) * plane + y * d.w + x]);
                    int bl = toByte(data[((b * d.c + 2) * d.t + t) * plane + y * d.w + x]);
                    sample = (r << 16) | (g << 8) | bl;
                }
                for (int sy = 0; sy < scale; sy++) {
                    for (int sx = 0; sx < scale; sx++) {
                        int px = x0 + x * scale + sx;
                        int py = y0 + y * scale + sy;
                        if (rgb) {
                            img.setRGB(px, py, sample);
                        } else {
                            raster.setSample(px, py, 0, sample);
                        }
                    }
                }
            }
        }
    }

    /** Frame delay and, on the first frame, the NETSCAPE2.0 block that makes viewers loop forever. */
    private static void frameMetadata(IIOMetadata meta, int delayMs, boolean first) throws IOException {
        String format = meta.getNativeMetadataFormatName(); // javax_imageio_gif_image_1.0
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
        child(root, "ImageDescriptor").setAttribute("interlaceFlag", "FALSE");
        IIOMetadataNode gce = child(root, "GraphicControlExtension");
        gce.setAttribute("disposalMethod", "none");
        gce.setAttribute("userInputFlag", "FALSE");
        gce.setAttribute("transparentColorFlag", "FALSE");
        gce.setAttribute("delayTime", Integer.toString(Math.round(delayMs / 10f)));
        gce.setAttribute("transparentColorIndex", "0");
        if (first) {
            IIOMetadataNode apps = child(root, "ApplicationExtensions");
            IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
            app.setAttribute("applicationID", "NETSCAPE");
            app.setAttribute("authenticationCode", "2.0");
            app.setUserObject(new byte[] {1, 0, 0}); // sub-block 1: loop count 0 = forever
            apps.appendChild(app);
        }
        meta.setFromTree(format, root);
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }
}
