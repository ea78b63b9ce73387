package io.ndevid.study.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * {@code ndevid plan}'s arithmetic, from measurements: each cell's training time, the evaluation cost, and the grid's
 * wall time on {@code gpus} GPUs with {@code trialsPerGpu} trainers each, evaluation overlapped (one evaluator per
 * GPU). How much sharing a GPU slows each trainer was not measured, so the estimate is a range: from "no slowdown"
 * (a small trial leaves the GPU mostly idle) to "GPU-bound" (N trainers each run N times slower).
 */
public final class GridPlan {

    private GridPlan() {}

    /**
     * One grid cell as measured.
     *
     * @param name           the trial's name
     * @param iterations     the preset's iterations
     * @param evaluations    evaluations during the trial (every evalInterval, plus the final one)
     * @param evalSamples    samples per evaluation
     * @param stepMs         mean step time after the first (warm-up) step
     * @param firstStepMs    the first step (allocation, kernel selection)
     * @param peakHostMiB    the measuring process's peak resident memory
     * @param deviceMiB      GPU memory in use after the steps (0 on a CPU)
     * @param sampleMsPerVideo the sampler's time per video of an evaluation batch
     * @param batch          the preset's batch size
     * @param measuredBatch  the batch the steps ran at: below {@code batch} (a small host, or one where the preset's
     *                       batch did not fit in memory) the step times are scaled linearly to {@code batch} and the
     *                       peak memory is the measured batch's
     */
    public record Cell(String name, long iterations, long evaluations, int evalSamples, double stepMs,
                       double firstStepMs, double peakHostMiB, double deviceMiB, double sampleMsPerVideo,
                       int batch, int measuredBatch) {

        /** Whether the step times were scaled from a smaller batch. */
        public boolean scaled() {
            return measuredBatch != batch;
        }

        /** Training alone, in hours. */
        public double trainHours() {
            return iterations * stepMs / 3.6e6;
        }

        /** One evaluation's cost: its samples through the sampler and the C3D. */
        public double evalSeconds(double c3dMsPerVideo) {
            return evalSamples * (sampleMsPerVideo + c3dMsPerVideo) / 1000;
        }
    }

    /**
     * The grid's estimate.
     *
     * @param lowHours         wall time if sharing a GPU costs nothing
     * @param highHours        wall time if N trainers on a GPU each run N times slower
     * @param evalHours        all evaluations' work, spread over one evaluator per GPU
     * @param recommendedPerGpu trials per GPU that fit in the measured device memory (0: not measured, a CPU)
     */
    public record Estimate(int gpus, int trialsPerGpu, double lowHours, double highHours, double evalHours,
                           int recommendedPerGpu) {}

    /**
     * @param gpuMemoryMiB one GPU's memory (0 when unknown: no recommendation)
     */
    public static Estimate estimate(List<Cell> cells, double c3dMsPerVideo, int gpus, int trialsPerGpu,
                                    double gpuMemoryMiB) {
        if (gpus < 1 || trialsPerGpu < 1) {
            throw new IllegalArgumentException("--gpus and --trials-per-gpu must be ≥ 1");
        }
        double evalHours = 0;
        for (Cell c : cells) {
            evalHours += c.evaluations() * c.evalSeconds(c3dMsPerVideo) / 3600;
        }
        evalHours /= gpus;
        int slots = gpus * trialsPerGpu;
        double low = Math.max(makespan(cells, slots, 1.0), evalHours);
        double high = Math.max(makespan(cells, slots, trialsPerGpu), evalHours);
        double maxDevice = cells.stream().mapToDouble(Cell::deviceMiB).max().orElse(0);
        int recommended = gpuMemoryMiB > 0 && maxDevice > 0
                ? Math.max(1, (int) Math.floor(0.9 * gpuMemoryMiB / maxDevice)) : 0;
        return new Estimate(gpus, trialsPerGpu, low, high, evalHours, recommended);
    }

    /** Longest-first list scheduling of the cells' training times (× slowdown) onto {@code slots} slots. */
    static double makespan(List<Cell> cells, int slots, double slowdown) {
        double[] load = new double[slots];
        List<Cell> sorted = new ArrayList<>(cells);
        sorted.sort(Comparator.comparingDouble(Cell::trainHours).reversed());
        for (Cell c : sorted) {
            int min = 0;
            for (int i = 1; i < slots; i++) {
                if (load[i] < load[min]) {
                    min = i;
                }
            }
            load[min] += c.trainHours() * slowdown;
        }
        double max = 0;
        for (double l : load) {
            max = Math.max(max, l);
        }
        return max;
    }

    /** The per-cell table and the estimate, as Markdown. */
    public static String table(List<Cell> cells, double c3dMsPerVideo, Estimate e, String device) {
        StringBuilder b = new StringBuilder();
        b.append("| cell | step (mean) | first step | iterations | training | peak host RSS | GPU memory | "
                + "one evaluation | evaluations |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            String scaled = c.scaled() ? " (scaled from batch " + c.measuredBatch() + ")" : "";
            b.append(String.format(Locale.ROOT, "| %s | %.0f ms%s | %.0f ms | %,d | %.1f h | %.0f MiB%s | %s | %.0f s "
                            + "| %d |%n", c.name(), c.stepMs(), scaled, c.firstStepMs(), c.iterations(),
                    c.trainHours(), c.peakHostMiB(), c.scaled() ? " (at batch " + c.measuredBatch() + ")" : "",
                    c.deviceMiB() > 0 ? String.format(Locale.ROOT, "%.0f MiB", c.deviceMiB()) : "-",
                    c.evalSeconds(c3dMsPerVideo), c.evaluations()));
        }
        b.append(String.format(Locale.ROOT, "%nmeasured on %s; the grid on %d GPU(s) × %d trial(s) each, evaluation "
                        + "overlapped: %.1f–%.1f h (%.1f–%.1f days); evaluation work per GPU %.1f h%s%n", device,
                e.gpus(), e.trialsPerGpu(), e.lowHours(), e.highHours(), e.lowHours() / 24, e.highHours() / 24,
                e.evalHours(), e.recommendedPerGpu() > 0 ? "; recommended --trials-per-gpu "
                        + e.recommendedPerGpu() + " (90 % of the GPU's memory / the largest cell's)" : ""));
        return b.toString();
    }
}
