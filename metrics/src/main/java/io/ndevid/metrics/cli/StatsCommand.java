package io.ndevid.metrics.cli;

import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.linalg.Backends;
import io.ndevid.metrics.npy.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code metrics stats}: computes and caches the real set's FID statistics once. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Mean and covariance of a feature set, saved for 'metrics fid --real-stats'.",
                "Prints {\"stats\", \"n\", \"d\", \"trace\"} as one JSON object."})
public class StatsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--features", required = true, paramLabel = "A.npy", description = "features, n × d")
    Path features;

    @Option(names = "--out", required = true, paramLabel = "A.fidstats", description = "statistics file to write")
    Path out;

    @Option(names = "--provenance", defaultValue = "", paramLabel = "TEXT",
            description = "free text stored in the file: classifier weights, preprocessing, data set")
    String provenance;

    @Override
    public Integer call() {
        return CliSupport.run(spec, () -> {
            GaussianStats s = GaussianStats.of(Npy.readMatrix(features, "features"), Backends.best(), provenance);
            s.save(out);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("stats", out.toString());
            json.put("n", s.n());
            json.put("d", s.d());
            json.put("trace", s.trace());
            return json;
        });
    }
}
