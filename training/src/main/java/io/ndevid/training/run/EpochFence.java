package io.ndevid.training.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Fencing of writers to shared files by epoch: a writer holds epoch N of a name (the coordinator's incarnation, a
 * trial's attempt number) and every write it makes first {@link #check}s that no newer epoch of that name exists; a
 * writer that was paused (GC, SIGSTOP, a partition) while a newer one took over is refused instead of appending
 * after it.
 *
 * <p>Epoch N of {@code name} is the empty marker file {@code <dir>/<name>.<N>}; markers are created, never deleted,
 * so the newest epoch is the largest N there. {@link #claimNext} creates the next one with an exclusive create
 * ({@code O_CREAT|O_EXCL}), so two incarnations never hold the same epoch. What this needs from the file system —
 * exclusive create, a directory listing that shows a marker another machine created, no client-side caching of
 * directory contents — is in docs/FAULTS.md (NFS: mount with {@code lookupcache=none} or {@code actimeo=0}).
 *
 * <p>A check and the write after it are two operations: a writer that pauses between them can still land one
 * write after a newer epoch was claimed. Fencing bounds a stale writer to at most that one write; it does not make
 * the pair atomic.
 */
public final class EpochFence {

    private final Path dir;
    private final String name;
    private final long epoch;

    private EpochFence(Path dir, String name, long epoch) {
        this.dir = dir;
        this.name = name;
        this.epoch = epoch;
    }

    /** Claims the next epoch of {@code name} in {@code dir} (1 for the first): a new incarnation. */
    public static EpochFence claimNext(Path dir, String name) {
        checkName(name);
        try {
            Files.createDirectories(dir);
            while (true) {
                long next = newest(dir, name).orElse(0) + 1;
                try {
                    Files.createFile(dir.resolve(name + "." + next));
                    forceDirectory(dir);
                    return new EpochFence(dir, name, next);
                } catch (FileAlreadyExistsException raced) {
                    // another incarnation claimed it between our listing and our create: take the one after
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot claim an epoch of " + name + " in " + dir + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * Holds epoch {@code epoch} of {@code name} (e.g. attempt 3 of a trial: numbers given out by someone else),
     * creating its marker if missing; refused at once with {@link FencedException} when a newer epoch exists.
     */
    public static EpochFence claim(Path dir, String name, long epoch) {
        checkName(name);
        if (epoch < 1) {
            throw new IllegalArgumentException("epochs start at 1, got " + epoch);
        }
        try {
            Files.createDirectories(dir);
            try {
                Files.createFile(dir.resolve(name + "." + epoch));
                forceDirectory(dir);
            } catch (FileAlreadyExistsException held) {
                // this epoch's writer again (a restart of the same attempt): still only the newest may write
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot claim epoch " + epoch + " of " + name + " in " + dir + ": "
                    + e.getMessage(), e);
        }
        EpochFence f = new EpochFence(dir, name, epoch);
        f.check();
        return f;
    }

    public long epoch() {
        return epoch;
    }

    public String name() {
        return name;
    }

    /**
     * Follows whatever epoch of {@code name} is the newest now (0 when there is none yet): its writes are refused
     * once a newer one is claimed. For a writer that is handed a folder after its epoch was claimed for it.
     */
    public static EpochFence newestOf(Path dir, String name) {
        checkName(name);
        try {
            return new EpochFence(dir, name, newest(dir, name).orElse(0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the epochs of " + name + " in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** The newest epoch of this name now (at least this one's). */
    public long newest() {
        try {
            return Math.max(epoch, newest(dir, name).orElse(0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the epochs of " + name + " in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** Whether a newer epoch than this one exists. */
    public boolean superseded() {
        return newest() > epoch;
    }

    /** Before a write: throws {@link FencedException} when a newer epoch exists. */
    public void check() {
        long newest = newest();
        if (newest > epoch) {
            throw new FencedException(name, epoch, newest, dir);
        }
    }

    private static OptionalLong newest(Path dir, String name) throws IOException {
        String prefix = name + ".";
        if (Files.notExists(dir)) {
            return OptionalLong.empty(); // nothing claimed yet; anything else unreadable is an error, not "none"
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(f -> f.startsWith(prefix))
                    .map(f -> f.substring(prefix.length())).filter(n -> n.matches("[0-9]{1,18}"))
                    .mapToLong(Long::parseLong).max();
        }
    }

    private static void checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("an epoch name is 1-64 of [A-Za-z0-9_-], got '" + name + "'");
        }
    }

    /** Makes a new marker's directory entry durable (where the file system supports it). */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every file system lets a directory be opened or forced; the create itself is what fences
        }
    }

    @Override
    public String toString() {
        return name + " epoch " + epoch + " in " + dir;
    }

    /** A write refused because a newer epoch of its writer's name exists. */
    public static final class FencedException extends IllegalStateException {
        private final long epoch;
        private final long newest;

        FencedException(String name, long epoch, long newest, Path dir) {
            super(name + " epoch " + epoch + " is fenced off: epoch " + newest + " exists in " + dir
                    + " (a newer writer took over)");
            this.epoch = epoch;
            this.newest = newest;
        }

        public long epoch() {
            return epoch;
        }

        public long newest() {
            return newest;
        }
    }
}
