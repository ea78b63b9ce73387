package io.ndevid.solvers;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Guards the engine trap in docs/ENGINE.md: a scalar whose memory the JVM can reclaim while autograd still holds it
 * corrupts gradients after a GC. The solver's scalars are native copies, so gradients computed with forced collections
 * between the forward and the backward pass equal those computed without.
 */
class ScalarLifetimeTest {

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT32", "FLOAT64"})
    void gradientsSurviveGarbageCollectionBetweenForwardAndBackward(DataType type) {
        double[] reference = grads(type, false);
        for (int round = 0; round < 3; round++) {
            assertArrayEquals(reference, grads(type, true), 0.0, "round " + round);
        }
    }

    private static double[] grads(DataType type, boolean collectGarbage) {
        try (NDManager m = Problems.manager()) {
            NDArray w = m.create(new double[] {0.3, -0.7, 0.2, 0.5}, new Shape(2, 2)).toType(type, false);
            w.setRequiresGradient(true);
            VectorField f = new VectorField() {
                @Override
                public NDArray eval(NDArray t, NDArray y) {
                    return y.matMul(w).tanh().mul(Scalars.of(y, 1.7)).add(t.mul(Scalars.of(y, 0.25)));
                }

                @Override
                public List<NDArray> parameters() {
                    return List.of(w);
                }
            };
            NDArray y0 = m.create(new double[] {1, -2, 0.5, 3}, new Shape(2, 2)).toType(type, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray ys = Odeint.solve(f, y0, Problems.linspace(m, 0, 1, 9),
                        OdeOptions.builder().method(Method.RK4).stepSize(0.01).build());
                NDArray loss = ys.mul(ys).sum();
                if (collectGarbage) {
                    for (int i = 0; i < 5; i++) {
                        byte[][] churn = new byte[2000][];
                        for (int j = 0; j < churn.length; j++) {
                            churn[j] = new byte[4096];
                        }
                        System.gc();
                    }
                }
                gc.backward(loss);
            }
            return w.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
        }
    }
}
