package io.ndevid.cli;

import io.ndevid.solvers.Method;
import io.ndevid.solvers.demo.LatentPathDemo;
import io.ndevid.solvers.engine.TorchRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code ndevid demo}: the latent-path tour of the solvers (orders 1–3, higher frame rate, before frame 0). */
@Command(name = "demo", description = {
    "Integrate the paper's latent path (random f = Linear(d,d)+tanh) as an order-1, -2 and -3 neural ODE,",
    "backpropagate through it, and re-render it at a higher frame rate and before frame 0."})
final class DemoCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Option(names = "--batch", defaultValue = "64", description = "Latent paths per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--dim", defaultValue = "100", description = "Latent dimension (default ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--frames", defaultValue = "16", description = "Frames on t in [0, 1] (default ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--method", defaultValue = "rk4",
            description = "ODE method: euler, midpoint, heun, rk4, rk4_38, adaptive_heun, bosh3, dopri5 "
                    + "(default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--fine", defaultValue = "4", description = "Frame-rate factor of the re-render (default ${DEFAULT-VALUE}).")
    int fine;

    @Option(names = "--before", defaultValue = "0.5", description = "Render back to t = -BEFORE (default ${DEFAULT-VALUE}).")
    double before;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu:N or auto (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public void run() {
        if (batch < 1 || dim < 1 || frames < 2 || fine < 1 || before < 0) {
            throw new IllegalArgumentException("need --batch ≥ 1, --dim ≥ 1, --frames ≥ 2, --fine ≥ 1, --before ≥ 0");
        }
        Method m = Method.parse(method);
        var settings = new LatentPathDemo.Settings(batch, dim, frames, m, fine, before, TorchRuntime.device(device),
                seed);
        out().printf("ndevid demo: latent path of %d × %d, %d frames on [0, 1], %s, device %s, libtorch %s%n",
                batch, dim, frames, m.id(), settings.device(), TorchRuntime.libtorchVersion());
        List<LatentPathDemo.Row> rows = LatentPathDemo.run(settings, msg -> out().println("  … " + msg));
        out().println();
        out().printf("%-6s %-8s %5s %6s %9s %9s %8s %12s %9s%n", "G_t", "method", "nfe", "steps", "fwd ms",
                "bwd ms", "path", "Δ@" + fine + "×fps", "|∇W|");
        for (LatentPathDemo.Row r : rows) {
            out().printf("%-6s %-8s %5d %6d %9.1f %9.1f %8.3f %12.2e %9.2e%n", r.generator(), r.method(),
                    r.nfe(), r.steps(), r.forwardMs(), r.backwardMs(), r.pathLength(), r.fineGridMaxDiff(),
                    r.gradNorm());
        }
        out().println();
        out().println("path: mean latent path length over the frames; Δ@" + fine + "×fps: largest difference at "
                + "the original frame times when the same sample is re-rendered at " + fine + "× the frame rate "
                + "(the solver's discretisation error); each sample was also integrated back to t = -" + before + ".");
    }
}
