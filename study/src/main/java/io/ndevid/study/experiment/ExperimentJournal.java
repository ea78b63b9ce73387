package io.ndevid.study.experiment;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ndevid.training.run.EpochFence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An experiment's append-only journal, {@code <experiment>/journal.jsonl}: one {@link JournalEvent} per line as
 * JSON, the first a {@link JournalEvent.Submitted}. Each {@link #record} writes the whole line in one write and
 * forces it to disk before the state changes, so a crash loses at most the line being written. A group commit
 * {@link #append}s several lines and {@link #force}s them once; its caller acts on none of them before that.
 *
 * <p>{@link #open} replays the lines into an {@link ExperimentState}. A last line that is cut short or unreadable
 * (a crash mid-write) is dropped with a warning and cut off the file, so that the next line starts clean; an
 * unreadable line anywhere else means the file was damaged and is an error — guessing would re-run or lose trials.
 *
 * <p>Fenced ({@link #create(Path, JournalEvent.Submitted, EpochFence)}, {@link #open(Path, EpochFence)}): every
 * append first checks the writer's epoch — the coordinator's incarnation — and is refused with
 * {@link EpochFence.FencedException} once a newer coordinator has claimed one, so a paused-then-resumed old
 * coordinator cannot append after its successor took over (docs/FAULTS.md). Each line of a fenced journal carries
 * its writer's epoch ({@code "epoch": N}); replay drops a line whose epoch is older than one already seen — the one
 * write a stale coordinator could slip between its check and its append — with a warning.
 */
public final class ExperimentJournal implements AutoCloseable {

    public static final String FILE = "journal.jsonl";

    private static final Logger LOG = LoggerFactory.getLogger(ExperimentJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Reads a line straight into its event, skipping the writer's epoch (which {@link #epochOf} takes out in a
     * streaming pass): one data-bind per line instead of a tree and a tree-to-value conversion, the bulk of a replay.
     */
    private static final ObjectMapper READ = new ObjectMapper().addMixIn(JournalEvent.class, SkipEpoch.class);

    @JsonIgnoreProperties({EPOCH})
    private interface SkipEpoch {}
    /** The field of a journal line holding its writer's epoch (absent: an unfenced writer, epoch 0). */
    public static final String EPOCH = "epoch";

    private final Path file;
    private final FileChannel channel;
    private final ExperimentState state;
    private final List<String> warnings;
    private final int replayed;
    /** The writer's epoch, checked before every append; null: not fenced (one-process tools and tests). */
    private final EpochFence fence;
    /** Whether {@link #append} wrote lines that are not forced yet. */
    private boolean unforced;

    private ExperimentJournal(Path file, FileChannel channel, ExperimentState state, List<String> warnings,
                              int replayed, EpochFence fence) {
        this.fence = fence;
        this.file = file;
        this.channel = channel;
        this.state = state;
        this.warnings = List.copyOf(warnings);
        this.replayed = replayed;
    }

    public static Path fileIn(Path experimentDir) {
        return experimentDir.resolve(FILE);
    }

    /** Starts the journal of a new experiment, unfenced; refuses a folder that already has one. */
    public static ExperimentJournal create(Path experimentDir, JournalEvent.Submitted submitted) {
        return create(experimentDir, submitted, null);
    }

    /** Starts the journal of a new experiment, every append fenced by {@code fence} (null: none). */
    public static ExperimentJournal create(Path experimentDir, JournalEvent.Submitted submitted, EpochFence fence) {
        Path file = fileIn(experimentDir);
        if (fence != null) {
            fence.check();
        }
        try {
            Files.createDirectories(experimentDir);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            ExperimentJournal j = new ExperimentJournal(file, ch, ExperimentState.submitted(submitted), List.of(), 0,
                    fence);
            j.write(submitted, true);
            forceDirectory(experimentDir);
            return j;
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException("experiment folder " + experimentDir + " already has a journal");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create journal " + file + ": " + e.getMessage(), e);
        }
    }

    /** Replays an existing journal and opens it for appending, unfenced. */
    public static ExperimentJournal open(Path experimentDir) {
        return open(experimentDir, null);
    }

    /**
     * Replays an existing journal and opens it for appending, every append (and the repair of a cut-off last line)
     * fenced by {@code fence} (null: none).
     */
    public static ExperimentJournal open(Path experimentDir, EpochFence fence) {
        Path file = fileIn(experimentDir);
        try {
            byte[] all = Files.readAllBytes(file);
            Parsed parsed = parse(file, all);
            ExperimentState state = parsed.replay();
            long good = parsed.goodBytes();
            if (fence != null && (good < all.length || (good > 0 && all[(int) good - 1] != '\n'))) {
                fence.check();
            }
            FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE);
            if (good < all.length) {
                ch.truncate(good);
                ch.force(true);
            }
            if (good > 0 && all[(int) good - 1] != '\n') {
                ch.position(good);
                writeFully(ch, ByteBuffer.wrap(new byte[] {'\n'}));
                ch.force(false);
            }
            ch.position(ch.size());
            parsed.warnings().forEach(LOG::warn);
            return new ExperimentJournal(file, ch, state, parsed.warnings(), parsed.events().size(), fence);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read journal " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The events of an experiment's journal, read without opening it for writing (the coordinator may be appending):
     * the same rules as {@link #open} — a cut-off last line is left out, an unreadable line elsewhere is an error.
     */
    public static List<JournalEvent> read(Path experimentDir) {
        Path file = fileIn(experimentDir);
        try {
            return parse(file, Files.readAllBytes(file)).events();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read journal " + file + ": " + e.getMessage(), e);
        }
    }

    /** The state the events define (the first must be {@link JournalEvent.Submitted}). */
    public static ExperimentState replay(List<JournalEvent> events) {
        ExperimentState state = ExperimentState.submitted((JournalEvent.Submitted) events.get(0));
        events.subList(1, events.size()).forEach(state::apply);
        return state;
    }

    /** A journal's readable events, what was dropped, and how many bytes of complete lines they took. */
    private record Parsed(List<JournalEvent> events, List<String> warnings, long goodBytes) {
        ExperimentState replay() {
            return ExperimentJournal.replay(events);
        }
    }

    private static Parsed parse(Path file, byte[] all) {
        List<String> warnings = new ArrayList<>();
        List<JournalEvent> events = new ArrayList<>();
        long good = 0; // bytes of complete, readable lines
        long newestEpoch = 0;
        int lineNo = 0;
        int pos = 0;
        while (pos < all.length) {
            int nl = indexOf(all, (byte) '\n', pos);
            boolean terminated = nl >= 0;
            int end = terminated ? nl : all.length;
            lineNo++;
            boolean last = !terminated || isBlank(all, end + 1, all.length);
            if (isBlank(all, pos, end)) {
                pos = end + 1;
                if (terminated) {
                    good = pos;
                }
                continue;
            }
            JournalEvent e;
            long epoch;
            try {
                epoch = epochOf(all, pos, end - pos);
                e = READ.readValue(all, pos, end - pos, JournalEvent.class);
            } catch (JsonProcessingException ex) {
                if (last) {
                    warnings.add("journal " + file + ": dropped the unreadable last line " + lineNo + " ("
                            + (terminated ? "" : "cut short, ") + ex.getOriginalMessage() + ")");
                    break;
                }
                throw new IllegalStateException("journal " + file + " line " + lineNo + " is unreadable and is not "
                        + "the last line: the file is damaged; refusing to guess (" + ex.getOriginalMessage()
                        + ")");
            } catch (IOException ex) { // reading an array in memory: only a parse error above is expected
                throw new UncheckedIOException("journal " + file + " line " + lineNo + ": " + ex.getMessage(), ex);
            }
            if (events.isEmpty() && !(e instanceof JournalEvent.Submitted)) {
                throw new IllegalStateException("journal " + file + " does not start with a submitted event");
            }
            if (epoch < newestEpoch) {
                warnings.add("journal " + file + ": dropped line " + lineNo + ", appended by coordinator epoch " + epoch
                        + " after epoch " + newestEpoch + " took over (a fenced-off writer)");
            } else {
                newestEpoch = epoch;
                events.add(e);
            }
            pos = terminated ? end + 1 : end;
            good = pos;
        }
        if (events.isEmpty()) {
            throw new IllegalStateException("journal " + file + " holds no readable submitted event");
        }
        return new Parsed(List.copyOf(events), warnings, good);
    }

    /** The top-level {@value #EPOCH} field of the JSON object in {@code bytes[off, off + len)}; 0 without one. */
    private static long epochOf(byte[] bytes, int off, int len) throws IOException {
        try (JsonParser p = JSON.getFactory().createParser(bytes, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new JsonMappingException(p, "not a JSON object");
            }
            long epoch = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (EPOCH.equals(name)) {
                    epoch = p.getValueAsLong(0);
                } else {
                    p.skipChildren();
                }
            }
            return epoch;
        }
    }

    public Path file() {
        return file;
    }

    /** The state the journal defines; only {@link #record} changes it. */
    public ExperimentState state() {
        return state;
    }

    /** What {@link #open} dropped (a cut-off last line), for the operator. */
    public List<String> warnings() {
        return warnings;
    }

    /** Events replayed by {@link #open} (0 for a new journal). */
    public int replayed() {
        return replayed;
    }

    /**
     * Writes the event durably, then applies it. Returns whether it changed the state (an event that does not fit is
     * still written: replay refuses it the same way, so the state stays a function of the file).
     */
    public synchronized boolean record(JournalEvent e) {
        write(e, true);
        unforced = false;
        return state.apply(e);
    }

    /**
     * Writes the event without forcing it to disk, then applies it — half of a group commit: whoever appends acts on
     * none of the events before {@link #force} returns. Several appends (one message's decisions) then cost one
     * fsync. Returns whether the event changed the state, as {@link #record} does.
     */
    public synchronized boolean append(JournalEvent e) {
        write(e, false);
        unforced = true;
        return state.apply(e);
    }

    /** Forces what {@link #append} wrote to disk (nothing to do when nothing was appended since). */
    public synchronized void force() {
        if (!unforced) {
            return;
        }
        try {
            channel.force(false);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot force journal " + file + " to disk: " + ex.getMessage(), ex);
        }
        unforced = false;
    }

    private void write(JournalEvent e, boolean force) {
        if (fence != null) {
            fence.check();
        }
        try {
            ObjectNode node = JSON.valueToTree(e);
            if (fence != null) {
                node.put(EPOCH, fence.epoch());
            }
            byte[] line = (JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
            writeFully(channel, ByteBuffer.wrap(line));
            if (force) {
                channel.force(false);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append to journal " + file + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing journal {}: {}", file, e.getMessage());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code a[from, to)} holds only whitespace (the lines are UTF-8 JSON: ASCII whitespace only). */
    private static boolean isBlank(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Character.isWhitespace(a[i])) {
                return false;
            }
        }
        return true;
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot open a directory; the journal itself is on disk
        }
    }
}
