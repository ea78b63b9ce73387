package io.ndevid.cli;

import io.ndevid.training.run.TrainerLoop;

import java.io.PrintWriter;
import java.util.Map;

/**
 * A one-line progress bar for long work: iteration, bar, it/s, ETA and the losses, redrawn at most twice a second on
 * a terminal; on a pipe or file, one plain line every 5 % so logs stay readable.
 */
final class ProgressPrinter implements TrainerLoop.Listener {

    private final PrintWriter out;
    private final boolean terminal;
    private long lastDraw;
    private int lastPercentLogged = -1;

    ProgressPrinter(PrintWriter out) {
        this.out = out;
        this.terminal = System.console() != null;
    }

    @Override
    public void onProgress(TrainerLoop.Progress p) {
        long now = System.currentTimeMillis();
        boolean done = p.iteration() >= p.total();
        int percent = (int) (100 * p.iteration() / Math.max(1, p.total()));
        if (terminal) {
            if (!done && now - lastDraw < 500) {
                return;
            }
            lastDraw = now;
            out.print("\r" + line(p, percent) + (done ? "\n" : ""));
            out.flush();
        } else if (done || percent / 5 > lastPercentLogged / 5) {
            lastPercentLogged = percent;
            out.println(line(p, percent));
            out.flush();
        }
    }

    @Override
    public void onMessage(String message) {
        if (terminal) {
            out.print("\r\033[K");
        }
        out.println(message);
        out.flush();
    }

    static String line(TrainerLoop.Progress p, int percent) {
        int width = 20;
        int filled = Math.min(width, percent * width / 100);
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-24s %6d/%-6d [", abbreviate(p.spec().name(), 24), p.iteration(), p.total()));
        b.append("#".repeat(filled)).append(".".repeat(width - filled)).append("] ");
        b.append(String.format("%5.2f it/s  ETA %s", p.itPerSec(), duration(p.etaSeconds())));
        for (Map.Entry<String, Double> e : p.losses().entrySet()) {
            b.append(String.format("  %s=%.4g", e.getKey(), e.getValue()));
        }
        return b.toString();
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%02d:%02d", s / 60, s % 60);
    }

    private static String abbreviate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
