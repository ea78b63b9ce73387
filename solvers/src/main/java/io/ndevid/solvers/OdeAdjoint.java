package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.List;

/**
 * Neural-ODE gradients by the adjoint method (Chen et al. 2018), with memory constant in the number of steps.
 *
 * <p>DJL has no custom autograd functions, so the adjoint is explicit: the forward pass keeps no graph, and the
 * caller hands back dL/dys after its own backward pass:
 * <pre>{@code
 * AdjointSolution sol = OdeAdjoint.solve(f, z0, ts, options);
 * NDArray ys = sol.ys();                  // detached; mark it to receive gradients:
 * ys.setRequiresGradient(true);
 * NDArray loss = decoder(ys) ...;
 * gc.backward(loss);                       // dL/dys lands in ys.getGradient()
 * NDArray dz0 = sol.backward(gc, ys.getGradient()); // dL/dθ accumulated into f's parameters; dL/dz0 returned
 * gc.backward(z0Graph.mul(dz0).sum());     // chain into whatever produced z0 (if anything)
 * }</pre>
 *
 * <p>Backward pass (as torchdiffeq's {@code odeint_adjoint}): from each output time back to the previous one,
 * integrate the augmented state (y, a, g) with dy/dt = f, da/dt = −aᵀ∂f/∂y, dg/dt = −aᵀ∂f/∂θ, restarting y at
 * the stored forward solution and adding dL/dy(t_i) to a at every output time. The vector–Jacobian products come
 * from one ordinary (first-order) backward pass per field evaluation. With adaptive methods the error test covers
 * the whole augmented state.
 */
public final class OdeAdjoint {

    private OdeAdjoint() {}

    public static AdjointSolution solve(VectorField f, NDArray y0, NDArray ts, OdeOptions o) {
        double[] times = Odeint.times(ts);
        Odeint.validate(f, y0, times, o);
        VectorField field = o.order() == 1 ? f : new HigherOrderField(f, o.order());
        OdeOptions first = o.toBuilder().order(1).build();
        OdeResult r = new Integrator(field, first, true).run(y0, times);
        return new AdjointSolution(field, first, o.order(), times, y0.getShape(), r);
    }

    /** The forward solution (detached) and its backward pass. */
    public static final class AdjointSolution implements AutoCloseable {
        private final VectorField field;
        private final OdeOptions options;
        private final int order;
        private final double[] ts;
        private final Shape stateShape;
        private final OdeResult forward;
        private final NDArray ys;
        private long backwardNfe;

        AdjointSolution(VectorField field, OdeOptions options, int order, double[] ts, Shape stateShape,
                        OdeResult forward) {
            this.field = field;
            this.options = options;
            this.order = order;
            this.ts = ts;
            this.stateShape = stateShape;
            this.forward = forward;
            NDArray full = forward.ys();
            if (order == 1) {
                this.ys = full;
            } else {
                this.ys = full.get(new NDIndex(":, 0"));
                this.ys.attach(full.getManager());
            }
        }

        /** z at the output times, {@code [len(ts), ...z.shape]}, not part of any graph. */
        public NDArray ys() {
            return ys;
        }

        /** Work of the forward pass. */
        public OdeResult forwardStats() {
            return forward;
        }

        /** Field evaluations of the last backward pass. */
        public long backwardNfe() {
            return backwardNfe;
        }

        /**
         * Integrates the adjoint system backwards.
         *
         * @param gc     the caller's open gradient collector (DJL allows one per JVM); used for the
         *               vector–Jacobian products
         * @param gradYs dL/dys, shaped like {@link #ys()}
         * @return dL/dy0, shaped like y0; dL/dθ is <em>added</em> to the gradients of {@code f.parameters()}, as a
         *         backward pass through the solver would
         */
        public NDArray backward(GradientCollector gc, NDArray gradYs) {
            if (!gradYs.getShape().equals(ys.getShape())) {
                throw new IllegalArgumentException("gradYs must have the shape of ys " + ys.getShape() + ", got "
                        + gradYs.getShape());
            }
            NDManager caller = gradYs.getManager();
            List<NDArray> params = field.parameters();
            DataType type = forward.ys().getDataType();
            try (NDManager work = caller.newSubManager()) {
                forward.ys().tempAttach(work); // slices of the stored solution die with this pass
                NDArray gys = gradYs.stopGradient().toType(type, false);
                gys.attach(work);
                if (order > 1) {
                    // Only z is observed: the derivative slots get zero gradient.
                    Shape zShape = gys.getShape();
                    NDArray zeros = work.zeros(new Shape(zShape.get(0), order - 1).addAll(zShape.slice(1)), type);
                    gys = NDArrays.concat(new NDList(gys.expandDims(1), zeros), 1);
                }
                NDArray[] saved = ParamGrads.takeAndZero(params, work);
                long n = stateShape.size();
                long p = ParamGrads.size(params);
                NDArray a = gys.get(ts.length - 1);
                NDArray g = work.zeros(new Shape(p), type);
                Augmented aug = new Augmented(field, gc, params, stateShape, n);
                for (int i = ts.length - 1; i >= 1; i--) {
                    NDArray yi = forward.ys().get(i).flatten();
                    NDArray z = NDArrays.concat(new NDList(yi, a.flatten(), g), 0);
                    OdeResult back = new Integrator(aug, options, true).run(z, new double[] {ts[i], ts[i - 1]});
                    backwardNfe += back.nfe();
                    NDArray zEnd = back.ys().get(1);
                    a = zEnd.get(new NDIndex(n + ":" + (2 * n))).reshape(stateShape).add(gys.get(i - 1));
                    g = zEnd.get(new NDIndex((2 * n) + ":"));
                }
                ParamGrads.restorePlus(params, saved, g);
                NDArray dy0 = a.duplicate();
                dy0.attach(caller);
                return dy0;
            }
        }

        @Override
        public void close() {
            ys.close();
            forward.ys().close();
        }
    }

    /** The augmented dynamics on the flat vector (y, a, g). */
    private record Augmented(VectorField f, GradientCollector gc, List<NDArray> params, Shape shape, long n)
            implements VectorField {

        @Override
        public NDArray eval(NDArray t, NDArray z) {
            NDArray y = z.get(new NDIndex("0:" + n)).reshape(shape).stopGradient();
            NDArray a = z.get(new NDIndex(n + ":" + (2 * n))).reshape(shape).stopGradient();
            y.setRequiresGradient(true);
            NDArray out = f.eval(t, y);
            gc.backward(out.mul(a).sum());
            NDArray vy = y.getGradient().flatten();
            NDArray vTheta = ParamGrads.readAndZero(params, z);
            NDArray dy = out.stopGradient().flatten();
            return NDArrays.concat(new NDList(dy, vy.neg(), vTheta.neg()), 0);
        }
    }
}
