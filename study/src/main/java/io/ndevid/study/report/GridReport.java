package io.ndevid.study.report;

import io.ndevid.training.data.Datasets;
import io.ndevid.training.data.HostBatch;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.TemporalKind;
import io.ndevid.training.viz.VideoGrids;

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
 * self-contained): the two result tables, the rank stability across seeds ({@link RankStability}), IS and FID
 * against iteration per base model with a band over seeds ({@link LearningCurves}), each cell's last sample GIF (its first seed), continuous-time renders (2× the frame rate,
 * t from −0.5 to 1) of the best ODE and the best SDE cell, and real synthetic clips for comparison.
 */
public final class GridReport {

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
        h.append("<h2>(b) base model × G_t (f = linear unless the config names another)</h2>\n");
        table(h, tables.orders());
        RankStability.Section ranks = tables.rankStability();
        h.append("<h2>Rank stability across seeds</h2>\n<p>").append(esc(RankStability.GUIDE)).append("</p>\n");
        table(h, RankStability.columns(), ranks.lines().stream().map(RankStability::cells).toList());
        RankStability.leftOut(ranks).forEach(l -> h.append("<p>").append(esc(l)).append("</p>\n"));
        h.append("<p>").append(esc(RankStability.SLOPES)).append("</p>\n");
        table(h, RankStability.slopeColumns(), ranks.cells().stream().map(RankStability::slopeCells).toList());

        List<ResultsTables.Row> rows = new ArrayList<>(tables.orders());
        tables.fAblation().stream().filter(r -> rows.stream().noneMatch(o -> o.trial().equals(r.trial())))
                .forEach(rows::add);
        rows.removeIf(r -> r.trial().isEmpty());

        h.append("<h2>Learning: IS and FID against iteration</h2>\n<p>Each cell's periodic scores over its seeds: "
                + "the mean line and a band from the lowest to the highest seed.</p>\n");
        Set<io.ndevid.training.spec.ModelFamily> models = new java.util.LinkedHashSet<>();
        rows.forEach(r -> models.add(r.model()));
        boolean any = false;
        for (io.ndevid.training.spec.ModelFamily model : models) {
            for (String[] metric : List.of(new String[] {"is", "IS", "metric-is.jsonl"},
                    new String[] {"fid", "FID", "metric-fid.jsonl"})) {
                Map<String, List<LearningCurves.Point>> curves = new LinkedHashMap<>();
                for (ResultsTables.Row r : rows) {
                    if (r.model() != model) {
                        continue;
                    }
                    List<List<double[]>> seeds = new ArrayList<>();
                    for (String trial : r.trials()) {
                        seeds.add(LearningCurves.read(expDir.resolve("trials").resolve(trial).resolve(metric[2]),
                                metric[0]));
                    }
                    List<LearningCurves.Point> band = LearningCurves.band(seeds);
                    if (!band.isEmpty()) {
                        curves.put(r.config(), band);
                    }
                }
                if (curves.isEmpty()) {
                    continue;
                }
                any = true;
                String name = metric[0] + "-" + model.id() + ".png";
                ImageIO.write(LearningCurves.plot(model.id() + ": " + metric[1] + " against iteration", metric[1],
                        curves), "png", assets.resolve(name).toFile());
                h.append("<img src=\"report/").append(name).append("\" alt=\"").append(metric[1])
                        .append(" against iteration, ").append(model.id()).append("\">\n");
            }
        }
        if (!any) {
            h.append("<p>No trial has logged IS or FID yet.</p>\n");
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
        table(h, ResultsTables.columns(), rows.stream().map(ResultsTables::cells).toList());
    }

    private static void table(StringBuilder h, List<String> columns, List<List<String>> rows) {
        h.append("<table><tr>");
        columns.forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
        h.append("</tr>\n");
        for (List<String> r : rows) {
            h.append("<tr>");
            r.forEach(c -> h.append("<td>").append(esc(c)).append("</td>"));
            h.append("</tr>\n");
        }
        h.append("</table>\n");
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
