package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import io.ndevid.solvers.engine.TorchRuntime;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingularValueClippingTest {

    private static double maxSingular(NDArray w) {
        long rows = w.getShape().get(0);
        long cols = w.getShape().size() / rows;
        DMatrixRMaj a = new DMatrixRMaj((int) rows, (int) cols, true,
                w.toType(DataType.FLOAT64, false).toDoubleArray());
        SingularValueDecomposition_F64<DMatrixRMaj> svd =
                DecompositionFactory_DDRM.svd((int) rows, (int) cols, false, false, true);
        svd.decompose(a);
        double max = 0;
        for (double s : svd.getSingularValues()) {
            max = Math.max(max, s);
        }
        return max;
    }

    @Test
    void clipsEveryMatrixToSpectralNormOneAndLeavesSmallOnesAlone() {
        TorchRuntime.engine();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            SequentialBlock net = new SequentialBlock()
                    .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).build())
                    .add(BatchNorm.builder().build())
                    .add(Linear.builder().setUnits(5).build());
            net.initialize(m, DataType.FLOAT32, new Shape(2, 3, 6, 6));
            var params = net.getParameters();
            NDArray conv = params.get("01Conv2d_weight").getArray();
            conv.muli(m.create(10f)); // make its spectral norm large
            NDArray lin = params.get("03Linear_weight").getArray();
            lin.muli(m.create(1e-3f));
            NDArray linBefore = lin.duplicate();
            NDArray gamma = params.get("02BatchNorm_gamma").getArray();
            gamma.muli(m.create(100f));

            var report = SingularValueClipping.apply(net);
            assertEquals(2, report.matrices());
            assertEquals(1, report.clipped());
            assertTrue(report.largestBefore() > 1);
            assertEquals(1, report.gammas());
            assertEquals(1.0, maxSingular(conv), 1e-4);
            assertEquals(0f, lin.sub(linBefore).abs().max().getFloat(), "a contraction is left as it is");
            // running var starts at 1: γ ∈ [0.01, 1]
            float[] g = gamma.toFloatArray();
            for (float v : g) {
                assertTrue(v <= 1.0f + 1e-5 && v >= 0.01f - 1e-6, "gamma " + v);
            }
        }
    }

    /**
     * The Gram route gives what a full SVD gives: W = U Σ Vᵀ with singular values on both sides of 1 (a few equal, a
     * few just above 1) becomes U min(Σ, 1) Vᵀ, for a wide and a tall weight, to float precision.
     */
    @Test
    void sameResultAsTheFullSvd() {
        TorchRuntime.engine();
        java.util.Random rnd = new java.util.Random(7);
        for (long[] shape : new long[][] {{24, 5, 3, 3}, {90, 12}}) {
            int rows = (int) shape[0];
            int cols = (int) (java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y) / rows);
            int k = Math.min(rows, cols);
            DMatrixRMaj u = org.ejml.dense.row.RandomMatrices_DDRM.orthogonal(rows, k, rnd);
            DMatrixRMaj v = org.ejml.dense.row.RandomMatrices_DDRM.orthogonal(cols, k, rnd);
            double[] sigma = new double[k];
            for (int i = 0; i < k; i++) {
                sigma[i] = i < 3 ? 7.5 : i < 5 ? 1.0 + 1e-3 * i : i < 7 ? 2.0 : rnd.nextDouble() * 1.6;
            }
            DMatrixRMaj w = product(u, sigma, v);
            double[] clipped = new double[k];
            for (int i = 0; i < k; i++) {
                clipped[i] = Math.min(1, sigma[i]);
            }
            DMatrixRMaj expected = product(u, clipped, v);
            try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                float[] f = new float[w.getNumElements()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) w.getData()[i];
                }
                NDArray weight = m.create(f, new Shape(shape));
                double largest = SingularValueClipping.clipMatrix(weight);
                assertEquals(7.5, largest, 1e-4);
                assertEquals(new Shape(shape), weight.getShape());
                float[] got = weight.toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals(expected.getData()[i], got[i], 2e-6, "element " + i + " of " + new Shape(shape));
                }
                assertEquals(1.0, maxSingular(weight), 1e-5);
            }
        }
    }

    private static DMatrixRMaj product(DMatrixRMaj u, double[] sigma, DMatrixRMaj v) {
        DMatrixRMaj us = u.copy();
        for (int r = 0; r < us.numRows; r++) {
            for (int c = 0; c < us.numCols; c++) {
                us.set(r, c, us.get(r, c) * sigma[c]);
            }
        }
        DMatrixRMaj out = new DMatrixRMaj(u.numRows, v.numRows);
        org.ejml.dense.row.CommonOps_DDRM.multTransB(us, v, out);
        return out;
    }
}
