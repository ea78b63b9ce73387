package io.ndevid.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.ndevid.actors.node.SlotDetection;
import io.ndevid.metrics.c3d.C3D;
import io.ndevid.metrics.c3d.C3dConfig;
import io.ndevid.metrics.c3d.C3dNpzWeights;
import io.ndevid.metrics.npy.NpyArray;
import io.ndevid.metrics.npy.Npz;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.spec.SpecIO;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.ndevid.cli.GridCommandTest.assertOneLineError;
import static io.ndevid.cli.GridCommandTest.grid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ndevid grid --data ucf101=DIR --evaluator c3d=FILE}: a UCF101-like folder of .avi clips and a C3D .npz
 * (random weights, width 1/16) written here; one cpu-tiny trial trains in a trainer process and is scored with that
 * C3D against real statistics of the clips. And the one-line errors before any trial starts.
 */
class GridC3dTest {

    @TempDir
    Path dir;

    /** 8 clips of two classes (moving bright bar, flat grey levels), with classInd.txt and trainlist01.txt. */
    static Path writeMiniUcf(Path root) throws IOException {
        List<String> list = new ArrayList<>();
        String[] classes = {"BarMoves", "GreyFades"};
        for (int c = 0; c < classes.length; c++) {
            for (int g = 1; g <= 4; g++) {
                String rel = classes[c] + "/v_" + classes[c] + "_g0" + g + "_c01.avi";
                writeClip(root.resolve("UCF-101").resolve(rel), c, g);
                list.add(rel + " " + (c + 1));
            }
        }
        // the layout the official split archive unpacks to: ucfTrainTestlist/ (lower-case l)
        Files.createDirectories(root.resolve("ucfTrainTestlist"));
        Files.write(root.resolve("ucfTrainTestlist/trainlist01.txt"), list);
        Files.write(root.resolve("ucfTrainTestlist/classInd.txt"), List.of("1 " + classes[0], "2 " + classes[1]));
        return root;
    }

    /**
     * A mean clip of the real file's layout — {@code mean}, float64 (3, 16, 128, 171), BGR — with smooth made-up
     * values around the real per-channel means (90, 98, 101).
     */
    static Path writeMeanNpz(Path file) throws IOException {
        double[] v = new double[3 * 16 * 128 * 171];
        double[] base = {90.25, 97.66, 101.41};
        int i = 0;
        for (int c = 0; c < 3; c++) {
            for (int t = 0; t < 16; t++) {
                for (int y = 0; y < 128; y++) {
                    for (int x = 0; x < 171; x++) {
                        v[i++] = base[c] + 10 * Math.sin(0.05 * x + 0.07 * y + 0.3 * t);
                    }
                }
            }
        }
        Npz.write(file, java.util.Map.of("mean", NpyArray.of(v, 3, 16, 128, 171)));
        return file;
    }

    /** {@code c3d=WEIGHTS,mean=MEAN}. */
    static String evaluator(Path weights, Path mean) {
        return "c3d=" + weights + ",mean=" + mean;
    }

