package io.ndevid.metrics.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.metrics.fid.FidResult;
import io.ndevid.metrics.fid.FidRoute;
import io.ndevid.metrics.fid.FrechetDistance;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.linalg.Backends;
import io.ndevid.metrics.linalg.DenseBackend;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.metrics.npy.Npy;
import io.ndevid.metrics.npy.NpyArray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * FID benchmark (not a test): ours against the {@code scipy.linalg.sqrtm} route on the same features, side by side.
 *
 * <p>Writes {@code real.npy} and {@code fake.npy} (float32, n × d, ReLU'd low-rank-plus-noise features so that
 * covariances are correlated and, for n &lt; d, singular), times {@link FrechetDistance} on them (AUTO route; also the
 * other routes unless {@code --quick}), then runs {@code bench/fid_scipy.py} on the same files and prints both times,
 * their ratio and the absolute FID difference. Results also go to {@code DIR/results.json}.
 *
 * <pre>
 *   mvn -q -pl metrics -am -Pbench-fid test -DskipTests
 *   (args: --dir DIR --n 2048 --d 4096 --python /usr/bin/python3 --script bench/fid_scipy.py [--quick])
 * </pre>
 */
public final class FidBenchmark {

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        opt.put("dir", "target/fid-bench");
        opt.put("n", "2048");
        opt.put("d", "4096");
        opt.put("python", "/usr/bin/python3");
        opt.put("script", "../bench/fid_scipy.py");
        opt.put("seed", "2020");
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                quick = true;
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                opt.put(args[i].substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        int n = Integer.parseInt(opt.get("n"));
        int d = Integer.parseInt(opt.get("d"));
        Path dir = Paths.get(opt.get("dir"));
        Files.createDirectories(dir);
        DenseBackend backend = Backends.best();
        System.out.printf(Locale.ROOT, "FID benchmark: n = %d, d = %d, backend %s, %d cores, Java %s, load average %s%n",
                n, d, backend.name(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                loadAverage());

        long t = System.nanoTime();
        Path realFile = dir.resolve("real.npy");
        Path fakeFile = dir.resolve("fake.npy");
        Random rnd = new Random(Long.parseLong(opt.get("seed")));
        double[] a = loadings(rnd, 256, d);
        Npy.write(realFile, NpyArray.of(features(rnd, backend, a, n, d, 0.0, 0.3), n, d));
        for (int i = 0; i < a.length; i++) {
            a[i] += 0.3 * rnd.nextGaussian() / 16; // the fake set: perturbed loadings, shifted, noisier
        }
        Npy.write(fakeFile, NpyArray.of(features(rnd, backend, a, n, d, 0.05, 0.35), n, d));
        System.out.printf(Locale.ROOT, "generated and wrote %s, %s in %.1f s%n", realFile, fakeFile, secs(t));

        Map<String, Object> results = new LinkedHashMap<>();
        t = System.nanoTime();
        DoubleMatrix real = Npy.readMatrix(realFile, "real");
        DoubleMatrix fake = Npy.readMatrix(fakeFile, "fake");
        double loadSeconds = secs(t);
        FrechetDistance fd = new FrechetDistance(backend);
        double[] times = new double[3];
        FidResult ours = null;
        for (int run = 0; run < times.length; run++) {
            t = System.nanoTime();
            ours = fd.compute(real, fake);
            times[run] = secs(t);
        }
        System.out.printf(Locale.ROOT, "ours  %-22s FID %.6f  %.2f s (first run), then %.2f s, %.2f s; "
                        + ".npy load %.2f s; %d eigenvalues clamped (most negative %.3g, largest %.3g)%n",
                ours.method(), ours.fid(), times[0], times[1], times[2], loadSeconds, ours.clampedEigenvalues(),
                ours.mostNegativeEigenvalue(), ours.largestEigenvalue());
        results.put("n", n);
        results.put("d", d);
        results.put("backend", backend.name());
        results.put("ours_method", ours.method());
        results.put("ours_fid", ours.fid());
        results.put("ours_seconds_first", times[0]);
        results.put("ours_seconds_second", times[1]);
        results.put("ours_seconds_third", times[2]);
        results.put("ours_load_seconds", loadSeconds);
        results.put("ours_clamped_eigenvalues", ours.clampedEigenvalues());

        if (!quick) {
            t = System.nanoTime();
            GaussianStats realStats = GaussianStats.of(real, backend, "bench");
            double statsSeconds = secs(t);
            t = System.nanoTime();
            FidResult mixed = fd.compute(realStats, fake);
            double mixedSeconds = secs(t);
            t = System.nanoTime();
            FidResult dxd = fd.compute(real, fake, FidRoute.COVARIANCE_EIGEN);
            double dxdSeconds = secs(t);
            System.out.printf(Locale.ROOT, "ours  %-22s FID %.6f  %.2f s (+ %.2f s once for the real statistics)%n",
                    mixed.method(), mixed.fid(), mixedSeconds, statsSeconds);
            System.out.printf(Locale.ROOT, "ours  %-22s FID %.6f  %.2f s (both covariances included)%n",
                    dxd.method(), dxd.fid(), dxdSeconds);
            results.put("stats_gram_fid", mixed.fid());
            results.put("stats_gram_seconds", mixedSeconds);
            results.put("real_stats_seconds", statsSeconds);
            results.put("dxd_fid", dxd.fid());
            results.put("dxd_seconds", dxdSeconds);
        }

        Path script = Paths.get(opt.get("script"));
        t = System.nanoTime();
        Process p = new ProcessBuilder(opt.get("python"), script.toString(), realFile.toString(), fakeFile.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        double wall = secs(t);
        String last = out.strip().lines().reduce((x, y) -> y).orElse("");
        if (rc != 0 || !last.startsWith("{")) {
            throw new IOException(opt.get("python") + " " + script + " failed (exit " + rc + "): " + out);
        }
        JsonNode scipy = new ObjectMapper().readTree(last);
        double scipySeconds = scipy.get("seconds").asDouble();
        double scipyFid = scipy.get("fid").asDouble();
        System.out.printf(Locale.ROOT, "scipy %-22s FID %.6f  %.2f s (cov %.2f s + sqrtm %.2f s; process wall %.1f s); "
                        + "max |imag| discarded %.3g; numpy %s, scipy %s (%s)%n",
                "sqrtm(S1 S2).real", scipyFid, scipySeconds, scipy.get("seconds_cov").asDouble(),
                scipy.get("seconds_sqrtm").asDouble(), wall, scipy.get("max_abs_imag_discarded").asDouble(),
                scipy.get("numpy").asText(), scipy.get("scipy").asText(), scipy.get("python").asText());
        double best = Math.min(times[0], Math.min(times[1], times[2]));
        System.out.printf(Locale.ROOT, "speed-up (scipy / ours, first run) %.1fx; (best run) %.1fx; "
                        + "|FID_ours - FID_scipy| = %.3g (relative %.3g)%n",
                scipySeconds / times[0], scipySeconds / best, Math.abs(ours.fid() - scipyFid),
                Math.abs(ours.fid() - scipyFid) / Math.abs(scipyFid));
        results.put("scipy", scipy);
        results.put("speedup_first_run", scipySeconds / times[0]);
        results.put("abs_fid_difference", Math.abs(ours.fid() - scipyFid));
        Path json = dir.resolve("results.json");
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), results);
        System.out.println("results: " + json.toAbsolutePath());
    }

    /** k × d loadings with a decaying spectrum (row j scaled by 1 / (1 + j/32)). */
    private static double[] loadings(Random rnd, int k, int d) {
        double[] a = new double[k * d];
        for (int j = 0; j < k; j++) {
            double s = 1.0 / (1 + j / 32.0) / Math.sqrt(k);
            for (int c = 0; c < d; c++) {
                a[j * d + c] = s * rnd.nextGaussian();
            }
        }
        return a;
    }

    /** ReLU(z·A + shift + noise·ε), z ~ N(0, I_k): non-negative like C3D fc7 features, correlated across d. */
    private static float[] features(Random rnd, DenseBackend b, double[] a, int n, int d, double shift, double noise) {
        int k = a.length / d;
        double[] z = new double[n * k];
        for (int i = 0; i < z.length; i++) {
            z[i] = rnd.nextGaussian();
        }
        double[] x = b.multiply(z, n, k, false, a, k, d, false, 1.0);
        float[] f = new float[n * d];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) Math.max(0, x[i] + shift + noise * rnd.nextGaussian());
        }
        return f;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Paths.get("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static double secs(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
