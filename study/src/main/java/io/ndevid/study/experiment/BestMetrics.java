package io.ndevid.study.experiment;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Keeps the best value of each metric: lowest for distances and losses (FID, FVD, *loss), highest otherwise (IS). */
public final class BestMetrics {

    private BestMetrics() {}

    public static boolean lowerIsBetter(String metric) {
        String m = metric.toLowerCase(Locale.ROOT);
        return m.contains("fid") || m.contains("fvd") || m.contains("loss") || m.contains("kid");
    }

    /** An unmodifiable copy in the given order, without null keys or values (safe to send and to compare). */
    public static Map<String, Double> clean(Map<String, Double> m) {
        if (m == null || m.isEmpty()) {
            return Map.of();
        }
        Map<String, Double> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (k != null && v != null) {
                out.put(k, v);
            }
        });
        return java.util.Collections.unmodifiableMap(out);
    }

    /** {@code best} improved by {@code update}, as a new map; non-finite values never count as best. */
    public static Map<String, Double> merge(Map<String, Double> best, Map<String, Double> update) {
        Map<String, Double> out = new LinkedHashMap<>(best);
        update.forEach((k, v) -> {
            if (v == null || !Double.isFinite(v)) {
                return;
            }
            Double old = out.get(k);
            if (old == null || (lowerIsBetter(k) ? v < old : v > old)) {
                out.put(k, v);
            }
        });
        return out;
    }
}
