package io.ndevid.training.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * TGAN's singular value clipping (Saito et al. 2017), through each weight's Gram matrix ({@link #clipMatrix}; the
 * engine has no SVD): every weight with two or more axes, seen as a matrix (shape[0], rest), gets its singular values
 * above 1 set to 1; every BatchNorm γ is clipped to [0.01·σ, σ] with σ = √(running variance + ε).
 */
public final class SingularValueClipping {

    private static final double BN_EPS = 1e-5;

    private SingularValueClipping() {}

    /** What one pass changed. */
    public record Report(int matrices, int clipped, double largestBefore, int gammas) {}

    public static Report apply(Block block) {
        int matrices = 0;
        int clipped = 0;
        int gammas = 0;
        double largest = 0;
        var params = block.getParameters();
        for (Pair<String, Parameter> p : params) {
            Parameter param = p.getValue();
            NDArray w = param.getArray();
            if (param.getType() == Parameter.Type.WEIGHT && w.getShape().dimension() >= 2) {
                matrices++;
                double s = clipMatrix(w);
                largest = Math.max(largest, s);
                if (s > 1) {
                    clipped++;
                }
            } else if (param.getType() == Parameter.Type.GAMMA) {
                String prefix = p.getKey().substring(0, p.getKey().length() - "gamma".length());
                Parameter var = null;
                for (Pair<String, Parameter> q : params) {
                    if (q.getKey().equals(prefix + "runningVar")) {
                        var = q.getValue();
                    }
                }
                if (var != null) {
                    clipGamma(w, var.getArray());
                    gammas++;
                }
            }
        }
        return new Report(matrices, clipped, largest, gammas);
    }

    /**
     * Clips in place; returns the largest singular value before clipping. With W seen as an m × n matrix and k =
     * min(m, n), the Gram matrix G (W Wᵀ when m ≤ n, else Wᵀ W; k × k, float64 on W's device) has eigenvalues σ²
     * and W's singular vectors on that side as eigenvectors, so W' = W − P W (or W − W P) with
     * P = Σ over σ &gt; 1 of (1 − 1/σ) v vᵀ sets every σ above 1 to 1 and leaves the others and the singular vectors as
     * they were: the same result as a full SVD, W = U Σ Vᵀ → U min(Σ, 1) Vᵀ. The k × k eigen-decomposition runs on
     * the JVM (EJML, the engine has none); the two products run in the engine. At gpu-paper's widest D weight
     * (512 × 16 384) this replaces a full SVD that took tens of seconds (BENCHMARKS.md).
     */
    static double clipMatrix(NDArray w) {
        Shape shape = w.getShape();
        long rows = shape.get(0);
        long cols = shape.size() / rows;
        boolean wide = rows <= cols;
        int k = (int) Math.min(rows, cols);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray a = w.toType(DataType.FLOAT64, true).reshape(rows, cols);
            NDArray gram = wide ? a.matMul(a.transpose()) : a.transpose().matMul(a);
            EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(k, true, true);
            if (!eig.decompose(DMatrixRMaj.wrap(k, k, gram.toDoubleArray()))) {
                throw new IllegalStateException("eigen-decomposition did not converge for a weight of shape " + shape);
            }
            double largestSquared = 0;
            for (int i = 0; i < k; i++) {
                largestSquared = Math.max(largestSquared, eig.getEigenvalue(i).real);
            }
            double max = Math.sqrt(largestSquared);
            if (max <= 1) {
                return max;
            }
            double[] p = new double[k * k];
            for (int i = 0; i < k; i++) {
                double sigma = Math.sqrt(Math.max(0, eig.getEigenvalue(i).real));
                if (sigma <= 1) {
                    continue;
                }
                double c = 1 - 1 / sigma;
                double[] v = eig.getEigenVector(i).getData();
                for (int r = 0; r < k; r++) {
                    double cv = c * v[r];
                    for (int q = 0; q < k; q++) {
                        p[r * k + q] += cv * v[q];
                    }
                }
            }
            NDArray pm = a.getManager().create(p, new Shape(k, k));
            NDArray correction = wide ? pm.matMul(a) : a.matMul(pm);
            w.subi(correction.reshape(shape).toType(w.getDataType(), false));
            return max;
        }
    }

    static void clipGamma(NDArray gamma, NDArray runningVar) {
        double[] g = gamma.toType(DataType.FLOAT64, false).toDoubleArray();
        double[] v = runningVar.toType(DataType.FLOAT64, false).toDoubleArray();
        for (int i = 0; i < g.length; i++) {
            double sd = Math.sqrt(v[i] + BN_EPS);
            g[i] = Math.max(0.01 * sd, Math.min(sd, g[i]));
        }
        write(gamma, g);
    }

    private static void write(NDArray target, double[] values) {
        if (target.getDataType() == DataType.FLOAT64) {
            target.set(java.nio.DoubleBuffer.wrap(values));
        } else {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            target.set(java.nio.FloatBuffer.wrap(f));
        }
    }
}
