package io.ndevid.actors.transport;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * What travels inside an Akka message instead of the tensor: a few hundred bytes that name the transfer, describe
 * the tensor and let the receiver check what Aeron delivered. A plain record, so Jackson (CBOR or JSON) serialises
 * it as is; validated on construction, so a deserialised descriptor is as trustworthy as a built one.
 *
 * @param transferId unique id of this transfer (random 64 bits); also in every chunk header
 * @param name       the tensor's name, e.g. {@code "G.latent"}
 * @param shape      dimensions, each ≥ 0
 * @param dtype      element type: {@code float16, bfloat16, float32, float64, int8, uint8, bool, int32, int64} or
 *                   {@code bytes} (opaque, element size 1)
 * @param byteLength payload bytes = product(shape) × element size
 * @param crc32c     CRC32C of the whole payload, as an unsigned 32-bit value
 * @param channel    the Aeron channel the chunks were sent on ({@code aeron:ipc} or {@code aeron:udp?endpoint=h:p})
 * @param streamId   the Aeron stream id the chunks were sent on
 */
public record TensorDescriptor(long transferId, String name, long[] shape, String dtype, long byteLength,
                               long crc32c, String channel, int streamId) {

    private static final Map<String, Integer> ELEMENT_SIZES = Map.of(
            "float16", 2, "bfloat16", 2, "float32", 4, "float64", 8,
            "int8", 1, "uint8", 1, "bool", 1, "int32", 4, "int64", 8, "bytes", 1);

    public TensorDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(channel, "channel");
        shape = shape.clone();
        long expected = byteLengthOf(shape, dtype);
        if (byteLength != expected) {
            throw new IllegalArgumentException("byteLength " + byteLength + " != " + expected + " = "
                    + Arrays.toString(shape) + " × " + dtype);
        }
        if (crc32c < 0 || crc32c > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("crc32c " + crc32c + " is not an unsigned 32-bit value");
        }
        if (!channel.startsWith("aeron:")) {
            throw new IllegalArgumentException("channel " + channel + " is not an Aeron channel URI");
        }
    }

    /** Bytes of one element of {@code dtype}; throws for an unknown dtype. */
    public static int elementSize(String dtype) {
        Integer size = ELEMENT_SIZES.get(dtype);
        if (size == null) {
            throw new IllegalArgumentException("unknown dtype '" + dtype + "'; known: " + ELEMENT_SIZES.keySet());
        }
        return size;
    }

    /** product(shape) × elementSize(dtype), checked for overflow and negative dimensions. */
    public static long byteLengthOf(long[] shape, String dtype) {
        long n = elementSize(dtype);
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** A copy: records expose their components, and an array component is mutable. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The descriptor's CRC as the signed int that {@code (int) CRC32C.getValue()} gives. */
    int crcAsInt() {
        return (int) crc32c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorDescriptor d
                && transferId == d.transferId && byteLength == d.byteLength && crc32c == d.crc32c
                && streamId == d.streamId && name.equals(d.name) && Arrays.equals(shape, d.shape)
                && dtype.equals(d.dtype) && channel.equals(d.channel);
    }

    @Override
    public int hashCode() {
        return Objects.hash(transferId, name, Arrays.hashCode(shape), dtype, byteLength, crc32c, channel, streamId);
    }

    @Override
    public String toString() {
        return "TensorDescriptor[" + Long.toUnsignedString(transferId, 16) + " " + name + " " + dtype
                + Arrays.toString(shape) + " " + byteLength + " B crc32c=" + Long.toHexString(crc32c)
                + " " + channel + " stream " + streamId + "]";
    }
}
