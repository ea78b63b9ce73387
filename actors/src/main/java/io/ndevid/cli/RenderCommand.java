package io.ndevid.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.run.Trials;
import io.ndevid.training.viz.VideoGrids;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code ndevid render}: continuous-time rendering from a checkpoint — a higher frame rate, or before frame 0. */
@Command(name = "render", description = {
    "Render videos from a checkpoint at any latent times: a higher frame rate (--frames-per-unit) or before",
    "frame 0 (--t-start < 0). Needs an ODE or SDE temporal generator; training used t in [0, 1]."})
final class RenderCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, description = "A checkpoint file (checkpoints/*.bin of a run).")
    Path checkpoint;

    @Option(names = "--frames-per-unit", description = "Frames per unit of latent time (default: the training "
            + "rate, frames − 1; twice that doubles the frame rate).")
    Integer framesPerUnit;

    @Option(names = "--t-start", defaultValue = "0", description = "First latent time (default ${DEFAULT-VALUE}).")
    double tStart;

    @Option(names = "--t-end", defaultValue = "1", description = "Last latent time (default ${DEFAULT-VALUE}).")
    double tEnd;

    @Option(names = "--samples", defaultValue = "16", description = "Videos in the grid (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", defaultValue = "424242", description = "Latent seed (default: the sample-grid seed).")
    long seed;

    @Option(names = "--device", description = "cpu, gpu:N or auto (default: the trial's).")
    String device;

    @Option(names = "--out", required = true, description = "Output GIF.")
    Path out;

    @Override
    public void run() {
        if (!Files.isRegularFile(checkpoint)) {
            throw new IllegalArgumentException("checkpoint not found: " + checkpoint);
        }
        if (!(tEnd > tStart)) {
            throw new IllegalArgumentException("--t-end must be greater than --t-start");
        }
        if (samples < 1 || (framesPerUnit != null && framesPerUnit < 1)) {
            throw new IllegalArgumentException("--samples and --frames-per-unit must be ≥ 1");
        }
        try (NDManager m = NDManager.newBaseManager(); VideoGan gan = Trials.load(checkpoint, m, device)) {
            int k = framesPerUnit != null ? framesPerUnit : gan.spec().frames() - 1;
            int n = (int) Math.floor((tEnd - tStart) * k + 1e-9) + 1;
            double[] times = new double[n];
            for (int i = 0; i < n; i++) {
                times[i] = tStart + (double) i / k;
            }
            NDArray videos;
            try {
                videos = gan.render(m, samples, seed, times);
            } catch (UnsupportedOperationException e) {
                throw new IllegalArgumentException("cannot render " + gan.spec().configId() + ": " + e.getMessage());
            }
            Path parent = out.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            int scale = Math.max(1, 64 / gan.spec().frameSize());
            VideoGrids.writeGif(videos, out, VideoGrids.Options.cols((int) Math.ceil(Math.sqrt(samples)))
                    .withScale(scale).withDelayMs(Math.max(20, 1000 / Math.max(1, k))));
            spec.commandLine().getOut().printf("wrote %s: %d videos × %d frames at t = %.3f … %.3f (%d frames per "
                    + "unit time; training used %d on [0, 1])%n", out, samples, n, times[0], times[n - 1], k,
                    gan.spec().frames() - 1);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }
}
