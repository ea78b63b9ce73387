package io.ndevid.training.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A trial's folder, laid out like StyleGAN2-ADA's: {@code spec.json} (full spec + provenance), {@code stats.jsonl}
 * (one JSON object per logged iteration), {@code status.json}, {@code samples/fakes-<iter>.gif},
 * {@code checkpoints/ckpt-<iter>.bin} (the last few kept) and {@code checkpoints/best.bin}.
 *
 * <p>Fenced by attempt: on a cluster each attempt of a trial claims its number in {@code .fence/} before it opens
 * the folder ({@link #claimAttempt}); a RunFolder follows the newest attempt when it was opened and refuses every
 * write ({@link EpochFence.FencedException}) once a newer attempt claimed the folder — so a paused-then-resumed
 * trainer whose trial was re-assigned cannot write into the new attempt's checkpoints, stats or status. Writers of
 * other files in the folder call {@link #checkFence} first.
 */
public final class RunFolder {

    private static final Pattern CKPT = Pattern.compile("ckpt-(\\d+)\\.bin");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String FENCE_DIR = ".fence";
    private static final String ATTEMPT = "attempt";

    private final Path dir;
    /** The newest attempt when this folder was opened (0: none claimed, e.g. one-process training). */
    private final EpochFence fence;

    public RunFolder(Path dir) {
        this.dir = dir;
        this.fence = EpochFence.newestOf(dir.resolve(FENCE_DIR), ATTEMPT);
    }

    /**
     * Claims attempt {@code attempt} of the trial in run folder {@code dir} (before its executor opens it): earlier
     * attempts' writers are fenced off from then on. Refused when a newer attempt already claimed it.
     */
    public static EpochFence claimAttempt(Path dir, int attempt) {
        return EpochFence.claim(dir.resolve(FENCE_DIR), ATTEMPT, attempt);
    }

    /** The attempt this folder was opened under (0: none). */
    public long attempt() {
        return fence.epoch();
    }

    /** Before a write into this folder: refused when a newer attempt than the one it was opened under exists. */
    public void checkFence() {
        fence.check();
    }

    public Path dir() {
        return dir;
    }

    public Path samples() {
        return dir.resolve("samples");
    }

    public Path checkpoints() {
        return dir.resolve("checkpoints");
    }

    public Path checkpoint(long iteration) {
        return checkpoints().resolve(String.format("ckpt-%09d.bin", iteration));
    }

    public Path bestCheckpoint() {
        return checkpoints().resolve("best.bin");
    }

    public Path stats() {
        return dir.resolve("stats.jsonl");
    }

    public Path specFile() {
        return dir.resolve("spec.json");
    }

    /** Creates the folders and writes spec.json with provenance; refuses a folder that holds another trial. */
    public void create(TrialSpec spec, Map<String, Object> provenance) {
        checkFence();
        try {
            Files.createDirectories(samples());
            Files.createDirectories(checkpoints());
            if (Files.exists(specFile())) {
                TrialSpec existing = SpecIO.json().treeToValue(SpecIO.json().readTree(specFile().toFile()).get("spec"),
                        TrialSpec.class);
                if (!existing.equals(spec)) {
                    throw new IllegalArgumentException("run folder " + dir + " already holds a different trial ("
                            + existing.name() + "); choose another --out or resume with the same spec");
                }
                return;
            }
            ObjectNode root = JSON.createObjectNode();
            root.set("spec", SpecIO.json().valueToTree(spec));
            root.set("provenance", JSON.valueToTree(provenance));
            Files.writeString(specFile(), SpecIO.json().writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Appends one line to stats.jsonl (flushed: a crash loses at most the line being written). */
    public synchronized void appendStats(Map<String, Object> line) {
        appendJsonLine(stats(), line);
    }

    public void appendJsonLine(Path file, Map<String, Object> line) {
        checkFence();
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            w.write(JSON.writeValueAsString(line));
            w.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes status.json: state (running, completed, diverged, failed), iteration, message. */
    public void writeStatus(String state, long iteration, String message) {
        checkFence();
        try {
            ObjectNode s = JSON.createObjectNode();
            s.put("state", state);
            s.put("iteration", iteration);
            s.put("message", message);
            s.put("time", java.time.Instant.now().toString());
            Path tmp = dir.resolve("status.json.tmp");
            Files.writeString(tmp, JSON.writeValueAsString(s));
            Files.move(tmp, dir.resolve("status.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write status of " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Keeps only the lines of a JSON-lines log whose {@code field} is ≤ {@code lastKept} (rewritten atomically); a
     * missing file is left missing. Used on resume so a log never holds an iteration twice.
     */
    public void truncateLog(Path file, String field, long lastKept) {
        if (!Files.exists(file)) {
            return;
        }
        checkFence();
        try {
            java.util.List<String> keep = new java.util.ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    var node = JSON.readTree(line);
                    if (node.has(field) && node.get(field).asLong() > lastKept) {
                        continue;
                    }
                } catch (IOException torn) {
                    continue; // a line cut short by a crash
                }
                keep.add(line);
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, keep, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + file + ": " + e.getMessage(), e);
        }
    }

    /** The newest periodic checkpoint, if any. */
    public Optional<Path> latestCheckpoint() {
        if (!Files.isDirectory(checkpoints())) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(checkpoints())) {
            return files.filter(p -> CKPT.matcher(p.getFileName().toString()).matches())
                    .max(Comparator.comparingLong(RunFolder::iterationOf));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes all but the newest {@code keep} periodic checkpoints. */
    public void prune(int keep) {
        checkFence();
        try (Stream<Path> files = Files.list(checkpoints())) {
            var all = files.filter(p -> CKPT.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(RunFolder::iterationOf).reversed()).toList();
            for (int i = keep; i < all.size(); i++) {
                Files.deleteIfExists(all.get(i));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long iterationOf(Path p) {
        Matcher m = CKPT.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
