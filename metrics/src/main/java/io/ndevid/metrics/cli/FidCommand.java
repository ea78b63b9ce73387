package io.ndevid.metrics.cli;

import io.ndevid.metrics.fid.FidResult;
import io.ndevid.metrics.fid.FidRoute;
import io.ndevid.metrics.fid.FrechetDistance;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.metrics.npy.Npy;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code metrics fid}: Fréchet distance between real and fake feature sets. */
@Command(name = "fid", mixinStandardHelpOptions = true,
        description = {"Fréchet distance between two feature sets (n × d .npy, float32 or float64).",
                "Prints {\"fid\", \"method\", \"n_real\", \"n_fake\", \"d\", ...} as one JSON object."})
public class FidCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    static class RealInput {
        @Option(names = "--real", paramLabel = "A.npy", description = "real features, n × d")
        Path features;

        @Option(names = "--real-stats", paramLabel = "A.fidstats",
                description = "cached real statistics written by 'metrics stats'")
        Path stats;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    RealInput real;

    @Option(names = "--fake", required = true, paramLabel = "B.npy", description = "generated features, n × d")
    Path fake;

    @Option(names = "--route", defaultValue = "auto", paramLabel = "ROUTE",
            description = "auto (n×n when a set has fewer samples than dimensions, else d×d), nxn, dxd "
                    + "(default: ${DEFAULT-VALUE})")
    String route;

    @Override
    public Integer call() {
        return CliSupport.run(spec, () -> {
            FidRoute r = parseRoute(route);
            DoubleMatrix fakeFeatures = Npy.readMatrix(fake, "fake features");
            FrechetDistance fd = new FrechetDistance();
            FidResult res;
            if (real.stats != null) {
                GaussianStats s = GaussianStats.load(real.stats);
                res = fd.compute(s, fakeFeatures, r == FidRoute.CROSS_GRAM ? FidRoute.STATS_GRAM : r);
            } else {
                res = fd.compute(Npy.readMatrix(real.features, "real features"), fakeFeatures, r);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("fid", res.fid());
            out.put("method", res.method());
            out.put("n_real", res.n1());
            out.put("n_fake", res.n2());
            out.put("d", res.d());
            out.put("backend", res.backend());
            out.put("mean_term", res.meanTerm());
            out.put("trace_real", res.trace1());
            out.put("trace_fake", res.trace2());
            out.put("trace_sqrt", res.traceSqrt());
            out.put("clamped_eigenvalues", res.clampedEigenvalues());
            out.put("most_negative_eigenvalue", res.mostNegativeEigenvalue());
            return out;
        });
    }

    private static FidRoute parseRoute(String s) {
        try {
            return FidRoute.parse(s);
        } catch (IllegalArgumentException e) {
            throw new io.ndevid.metrics.MetricsInputException(e.getMessage());
        }
    }
}
