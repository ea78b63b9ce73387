package io.ndevid.actors.evalproc;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Sample batches as bytes on the wire: float32, little-endian, row-major, shape in the tensor descriptor. */
final class SampleCodec {

    static final String DTYPE = "float32";

    private SampleCodec() {}

    static ByteBuffer encode(NDArray videos) {
        float[] v = videos.toType(DataType.FLOAT32, false).toFloatArray();
        ByteBuffer b = ByteBuffer.allocateDirect(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    static NDArray decode(NDManager into, ByteBuffer payload, long[] shape) {
        ByteBuffer b = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / Float.BYTES];
        b.asFloatBuffer().get(v);
        return into.create(v, new Shape(shape));
    }
}
