package io.ndevid.metrics.protocol;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.evaluator.EvaluatorProvenance;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.run.RunFolder;
import io.ndevid.training.testing.StubGan;
import io.ndevid.training.util.Randomness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The protocol's bookkeeping with stand-ins whose scores are known: a "generator" whose samples get sharper (more
 * confidently classified) up to iteration 3 and blurrier after, and an "evaluator" that classifies by the sign of a
 * video's mean. The best-IS checkpoint must be iteration 3's, and the final metrics must come from it.
 */
class EvaluationProtocolTest {

    /** Classifies by the video mean: p(class 0) = sigmoid(4·mean). IS grows with |k·mean|. */
    static final class SignEvaluator implements VideoEvaluator {
        @Override
        public C3dEvaluator.Outputs evaluate(NDArray videos, int batchSize) {
            int n = (int) videos.getShape().get(0);
            float[] means = videos.reshape(n, -1).mean(new int[] {1}).toType(DataType.FLOAT32, false).toFloatArray();
            double[] p = new double[2 * n];
            double[] f = new double[2 * n];
            for (int i = 0; i < n; i++) {
                double p0 = 1 / (1 + Math.exp(-4 * means[i]));
                p[2 * i] = p0;
                p[2 * i + 1] = 1 - p0;
                f[2 * i] = means[i];
                f[2 * i + 1] = means[i] * means[i];
            }
            return new C3dEvaluator.Outputs(new DoubleMatrix(n, 2, f), new DoubleMatrix(n, 2, p));
        }

        @Override
        public String id() {
            return "sign-evaluator";
        }

        @Override
        public String preprocessing() {
            return "none";
        }

        @Override
        public EvaluatorProvenance provenance() {
            return new EvaluatorProvenance("none", "sign", EvaluatorProvenance.NO_MEAN_FILE, "off");
        }
    }

    /** Samples ±amplitude(it) + noise; amplitude peaks at iteration 3. Its one parameter records the amplitude. */
    static final class PeakGan extends StubGan {
        long iteration;

        PeakGan() {
            super(7);
        }

        double amplitude() {
            return weight();
        }

        @Override
        public Map<String, Double> step(NDArray real, long it) {
            iteration = it + 1;
            setWeight((float) (0.6 - 0.25 * Math.abs(iteration - 3)));
            return Map.of("loss", 0.0);
        }

        @Override
        public NDArray sample(NDManager into, int n, long seed) {
            NDArray sign = Randomness.uniform(into, new Shape(n, 1, 1, 1, 1), -1, 1, seed, DataType.FLOAT32).sign();
            NDArray noise = Randomness.normal(into, new Shape(n, 1, 2, 4, 4), seed + 1, DataType.FLOAT32)
                    .mul(into.create(0.01f));
            return sign.mul(into.create((float) amplitude())).add(noise);
        }
    }

    @Test
    void keepsTheBestIsCheckpointAndReportsKBatchesFromIt(@TempDir Path dir) throws Exception {
        TorchRuntime.engine();
        RunFolder run = new RunFolder(dir);
        try (PeakGan gan = new PeakGan()) {
            run.create(gan.spec(), Map.of());
            GaussianStats real = GaussianStats.of(new DoubleMatrix(3, 2, new double[] {0.5, 0.25, -0.5, 0.25, 0.4,
                    0.16})).withProvenance("three clips");
            ProtocolSettings settings = new ProtocolSettings(1, 64, 3, 64, 1, 16);
            EvaluationProtocol protocol = new EvaluationProtocol(run, new SignEvaluator(), real, settings);
            protocol.beforeTraining(gan);
            for (long it = 0; it < 6; it++) {
                gan.step(null, it);
                protocol.run(gan, it);
            }
            assertEquals(3, protocol.bestIteration(), "IS peaks with the amplitude at iteration 3");
            List<String> isLines = Files.readAllLines(dir.resolve("metric-is.jsonl"));
            assertEquals(1 + 6, isLines.size(), "the untrained model (iteration 0), then every iteration");
            assertTrue(isLines.get(0).startsWith("{\"iteration\":0,"), isLines.get(0));
            assertEquals(1 + 6, Files.readAllLines(dir.resolve("metric-fid.jsonl")).size());
            protocol.finish(gan, 6);
            assertEquals(0.6, gan.amplitude(), 1e-6, "the final evaluation ran on the best checkpoint's weights");
            JsonNode fin = new ObjectMapper().readTree(dir.resolve("final-metrics.json").toFile());
            assertEquals(3, fin.get("best_iteration").asLong());
            assertEquals(3, fin.get("is_per_batch").size());
            double isMean = fin.get("is_mean").asDouble();
            // p = sigmoid(±2.4) = 0.917: IS = exp(ln 2 − H(0.917)) ≈ 1.41 (up to the sign balance of 64 samples).
            assertTrue(isMean > 1.3 && isMean < 1.5, "IS of the best checkpoint's samples, got " + isMean);
            double[] perBatch = new double[3];
            for (int k = 0; k < 3; k++) {
                perBatch[k] = fin.get("is_per_batch").get(k).asDouble();
            }
            assertEquals(StdConvention.POPULATION.of(perBatch), fin.get("is_std").asDouble(), 1e-12,
                    "np.std over the K batches, the authors' convention");
            assertEquals("population", fin.get("std_convention").asText());
            assertEquals("sign", fin.get("provenance").get("weights_sha256").asText(), fin.toString());
            assertTrue(isLines.get(0).contains("\"provenance\":{\"route\":\"none\""), isLines.get(0));
            assertTrue(Double.isFinite(fin.get("fid_mean").asDouble()));
            assertEquals("sign-evaluator", fin.get("evaluator").asText());
            assertTrue(fin.get("fid_method").asText().length() > 0);
            // A protocol rebuilt on the same folder (a resumed trial) remembers the best so far.
            EvaluationProtocol again = new EvaluationProtocol(run, new SignEvaluator(), real, settings);
            assertEquals(3, again.bestIteration());
        }
    }
}
