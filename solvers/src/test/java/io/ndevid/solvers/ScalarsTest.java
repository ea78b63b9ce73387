package io.ndevid.solvers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Constants must own their memory: after a GC and fresh direct buffers, they still read back their values. */
class ScalarsTest {

    @Test
    void scalarsAndCopiesSurviveGarbageCollection() {
        TorchRuntime.engine();
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
            try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                List<NDArray> xs = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    xs.add(Scalars.of(m, 0.25 + i, type));
                    xs.add(Scalars.owned(m.create(new double[] {i, -i}, new Shape(2)), type));
                }
                List<ByteBuffer> junk = new ArrayList<>();
                for (int k = 0; k < 3; k++) {
                    System.gc();
                    for (int i = 0; i < 2000; i++) {
                        ByteBuffer b = ByteBuffer.allocateDirect(16);
                        b.putDouble(0, -7.0).putDouble(8, -7.0);
                        junk.add(b);
                    }
                }
                for (int i = 0; i < 1000; i++) {
                    double[] s = xs.get(2 * i).toType(DataType.FLOAT64, false).toDoubleArray();
                    double[] v = xs.get(2 * i + 1).toType(DataType.FLOAT64, false).toDoubleArray();
                    assertEquals(type, xs.get(2 * i).getDataType());
                    assertEquals(0.25 + i, s[0], 0.0, type + " scalar " + i);
                    assertEquals(i, v[0], 0.0, type + " copy " + i);
                    assertEquals(-i, v[1], 0.0, type + " copy " + i);
                }
                assertEquals(6000, junk.size());
            }
        }
    }
}
