package io.ndevid.training.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * TGAN's singular value clipping (Saito et al. 2017), done on the JVM with EJML because the engine has no SVD:
 * every weight with two or more axes, seen as a matrix (shape[0], rest), gets its singular values above 1 set to 1;
 * every BatchNorm γ is clipped to [0.01·σ, σ] with σ = √(running variance + ε).
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

    /** Clips in place; returns the largest singular value before clipping. */
    static double clipMatrix(NDArray w) {
        long rows = w.getShape().get(0);
        long cols = w.getShape().size() / rows;
        double[] data = w.toType(DataType.FLOAT64, false).toDoubleArray();
        DMatrixRMaj a = new DMatrixRMaj((int) rows, (int) cols, true, data);
        SingularValueDecomposition_F64<DMatrixRMaj> svd =
                DecompositionFactory_DDRM.svd((int) rows, (int) cols, true, true, true);
        if (!svd.decompose(a.copy())) {
            throw new IllegalStateException("SVD did not converge for a weight of shape " + w.getShape());
        }
        double[] s = svd.getSingularValues();
        double max = 0;
        for (int i = 0; i < svd.numberOfSingularValues(); i++) {
            max = Math.max(max, s[i]);
        }
        if (max <= 1) {
            return max;
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj vt = svd.getV(null, true);
        DMatrixRMaj sigma = svd.getW(null);
        for (int i = 0; i < Math.min(sigma.numRows, sigma.numCols); i++) {
            sigma.set(i, i, Math.min(1.0, sigma.get(i, i)));
        }
        DMatrixRMaj us = new DMatrixRMaj(u.numRows, sigma.numCols);
        CommonOps_DDRM.mult(u, sigma, us);
        DMatrixRMaj out = new DMatrixRMaj((int) rows, (int) cols);
        CommonOps_DDRM.mult(us, vt, out);
        write(w, out.getData());
        return max;
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