    static void writeClip(Path file, int kind, int variant) throws IOException {
        int w = 40;
        int h = 30;
        Files.createDirectories(file.getParent());
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), w, h)) {
            rec.setFormat("avi");
            rec.setVideoCodec(avcodec.AV_CODEC_ID_MJPEG);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUVJ444P);
            rec.setVideoQuality(1);
            rec.setFrameRate(25);
            rec.start();
            for (int f = 0; f < 12; f++) {
                Frame frame = new Frame(w, h, Frame.DEPTH_UBYTE, 3);
                ByteBuffer buf = (ByteBuffer) frame.image[0];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int v = kind == 0 ? (Math.abs(x - 3 * f - variant) < 3 ? 230 : 20) : 20 * f + 10 * variant;
                        int p = y * frame.imageStride + x * 3;
                        buf.put(p, (byte) v).put(p + 1, (byte) v).put(p + 2, (byte) v);
                    }
                }
                rec.record(frame, avutil.AV_PIX_FMT_BGR24);
            }
            rec.stop();
        }
    }

    /** A C3D of width 1/16 (conv1a: 4 channels, fc: 256 units), 5 classes, random weights, as a Chainer .npz. */
    static Path writeC3dNpz(Path file) throws IOException {
        TorchRuntime.engine();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            C3D c3d = new C3D(new C3dConfig(5, 1.0 / 16, 16, 112, 112, 0.5f)).initialize(m);
            C3dNpzWeights.save(c3d, file);
        }
        return file;
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aUserC3dScoresATrialOnRealClips() throws Exception {
        Path ucf = writeMiniUcf(dir.resolve("ucf"));
        Path npz = writeC3dNpz(dir.resolve("c3d-test.npz"));
        Path mean = writeMeanNpz(dir.resolve("mean.npz"));
        Path out = dir.resolve("grid");
        GridCommandTest.Run r = grid("--preset", "cpu-tiny", "--only", "tgan-ode1-linear", "--seeds", "1", "--slots", "1",
                "--data", "ucf101=" + ucf, "--evaluator", evaluator(npz, mean), "--evaluator-cache",
                dir.resolve("cache").toString(), "--set", "evalSamples=8", "--out", out.toString());
        assertEquals(0, r.rc(), r.text());
        assertTrue(r.text().contains("IS/FID evaluator: c3d-test.npz@sha256:"), r.text());
        Path exp = out.resolve("ablation-cpu-tiny");
        Path run = exp.resolve("trials/tgan-ode1-linear-s0");
        JsonNode fin = SpecIO.json().readTree(run.resolve("final-metrics.json").toFile());
        String evaluator = fin.get("evaluator").asText();
        assertTrue(evaluator.startsWith("c3d-test.npz@sha256:") && evaluator.contains("user C3D, 5 classes")
                && evaluator.contains("route authors, mean sha256:"), evaluator);
        // scored by an evaluator process: the provenance object travels back in the score, and the preprocessing
        // description still names the full hashes
        String prep = fin.get("preprocessing").asText();
        assertTrue(prep.startsWith("authors:") && prep.contains("; C3D dropout off; weights sha256:"
                + io.ndevid.metrics.Sha256.of(npz) + "; mean sha256:" + io.ndevid.metrics.Sha256.of(mean)), prep);
        JsonNode provenance = fin.get("provenance");
        assertEquals("authors", provenance.path("route").asText(), fin.toString());
        assertEquals(io.ndevid.metrics.Sha256.of(npz), provenance.path("weights_sha256").asText(), fin.toString());
        assertEquals(io.ndevid.metrics.Sha256.of(mean), provenance.path("mean_sha256").asText(), fin.toString());
        assertEquals("off", provenance.path("dropout").asText(), fin.toString());
        assertEquals("population", fin.get("std_convention").asText(), fin.toString());
        assertEquals(8, fin.get("samples_per_batch").asInt(), fin.toString());
        for (String k : List.of("is_mean", "is_std", "fid_mean", "fid_std")) {
            assertTrue(Double.isFinite(fin.get(k).asDouble()), k + " finite: " + fin);
        }
        assertTrue(fin.get("is_mean").asDouble() >= 1.0 && fin.get("fid_mean").asDouble() > 0, fin.toString());
        for (String f : List.of("metric-is.jsonl", "metric-fid.jsonl")) {
            String lines = Files.readString(run.resolve(f));
            assertTrue(lines.contains("c3d-test.npz@sha256:") && lines.contains("route authors")
                    && lines.contains("\"provenance\":{\"route\":\"authors\",\"weights_sha256\":\""
                    + io.ndevid.metrics.Sha256.of(npz)), f + ": " + lines);
        }
        String md = Files.readString(exp.resolve("results.md"));
        assertTrue(md.contains("evaluator: c3d-test.npz@sha256:"), md);
        assertTrue(md.lines().anyMatch(l -> l.startsWith("| tgan / ode1 / linear") && l.contains("| ok |")), md);
        try (var stats = Files.list(dir.resolve("cache"))) {
            assertTrue(stats.anyMatch(p -> p.getFileName().toString().matches("real-ucf101-trainlist01-.*-n8-.*"
                    + "\\.fidstats")), "real statistics cached in --evaluator-cache");
        }
    }

    @Test
    void badEvaluatorsAreOneLineErrorsBeforeAnyTrial() throws Exception {
        Path ucf = writeMiniUcf(dir.resolve("ucf"));
        Path out = dir.resolve("grid");
        Path cache = dir.resolve("cache");
        List<String> common = List.of("--preset", "cpu-tiny", "--only", "tgan-ode1-linear", "--evaluator-cache",
                cache.toString(), "--set", "evalSamples=8", "--out", out.toString());

        Path mean = writeMeanNpz(dir.resolve("mean.npz"));
        Path npz = writeC3dNpz(dir.resolve("c3d.npz"));
        GridCommandTest.Run r = grid(with(common, "--data", "ucf101=" + ucf, "--evaluator", "c3d=" + npz));
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: --evaluator c3d=" + npz + ": the C3D mean clip is missing — add "
                + ",mean=FILE, an .npz with one array 'mean', float64 (3, 16, 128, 171), BGR");

        Path flat = dir.resolve("flat-mean.npz");
        Npz.write(flat, java.util.Map.of("mean", NpyArray.of(new double[] {90, 98, 101}, 3, 1, 1, 1)));
        r = grid(with(common, "--data", "ucf101=" + ucf, "--evaluator", evaluator(npz, flat)));
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: " + flat + ": array 'mean' has shape [3, 1, 1, 1]; expected an .npz "
                + "with one array 'mean', float64 (3, 16, 128, 171)");

        r = grid(with(common, "--data", "ucf101=" + ucf, "--evaluator", evaluator(npz, mean) + ",route=tgan"));
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: --evaluator " + evaluator(npz, mean) + ",route=tgan: unknown C3D "
                + "preprocessing route 'tgan' (known: authors, tgan2)");

        Path missing = dir.resolve("nope.npz");
        r = grid(with(common, "--data", "ucf101=" + ucf, "--evaluator", evaluator(missing, mean),
                "--slots", "0"));
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: C3D weights file not found: " + missing);
        String slots = SlotDetection.countGpus() == 0 ? "1 trainer slot(s) [cpu]" : "trainer slot(s) [gpu:0";
        assertTrue(r.out().contains(slots), "--slots 0: one per GPU, else one CPU slot: " + r.out());

        Path junk = Files.writeString(dir.resolve("junk.params"), "these are not weights");
        r = grid(with(common, "--data", "ucf101=" + ucf, "--evaluator", evaluator(junk, mean)));
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: " + junk + " is neither an .npz (Chainer names) nor a DJL .params");

        Path notC3d = dir.resolve("other.npz");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(notC3d))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("w.npy"));
            zip.closeEntry();
        }
        r = grid(with(common, "--data", "ucf101=" + ucf, "--evaluator", evaluator(notC3d, mean)));
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: " + notC3d + " has no array 'conv1a/W'");

        r = grid(with(common, "--evaluator", evaluator(npz, mean)));
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: --evaluator c3d=" + npz + " needs real videos for FID: add --data");

        r = grid(with(common, "--evaluator", "inception"));
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: --evaluator inception: expected synthetic or c3d=WEIGHTS,mean=MEAN.npz");

        assertFalse(Files.exists(out), "no trial started");
    }

    private static String[] with(List<String> common, String... more) {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
