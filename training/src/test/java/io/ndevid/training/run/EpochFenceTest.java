package io.ndevid.training.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpochFenceTest {

    @TempDir
    Path dir;

    @Test
    void aNewIncarnationFencesOffTheOldOne() {
        EpochFence first = EpochFence.claimNext(dir, "coordinator");
        assertEquals(1, first.epoch());
        first.check();
        assertFalse(first.superseded());
        EpochFence second = EpochFence.claimNext(dir, "coordinator");
        assertEquals(2, second.epoch());
        second.check();
        assertTrue(first.superseded());
        var e = assertThrows(EpochFence.FencedException.class, first::check);
        assertEquals(1, e.epoch());
        assertEquals(2, e.newest());
        assertTrue(e.getMessage().contains("coordinator epoch 1 is fenced off: epoch 2 exists"), e.getMessage());
        assertTrue(Files.exists(dir.resolve("coordinator.2")));
    }

    @Test
    void namesAreFencedSeparately() {
        EpochFence a = EpochFence.claimNext(dir, "attempt");
        EpochFence.claimNext(dir, "coordinator");
        EpochFence.claimNext(dir, "coordinator");
        a.check();
        assertEquals(1, a.newest());
    }

    @Test
    void aGivenEpochIsRefusedWhenANewerOneExistsAndMayBeHeldAgain() {
        EpochFence.claim(dir, "attempt", 3).check();
        // the same attempt again (its trainer restarted): still the newest, allowed
        EpochFence again = EpochFence.claim(dir, "attempt", 3);
        again.check();
        var stale = assertThrows(EpochFence.FencedException.class, () -> EpochFence.claim(dir, "attempt", 2));
        assertEquals(3, stale.newest());
        EpochFence.claim(dir, "attempt", 5);
        assertThrows(EpochFence.FencedException.class, again::check);
        assertThrows(IllegalArgumentException.class, () -> EpochFence.claim(dir, "attempt", 0));
        assertThrows(IllegalArgumentException.class, () -> EpochFence.claimNext(dir, "../x"));
    }

    @Test
    void concurrentIncarnationsNeverShareAnEpoch() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> claims = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                claims.add(pool.submit(() -> EpochFence.claimNext(dir, "coordinator").epoch()));
            }
            Set<Long> epochs = new TreeSet<>();
            for (Future<Long> f : claims) {
                assertTrue(epochs.add(f.get()), "an epoch given twice: " + epochs);
            }
            assertEquals(40, epochs.size());
            assertEquals(40L, ((TreeSet<Long>) epochs).last());
        } finally {
            pool.shutdownNow();
        }
    }
}
