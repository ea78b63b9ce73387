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
}
