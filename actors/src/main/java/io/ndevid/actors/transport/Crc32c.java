package io.ndevid.actors.transport;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C helpers, chiefly <em>combination</em>: crc(A‖B) = shift(crc(A), |B|) ⊕ crc(B), where shift multiplies by
 * x^(8|B|) in GF(2)[x]/P (zlib's crc32_combine, here for the Castagnoli polynomial).
 *
 * <p>Why: sender and receiver already compute every chunk's CRC; the whole-payload CRC then follows from those in
 * O(chunks) instead of another pass over the bytes. On the receiver this is a proof, not a shortcut: each chunk CRC
 * is computed over the <em>destination</em> memory at the chunk's offset, the chunks tile the destination, so their
 * combination is the CRC of the destination buffer itself.
 */
final class Crc32c {
    /** Reflected Castagnoli polynomial. */
    private static final int POLY = 0x82F63B78;

    private Crc32c() {
    }

    /** CRC32C of {@code buffer[position, limit)}, leaving the buffer's position and limit untouched. */
    static int of(ByteBuffer buffer) {
        CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate());
        return (int) crc.getValue();
    }

    /** crc(A‖B) from crc(A), crc(B) and |B|. Allocates two small tables; see {@link Shift} for repeated lengths. */
    static int combine(int crcA, int crcB, long lengthB) {
        if (lengthB == 0) {
            return crcA;
        }
        return new Shift(lengthB).apply(crcA) ^ crcB;
    }

    /** Precomputed multiplication by x^(8n): 32 columns, applied in 32 steps, no allocation per use. */
    static final class Shift {
        private final int[] matrix = new int[32];
        final long length;

        Shift(long length) {
            if (length < 0) {
                throw new IllegalArgumentException("length " + length);
            }
            this.length = length;
            // operator for one zero bit, then square it up: 1 bit → 2 → 4 → 8 bits = one zero byte, ...
            int[] op = new int[32];
            op[0] = POLY;
            int row = 1;
            for (int n = 1; n < 32; n++) {
                op[n] = row;
                row <<= 1;
            }
            int[] tmp = new int[32];
            square(tmp, op);   // 2 bits
            square(op, tmp);   // 4 bits
            square(tmp, op);   // 8 bits = one byte
            System.arraycopy(tmp, 0, op, 0, 32);
            // identity, then multiply by op^(2^k) for each set bit k of length
            for (int n = 0; n < 32; n++) {
                matrix[n] = 1 << n;
            }
            long len = length;
            while (len != 0) {
                if ((len & 1) != 0) {
                    multiply(matrix, op, tmp);
                }
                len >>>= 1;
                if (len != 0) {
                    square(tmp, op);
                    System.arraycopy(tmp, 0, op, 0, 32);
                }
            }
        }

        int apply(int crc) {
            return times(matrix, crc);
        }

        /** result = a ∘ b (apply b after a), written back into a. */
        private static void multiply(int[] a, int[] b, int[] scratch) {
            for (int n = 0; n < 32; n++) {
                scratch[n] = times(b, a[n]);
            }
            System.arraycopy(scratch, 0, a, 0, 32);
        }

        private static void square(int[] square, int[] mat) {
            for (int n = 0; n < 32; n++) {
                square[n] = times(mat, mat[n]);
            }
        }

        private static int times(int[] mat, int vec) {
            int sum = 0;
            int i = 0;
            while (vec != 0) {
                if ((vec & 1) != 0) {
                    sum ^= mat[i];
                }
                vec >>>= 1;
                i++;
            }
            return sum;
        }
    }
}
