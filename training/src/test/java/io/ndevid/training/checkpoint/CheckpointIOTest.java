package io.ndevid.training.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointIOTest {

    private static Checkpoint sample() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("G", new byte[] {1, 2, 3});
        byte[] big = new byte[100_000];
        Arrays.fill(big, (byte) 7);
        s.put("D", big);
        return new Checkpoint("{\"name\":\"x\"}", 1234, s);
    }

    @Test
    void roundTripAndAtomicReplace(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("ckpt.bin");
        CheckpointIO.write(f, sample());
        Checkpoint back = CheckpointIO.read(f);
        assertEquals(1234, back.iteration());
        assertEquals("{\"name\":\"x\"}", back.specJson());
        assertArrayEquals(new byte[] {1, 2, 3}, back.section("G"));
        assertEquals(100_000, back.section("D").length);
        CheckpointIO.write(f, new Checkpoint("{}", 5, Map.of()));
        assertEquals(5, CheckpointIO.read(f).iteration());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary files left behind");
        }
        var missing = assertThrows(CheckpointException.class, () -> back.section("optG"));
        assertTrue(missing.getMessage().contains("optG"), missing.getMessage());
    }

    @Test
    void truncatedCorruptAndForeignFilesAreRefused(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("ckpt.bin");
        CheckpointIO.write(f, sample());
        byte[] good = Files.readAllBytes(f);

        Path truncated = dir.resolve("t.bin");
        Files.write(truncated, Arrays.copyOf(good, good.length - 100));
        var t = assertThrows(CheckpointException.class, () -> CheckpointIO.read(truncated));
        assertTrue(t.getMessage().contains("truncated"), t.getMessage());

        Path corrupt = dir.resolve("c.bin");
        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 0x10;
        Files.write(corrupt, flipped);
        var c = assertThrows(CheckpointException.class, () -> CheckpointIO.read(corrupt));
        assertTrue(c.getMessage().contains("CRC32C"), c.getMessage());

        Path foreign = dir.resolve("f.bin");
        Files.writeString(foreign, "definitely not a checkpoint, but long enough to have a header");
        var g = assertThrows(CheckpointException.class, () -> CheckpointIO.read(foreign));
        assertTrue(g.getMessage().contains("bad magic"), g.getMessage());

        var none = assertThrows(CheckpointException.class, () -> CheckpointIO.read(dir.resolve("nope.bin")));
        assertTrue(none.getMessage().contains("not found"), none.getMessage());
    }
}
