package io.ndevid.study.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.training.data.Datasets;
import io.ndevid.training.data.HostBatch;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.TemporalKind;
import io.ndevid.training.viz.VideoGrids;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * {@code report.html} in an experiment folder, with its images in {@code report/} beside it (the two together are
 * self-contained): the two result tables, IS against iteration for every trial (one PNG drawn with Java2D), each
 * trial's last sample GIF, continuous-time renders (2× the frame rate, t from −0.5 to 1) of the best ODE and the
 * best SDE trial, and real synthetic clips for comparison.
 */
public final class GridReport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RENDER_VIDEOS = 8;
    private static final long RENDER_SEED = 7;

    private GridReport() {}

    /**
     * Writes the report of {@code tables} (the experiment's, see {@link StudyReport}); the continuous-time figures come
     * from {@code renderer}. Problems with one part (a render) are noted in the page and on {@code log}.
     */
    static Path write(Path expDir, ResultsTables.Tables tables, Renderer renderer, PrintWriter log)
            throws IOException {
        Path assets = expDir.resolve(StudyReport.ASSETS);
        Files.createDirectories(assets);
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>ndevid grid report</title><style>")
                .append("body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin:0.5em 0 1.5em}")
                .append("td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}td:first-child,td:nth-child(2)")
                .append("{text-align:left}img{image-rendering:pixelated;margin:4px;border:1px solid #ddd}")
                .append("figure{display:inline-block;margin:6px}figcaption{font-size:small}</style></head><body>\n");
        h.append("<h1>ndevid grid report</h1><ul>");
        tables.header().forEach(x -> h.append("<li>").append(esc(x)).append("</li>"));
        h.append("</ul>\n<h2>(a) f(x) ablation (G_t = ode1)</h2>\n");
        table(h, tables.fAblation());
        h.append("<h2>(b) base model × G_t (f = linear)</h2>\n");
        table(h, tables.orders());

        List<ResultsTables.Row> rows = new ArrayList<>(tables.orders());
        tables.fAblation().stream().filter(r -> rows.stream().noneMatch(o -> o.trial().equals(r.trial())))
                .forEach(rows::add);
        rows.removeIf(r -> r.trial().isEmpty());

        Map<String, List<double[]>> curves = new LinkedHashMap<>();
        for (ResultsTables.Row r : rows) {
            List<double[]> c = isCurve(expDir.resolve("trials").resolve(r.trial()).resolve("metric-is.jsonl"));
            if (!c.isEmpty()) {
                curves.put(r.trial(), c);
            }
        }
        h.append("<h2>IS against iteration</h2>\n");
        if (curves.isEmpty()) {
            h.append("<p>No trial has logged IS yet.</p>\n");
        } else {
            ImageIO.write(plot(curves), "png", assets.resolve("is-vs-iteration.png").toFile());
            h.append("<img src=\"report/is-vs-iteration.png\" alt=\"IS against iteration\">\n");
        }

        h.append("<h2>Last samples of each trial</h2>\n");
        for (ResultsTables.Row r : rows) {
            Optional<Path> gif = lastSample(expDir.resolve("trials").resolve(r.trial()).resolve("samples"));
            if (gif.isPresent()) {
                String name = "samples-" + r.trial() + ".gif";
                Files.copy(gif.get(), assets.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                h.append("<figure><img src=\"report/").append(name).append("\" alt=\"").append(esc(r.trial()))
                        .append("\"><figcaption>").append(esc(r.config())).append(" (")
                        .append(esc(gif.get().getFileName().toString())).append(")</figcaption></figure>\n");
            } else {
                h.append("<p>").append(esc(r.config())).append(": no sample GIF (").append(esc(r.status()))
                        .append(")</p>\n");
            }
        }

        h.append("<h2>Continuous time: 2× the frame rate, t from −0.5 to 1</h2>\n");
        h.append("<p>The best ODE and the best SDE trial by final IS, rendered from their best-IS checkpoint at latent "
                + "times they were never trained on (before frame 0 and between frames), next to real clips.</p>\n");
        int frames = -1;
        int[] shape = null;
        for (String kind : List.of("ode", "sde")) {
            Optional<ResultsTables.Row> best = rows.stream()
                    .filter(r -> r.hasMetrics() && (kind.equals("sde") ? r.temporal() == TemporalKind.SDE
                            : Set.of(TemporalKind.ODE1, TemporalKind.ODE2, TemporalKind.ODE3).contains(r.temporal())))
                    .max(Comparator.comparingDouble(r -> r.is().mean()));
            if (best.isEmpty()) {
                h.append("<p>No ").append(kind.toUpperCase(Locale.ROOT)).append(" trial with final metrics.</p>\n");
                continue;
            }
            ResultsTables.Row r = best.get();
            Path ckpts = expDir.resolve("trials").resolve(r.trial()).resolve("checkpoints");
            String name = "render-" + kind + ".gif";
            TrialSpec spec = tables.specs().get(r.trial());
            try {
                Path ckpt = Files.isRegularFile(ckpts.resolve("best.bin")) ? ckpts.resolve("best.bin")
                        : newest(ckpts);
                int k = 2 * (spec.frames() - 1);
                double[] times = new double[(int) Math.round(1.5 * k) + 1];
                for (int i = 0; i < times.length; i++) {
                    times[i] = -0.5 + (double) i / k;
                }
                renderer.renderGif(ckpt, RENDER_VIDEOS, RENDER_SEED, times, assets.resolve(name));
                frames = spec.frames();
                shape = new int[] {spec.dataClasses(), spec.frameSize(), spec.channels()};
                h.append("<figure><img src=\"report/").append(name).append("\" alt=\"render ").append(kind)
                        .append("\"><figcaption>").append(esc(r.config())).append(String.format(Locale.ROOT,
                                ": %d frames on t ∈ [−0.5, 1] (trained: %d on [0, 1]), %s</figcaption></figure>\n",
                                times.length, spec.frames(), esc(ckpt.getFileName().toString())));
            } catch (Exception e) {
                log.println("  report: cannot render " + r.trial() + ": " + e.getMessage());
                h.append("<p>").append(esc(r.config())).append(": render failed: ").append(esc(String.valueOf(
                        e.getMessage()))).append("</p>\n");
            }
        }
        if (frames > 0) {
            var real = Datasets.synthetic(shape[0], frames, shape[1], shape[2], Datasets.SYNTHETIC_HELD_OUT_START,
                    RENDER_VIDEOS);
            int[] idx = new int[RENDER_VIDEOS];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = i;
            }
            HostBatch b = real.batch(idx, new SplittableRandom(RENDER_SEED));
            VideoGrids.writeGif(b, assets.resolve("real.gif"), VideoGrids.Options.cols(4).withScale(4));
            h.append("<figure><img src=\"report/real.gif\" alt=\"real clips\"><figcaption>real synthetic clips "
                    + "(held-out), ").append(frames).append(" frames</figcaption></figure>\n");
        }
        h.append("</body></html>\n");
        Path html = expDir.resolve(StudyReport.HTML);
        StudyReport.replace(html, h.toString());
        return html;
    }

    private static void table(StringBuilder h, List<ResultsTables.Row> rows) {
        h.append("<table><tr>");
        ResultsTables.columns().forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
        h.append("</tr>\n");
        for (ResultsTables.Row r : rows) {
            h.append("<tr>");
            ResultsTables.cells(r).forEach(c -> h.append("<td>").append(esc(c)).append("</td>"));
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    /** (iteration, IS) pairs of a metric-is.jsonl, or empty. */
    static List<double[]> isCurve(Path file) throws IOException {
        List<double[]> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        try (BufferedReader r = Files.newBufferedReader(file)) {
            for (String line; (line = r.readLine()) != null; ) {
                try {
                    JsonNode n = JSON.readTree(line);
                    out.add(new double[] {n.path("iteration").asDouble(), n.path("is").asDouble()});
                } catch (IOException cutOff) {
                    // skip a torn line
                }
            }
        }
        return out;
    }

    /** One PNG: IS against iteration, a coloured line per trial, with a legend. */
    static BufferedImage plot(Map<String, List<double[]>> curves) {
        int w = 900;
        int legendRows = curves.size();
        int h = 420 + 16 * legendRows;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double maxX = 1;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (List<double[]> c : curves.values()) {
            for (double[] p : c) {
                maxX = Math.max(maxX, p[0]);
                if (Double.isFinite(p[1])) {
                    minY = Math.min(minY, p[1]);
                    maxY = Math.max(maxY, p[1]);
                }
            }
        }
        if (minY > maxY) {
            minY = 0;
            maxY = 1;
        }
        if (maxY - minY < 1e-6) {
            maxY = minY + 1;
        }
        int x0 = 60;
        int y0 = 20;
        int pw = w - 80;
        int ph = 340;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawRect(x0, y0, pw, ph);
        for (int i = 0; i <= 4; i++) {
            double yv = minY + (maxY - minY) * i / 4;
            int yy = y0 + ph - (int) (ph * i / 4.0);
            g.drawString(String.format(Locale.ROOT, "%.2f", yv), 8, yy + 4);
            double xv = maxX * i / 4;
            int xx = x0 + (int) (pw * i / 4.0);
            g.drawString(String.format(Locale.ROOT, "%.0f", xv), xx - 10, y0 + ph + 16);
        }
        g.drawString("iteration", x0 + pw / 2 - 25, y0 + ph + 32);
        g.drawString("IS", 8, 14);
        int i = 0;
        for (var e : curves.entrySet()) {
            Color col = Color.getHSBColor((float) i / Math.max(1, curves.size()), 0.85f, 0.8f);
            g.setColor(col);
            g.setStroke(new BasicStroke(2f));
            int px = -1;
            int py = -1;
            for (double[] p : e.getValue()) {
                int xx = x0 + (int) (pw * p[0] / maxX);
                int yy = y0 + ph - (int) (ph * (p[1] - minY) / (maxY - minY));
                if (px >= 0) {
                    g.drawLine(px, py, xx, yy);
                }
                g.fillOval(xx - 3, yy - 3, 6, 6);
                px = xx;
                py = yy;
            }
            int ly = 410 + 16 * i;
            g.fillRect(x0, ly - 9, 20, 8);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), x0 + 28, ly);
            i++;
        }
        g.dispose();
        return img;
    }

    private static Optional<Path> lastSample(Path samples) throws IOException {
        if (!Files.isDirectory(samples)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(samples)) {
            return s.filter(p -> p.getFileName().toString().matches("fakes-\\d+\\.gif")).max(Comparator.naturalOrder());
        }
    }

    private static Path newest(Path checkpoints) throws IOException {
        if (!Files.isDirectory(checkpoints)) {
            throw new IOException("no checkpoint folder " + checkpoints);
        }
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".bin")).max(Comparator.naturalOrder())
                    .orElseThrow(() -> new IOException("no checkpoint in " + checkpoints));
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
