package io.ndevid.study.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Composite;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Learning shown over seeds: a cell's periodic scores ({@code metric-is.jsonl}, {@code metric-fid.jsonl}) against
 * iteration, as the across-seed mean with a band from the lowest to the highest seed — with 3 seeds a min–max band
 * shows every seed, where a ± std band of 3 values would suggest a precision it does not have. One plot per base model
 * and metric (a line per G_t / f), not every cell in one.
 */
public final class LearningCurves {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The across-seed value at one iteration.
     *
     * @param n seeds that logged this iteration
     */
    public record Point(double iteration, double mean, double low, double high, int n) {}

    private LearningCurves() {}

    /** (iteration, {@code field}) pairs of a metric file in logged order, or empty; a torn last line is skipped. */
    public static List<double[]> read(Path file, String field) throws IOException {
        List<double[]> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        try (BufferedReader r = Files.newBufferedReader(file)) {
            for (String line; (line = r.readLine()) != null; ) {
                try {
                    JsonNode n = JSON.readTree(line);
                    if (n != null && n.has("iteration") && n.has(field)) {
                        out.add(new double[] {n.get("iteration").asDouble(), n.get(field).asDouble()});
                    }
                } catch (IOException cutOff) {
                    // a torn line
                }
            }
        }
        return out;
    }

    /**
     * Mean, lowest and highest over the seeds' curves at each iteration any of them logged (a later value of one
     * seed at the same iteration — a resumed attempt — replaces its earlier one); non-finite values are left out.
     */
    public static List<Point> band(List<List<double[]>> seeds) {
        TreeMap<Double, List<Double>> at = new TreeMap<>();
        for (List<double[]> curve : seeds) {
            Map<Double, Double> last = new TreeMap<>();
            for (double[] p : curve) {
                if (Double.isFinite(p[1])) {
                    last.put(p[0], p[1]);
                }
            }
            last.forEach((it, v) -> at.computeIfAbsent(it, k -> new ArrayList<>()).add(v));
        }
        List<Point> out = new ArrayList<>();
        at.forEach((it, vs) -> out.add(new Point(it, vs.stream().mapToDouble(Double::doubleValue).average()
                .orElseThrow(), vs.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                vs.stream().mapToDouble(Double::doubleValue).max().orElseThrow(), vs.size())));
        return out;
    }

    /** One PNG: {@code metric} against iteration, a mean line and a translucent min–max band per curve, a legend. */
    public static BufferedImage plot(String title, String metric, Map<String, List<Point>> curves) {
        int w = 640;
        int h = 330 + 16 * curves.size();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double maxX = 1;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (List<Point> c : curves.values()) {
            for (Point p : c) {
                maxX = Math.max(maxX, p.iteration());
                minY = Math.min(minY, p.low());
                maxY = Math.max(maxY, p.high());
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
        int y0 = 30;
        int pw = w - 80;
        int ph = 250;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(title, x0, 16);
        g.drawRect(x0, y0, pw, ph);
        for (int i = 0; i <= 4; i++) {
            double yv = minY + (maxY - minY) * i / 4;
            int yy = y0 + ph - (int) (ph * i / 4.0);
            g.drawString(String.format(Locale.ROOT, "%.2f", yv), 8, yy + 4);
            int xx = x0 + (int) (pw * i / 4.0);
            g.drawString(String.format(Locale.ROOT, "%.0f", maxX * i / 4), xx - 10, y0 + ph + 16);
        }
        g.drawString("iteration", x0 + pw / 2 - 25, y0 + ph + 32);
        g.drawString(metric, 8, y0 - 6);
        int i = 0;
        for (var e : curves.entrySet()) {
            Color col = Color.getHSBColor((float) i / Math.max(1, curves.size()), 0.85f, 0.8f);
            List<Point> c = e.getValue();
            Polygon band = new Polygon();
            for (Point p : c) {
                band.addPoint(x(p.iteration(), x0, pw, maxX), y(p.high(), y0, ph, minY, maxY));
            }
            for (int k = c.size() - 1; k >= 0; k--) {
                band.addPoint(x(c.get(k).iteration(), x0, pw, maxX), y(c.get(k).low(), y0, ph, minY, maxY));
            }
            Composite solid = g.getComposite();
            g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.2f));
            g.setColor(col);
            g.fillPolygon(band);
            g.setComposite(solid);
            g.setStroke(new BasicStroke(2f));
            for (int k = 0; k < c.size(); k++) {
                int xx = x(c.get(k).iteration(), x0, pw, maxX);
                int yy = y(c.get(k).mean(), y0, ph, minY, maxY);
                if (k > 0) {
                    g.drawLine(x(c.get(k - 1).iteration(), x0, pw, maxX), y(c.get(k - 1).mean(), y0, ph, minY, maxY),
                            xx, yy);
                }
                g.fillOval(xx - 3, yy - 3, 6, 6);
            }
            int ly = y0 + ph + 52 + 16 * i;
            g.fillRect(x0, ly - 9, 20, 8);
            g.setColor(Color.BLACK);
            int seeds = c.stream().mapToInt(Point::n).max().orElse(0);
            g.drawString(e.getKey() + " (" + seeds + (seeds == 1 ? " seed)" : " seeds: mean, band min–max)"),
                    x0 + 28, ly);
            i++;
        }
        g.dispose();
        return img;
    }

    private static int x(double it, int x0, int pw, double maxX) {
        return x0 + (int) (pw * it / maxX);
    }

    private static int y(double v, int y0, int ph, double minY, double maxY) {
        return y0 + ph - (int) (ph * (v - minY) / (maxY - minY));
    }
}
