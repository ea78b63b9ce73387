package io.ndevid.training.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The checkpoint file format and its atomic write.
 *
 * <pre>
 *   "NDVDCKPT" | u32 version | u64 body length | body | u32 CRC32C(body)
 *   body = UTF spec JSON (as u32 length + bytes) | u64 iteration | u32 sections | (UTF name, u64 length, bytes)*
 * </pre>
 *
 * Written to a temporary file in the same directory, forced to disk, then renamed over the target, so a crash
 * leaves either the old file or the new one. Reading checks magic, version, length and checksum and says which
 * failed: a truncated or corrupt checkpoint is refused, never half-loaded.
 */
public final class CheckpointIO {

    private static final byte[] MAGIC = "NDVDCKPT".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    private CheckpointIO() {}

    public static void write(Path file, Checkpoint c) {
        byte[] body = encodeBody(c);
        CRC32C crc = new CRC32C();
        crc.update(body);
        ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 4 + 8);
        head.put(MAGIC).putInt(VERSION).putLong(body.length).flip();
        ByteBuffer tail = ByteBuffer.allocate(4).putInt((int) crc.getValue()).flip();
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                writeFully(ch, head);
                writeFully(ch, ByteBuffer.wrap(body));
                writeFully(ch, tail);
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // make the rename itself durable
            } catch (IOException ignored) {
                // some file systems cannot open a directory; the data itself is already on disk
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    public static Checkpoint read(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("checkpoint not found: " + file);
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        int headLen = MAGIC.length + 4 + 8;
        if (all.length < headLen + 4) {
            throw new CheckpointException("checkpoint " + file + " is truncated (" + all.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new CheckpointException(file + " is not an ndevid checkpoint (bad magic)");
        }
        int version = b.getInt();
        if (version != VERSION) {
            throw new CheckpointException("checkpoint " + file + " has format version " + version + "; this build "
                    + "reads version " + VERSION);
        }
        long bodyLen = b.getLong();
        if (bodyLen < 0 || headLen + bodyLen + 4 != all.length) {
            throw new CheckpointException("checkpoint " + file + " is truncated or padded: header says " + bodyLen
                    + " body bytes, file has " + (all.length - headLen - 4));
        }
        CRC32C crc = new CRC32C();
        crc.update(all, headLen, (int) bodyLen);
        int stored = ByteBuffer.wrap(all, headLen + (int) bodyLen, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new CheckpointException("checkpoint " + file + " is corrupt: CRC32C mismatch");
        }
        try {
            return decodeBody(new DataInputStream(new java.io.ByteArrayInputStream(all, headLen, (int) bodyLen)));
        } catch (IOException e) {
            throw new CheckpointException("checkpoint " + file + " has a malformed body: " + e.getMessage(), e);
        }
    }

    private static byte[] encodeBody(Checkpoint c) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            byte[] spec = c.specJson().getBytes(StandardCharsets.UTF_8);
            out.writeInt(spec.length);
            out.write(spec);
            out.writeLong(c.iteration());
            out.writeInt(c.sections().size());
            for (Map.Entry<String, byte[]> e : c.sections().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue().length);
                out.write(e.getValue());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new CheckpointException("cannot encode checkpoint: " + e.getMessage(), e);
        }
    }

    private static Checkpoint decodeBody(DataInputStream in) throws IOException {
        try {
            byte[] spec = new byte[in.readInt()];
            in.readFully(spec);
            long iteration = in.readLong();
            int n = in.readInt();
            Map<String, byte[]> sections = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                byte[] data = new byte[Math.toIntExact(in.readLong())];
                in.readFully(data);
                sections.put(name, data);
            }
            return new Checkpoint(new String(spec, StandardCharsets.UTF_8), iteration, sections);
        } catch (EOFException | NegativeArraySizeException | ArithmeticException e) {
            throw new IOException("section lengths do not fit the body", e);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
