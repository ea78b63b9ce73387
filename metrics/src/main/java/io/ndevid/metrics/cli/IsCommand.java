package io.ndevid.metrics.cli;

import io.ndevid.metrics.is.InceptionScore;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.metrics.npy.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code metrics is}: Inception Score from class probabilities. */
@Command(name = "is", mixinStandardHelpOptions = true,
        description = {"Inception Score from an N × C matrix of class probabilities (softmax outputs, .npy).",
                "Prints {\"is_mean\", \"is_std\", \"splits\", \"n\"} as one JSON object."})
public class IsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--probs", required = true, paramLabel = "P.npy", description = "probabilities, N × C")
    Path probs;

    @Option(names = "--splits", defaultValue = "1", paramLabel = "S",
            description = "consecutive splits; mean and std of their scores are reported. 1 matches the protocol of "
                    + "TGANv2 and the ODE-GAN authors (2048 samples per loop); OpenAI's and StyleGAN-V's code use 10 "
                    + "(default: ${DEFAULT-VALUE})")
    int splits;

    @Option(names = "--tolerance", defaultValue = "1e-3", paramLabel = "EPS",
            description = "allowed |row sum − 1| (default: ${DEFAULT-VALUE})")
    double tolerance;

    @Override
    public Integer call() {
        return CliSupport.run(spec, () -> {
            DoubleMatrix p = Npy.readMatrix(probs, "probabilities");
            InceptionScore.Result r = InceptionScore.compute(p, splits, tolerance);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("is_mean", r.mean());
            out.put("is_std", r.std());
            out.put("splits", r.splits());
            out.put("n", r.n());
            out.put("classes", p.cols());
            return out;
        });
    }
}
