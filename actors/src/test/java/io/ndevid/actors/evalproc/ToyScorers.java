package io.ndevid.actors.evalproc;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.evaluator.EvaluatorProvenance;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.metrics.protocol.InProcessScorer;
import io.ndevid.metrics.protocol.ProtocolSettings;
import io.ndevid.metrics.protocol.VideoEvaluator;

import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * A cheap, deterministic stand-in for the C3D evaluator: features = per-frame means of the videos (T of them),
 * probabilities = softmax of a fixed random projection of the features to 4 classes; real statistics from fixed
 * random features. Enough to make IS and FID depend on every sample, at no training cost.
 */
final class ToyScorers {

    private ToyScorers() {}

    /** @param beforeBatch called with the batch's row count before each classification (to slow it down) */
    static VideoEvaluator evaluator(IntConsumer beforeBatch) {
        return new VideoEvaluator() {
            @Override
            public C3dEvaluator.Outputs evaluate(NDArray videos, int batchSize) {
                int m = (int) videos.getShape().get(0);
                beforeBatch.accept(m);
                int t = (int) videos.getShape().get(2);
                NDManager man = videos.getManager();
                try (NDManager s = man.newSubManager()) {
                    NDArray f = videos.transpose(0, 2, 1, 3, 4).reshape(m, t, -1).mean(new int[] {2})
                            .mul(s.create(4f));
                    f.attach(s);
                    float[] w = new float[t * 4];
                    SplittableRandom r = new SplittableRandom(7);
                    for (int i = 0; i < w.length; i++) {
                        w[i] = (float) r.nextGaussian();
                    }
                    NDArray p = f.matMul(s.create(w, new Shape(t, 4))).softmax(1);
                    float[] fv = f.toType(DataType.FLOAT32, false).toFloatArray();
                    float[] pv = p.toType(DataType.FLOAT32, false).toFloatArray();
                    return new C3dEvaluator.Outputs(DoubleMatrix.of(m, t, fv), DoubleMatrix.of(m, 4, pv));
                }
            }

            @Override
            public String id() {
                return "toy-evaluator";
            }

            @Override
            public String preprocessing() {
                return "none";
            }

            @Override
            public EvaluatorProvenance provenance() {
                return new EvaluatorProvenance("none", "toy", EvaluatorProvenance.NO_MEAN_FILE, "off");
            }
        };
    }

    static GaussianStats real(int t) {
        SplittableRandom r = new SplittableRandom(11);
        double[] d = new double[256 * t];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextGaussian() * 0.3;
        }
        return GaussianStats.of(new DoubleMatrix(256, t, d)).withProvenance("toy real statistics");
    }

    /** The toy scorer for clips of {@code t} frames, classifying {@code batch} at a time. */
    static InProcessScorer scorer(int t, int samples, int batch, IntConsumer beforeBatch) {
        return new InProcessScorer(evaluator(beforeBatch), real(t), new ProtocolSettings(1, samples, 1, samples, 1,
                batch), null);
    }

    static InProcessScorer.Factory factory(int samples, int batch, IntConsumer beforeBatch) {
        return spec -> scorer(spec.frames(), samples, batch, beforeBatch);
    }
}
