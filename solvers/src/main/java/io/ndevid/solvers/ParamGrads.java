package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/** Reading, zeroing and restoring parameter gradients in place (DJL cannot reset {@code .grad} to null). */
final class ParamGrads {

    private ParamGrads() {}

    static long size(List<NDArray> params) {
        long s = 0;
        for (NDArray p : params) {
            s += p.size();
        }
        return s;
    }

    /** The gradient of {@code p}, or null while autograd has not produced one. The handle must be closed. */
    static NDArray gradOrNull(NDArray p) {
        try {
            return p.getGradient();
        } catch (IllegalStateException notYet) {
            return null;
        }
    }

    /** Copies of the current gradients (zeros where none yet), into {@code into}; then zeroes the gradients. */
    static NDArray[] takeAndZero(List<NDArray> params, NDManager into) {
        NDArray[] saved = new NDArray[params.size()];
        for (int i = 0; i < saved.length; i++) {
            NDArray p = params.get(i);
            NDArray g = gradOrNull(p);
            if (g == null) {
                saved[i] = into.zeros(p.getShape(), p.getDataType());
            } else {
                saved[i] = g.duplicate();
                saved[i].attach(into);
                g.subi(g);
                g.close();
            }
        }
        return saved;
    }

    /** The flat concatenation of the gradients (a copy, attached to {@code like}'s manager); zeroes them. */
    static NDArray readAndZero(List<NDArray> params, NDArray like) {
        if (params.isEmpty()) {
            return like.getManager().zeros(new Shape(0), like.getDataType());
        }
        NDList parts = new NDList(params.size());
        NDManager m = like.getManager();
        for (NDArray p : params) {
            NDArray g = gradOrNull(p);
            NDArray part;
            if (g == null) {
                part = m.zeros(new Shape(p.size()), like.getDataType());
            } else {
                NDArray copy = g.duplicate(); // toType/flatten may alias .grad, which is zeroed next
                copy.attach(m);
                part = copy.flatten().toType(like.getDataType(), false);
                g.subi(g);
                g.close();
            }
            parts.add(part);
        }
        return NDArrays.concat(parts, 0);
    }

    /** grad(p) ← saved + the matching slice of {@code flat}, in place. */
    static void restorePlus(List<NDArray> params, NDArray[] saved, NDArray flat) {
        long off = 0;
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            long len = p.size();
            NDArray add = flat.get(new NDIndex(off + ":" + (off + len))).reshape(p.getShape())
                    .toType(p.getDataType(), false).add(saved[i]);
            off += len;
            NDArray g = gradOrNull(p);
            if (g == null) {
                throw new IllegalStateException("parameter " + i + " of the vector field has no gradient after the "
                        + "adjoint pass: is it marked setRequiresGradient(true)?");
            }
            g.subi(g).addi(add);
            g.close();
        }
    }
}
