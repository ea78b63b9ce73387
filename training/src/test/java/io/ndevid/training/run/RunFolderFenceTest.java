package io.ndevid.training.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A run folder opened under attempt 1 refuses every write once attempt 2 claimed it; attempt 2's folder writes. */
class RunFolderFenceTest {

    @TempDir
    Path dir;

    @Test
    void anEarlierAttemptsWritesAreRefusedOnceANewerOneClaimedTheFolder() throws Exception {
        RunFolder.claimAttempt(dir, 1);
        RunFolder first = new RunFolder(dir);
        assertEquals(1, first.attempt());
        Files.createDirectories(first.checkpoints());
        first.writeStatus("running", 4, "");
        first.appendStats(Map.of("iteration", 3));

        RunFolder.claimAttempt(dir, 2);
        RunFolder second = new RunFolder(dir);
        assertEquals(2, second.attempt());
        second.writeStatus("running", 4, "resumed");
        second.appendStats(Map.of("iteration", 4));
        byte[] status = Files.readAllBytes(dir.resolve("status.json"));
        byte[] stats = Files.readAllBytes(second.stats());

        var refused = assertThrows(EpochFence.FencedException.class, () -> first.writeStatus("stopped", 5, ""));
        assertEquals(1, refused.epoch());
        assertEquals(2, refused.newest());
        assertThrows(EpochFence.FencedException.class, () -> first.appendStats(Map.of("iteration", 5)));
        assertThrows(EpochFence.FencedException.class, first::checkFence);
        assertThrows(EpochFence.FencedException.class, () -> first.prune(1));
        assertArrayEquals(status, Files.readAllBytes(dir.resolve("status.json")), "status.json is attempt 2's");
        assertArrayEquals(stats, Files.readAllBytes(second.stats()), "stats.jsonl has no line of attempt 1's");
        assertFalse(Files.exists(first.checkpoint(5)));
        // a stale trainer cannot claim the folder back either
        assertThrows(EpochFence.FencedException.class, () -> RunFolder.claimAttempt(dir, 1));
        second.checkFence();
    }

    @Test
    void aFolderNoAttemptClaimedIsOpenForOneProcessTraining() {
        RunFolder r = new RunFolder(dir);
        assertEquals(0, r.attempt());
        r.writeStatus("running", 0, "");
        RunFolder.claimAttempt(dir, 1);
        assertThrows(EpochFence.FencedException.class, () -> r.writeStatus("running", 1, ""),
                "a cluster attempt took the folder over");
    }
}
