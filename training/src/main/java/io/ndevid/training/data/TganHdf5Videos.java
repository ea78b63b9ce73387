package io.ndevid.training.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import io.jhdf.api.dataset.ChunkedDataset;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.object.datatype.FixedPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * UCF101 in TGAN's HDF5 layout: dataset {@code image} of shape {@code (total_frames, 3, H, W)} uint8 (64×85 in TGAN)
 * with all clips concatenated, and per clip {@code start}, {@code end} (exclusive) and {@code category}. TGAN's
 * conversion script keeps the per-clip table in a JSON file next to the HDF5 file (pandas {@code to_json}, orient
 * {@code records}: {@code [{"start":0,"end":120,"category":"ApplyEyeMakeup"}, …]}); the column orient and
 * {@code start}/{@code end}/{@code category} datasets inside the HDF5 file are read too. (Some forks pickle the
 * table instead; pickles are not read — convert them to JSON.)
 *
 * <p>A read takes a random window of {@code frames} consecutive frames of the clip, keeps the columns
 * {@code columnOffset … columnOffset + H} (TGAN: 10:74), scales as TGAN does, {@code (x − 128)/128}, and, when a smaller
 * {@code size} is asked for, averages {@code H/size × H/size} blocks. One channel means luma, 0.299R + 0.587G + 0.114B
 * (channels are taken in the order stored; TGAN's script stores RGB).
 *
 * <p>Reading uses jhdf's raw paths, not {@code getData} (which widens to nested int arrays and ran at 15–70 clips/s):
 * a contiguous {@code image} (h5py's default) is read with one positional {@link FileChannel} read per clip at the
 * dataset's address; a chunked one whose chunks hold whole frames is read chunk by chunk with
 * {@link ChunkedDataset#getDecompressedChunk}. Other chunk shapes fall back to {@code getData} (slow; logged once).
 * Measured here (2 busy cores, 64×64 RGB, 16 frames, float conversion included): contiguous ≈ 2100 clips/s, gzip-1
 * chunks of 16 frames ≈ 900 clips/s.
 */
public final class TganHdf5Videos implements VideoDataset, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TganHdf5Videos.class);

    /**
     * @param frames       frames per clip (T)
     * @param size         output height and width; must divide the stored height (64 → 64, 32 or 16)
     * @param channels     3 or 1 (luma)
     * @param columnOffset first column kept, or −1 for {@code (W − H)/2} rounded down (10 for 85 columns)
     * @param classNames   label order for string categories (e.g. from classInd.txt), or {@code null} for the sorted
     *                     distinct categories of the file
     */
    public record Options(int frames, int size, int channels, int columnOffset, List<String> classNames) {
        public Options {
            if (frames < 1 || size < 1 || (channels != 1 && channels != 3) || columnOffset < -1) {
                throw new IllegalArgumentException("bad HDF5 options: " + frames + " frames, " + size + " px, "
                        + channels + " channels, column offset " + columnOffset);
            }
            classNames = classNames == null ? null : List.copyOf(classNames);
        }

        /** 16 frames, 64 px, RGB, TGAN's centre columns, classes sorted by name. */
        public static Options defaults() {
            return new Options(16, 64, 3, -1, null);
        }

        public Options withFrames(int t) {
            return new Options(t, size, channels, columnOffset, classNames);
        }

        public Options withSize(int px) {
            return new Options(frames, px, channels, columnOffset, classNames);
        }

        public Options withChannels(int c) {
            return new Options(frames, size, c, columnOffset, classNames);
        }

        public Options withClassNames(List<String> names) {
            return new Options(frames, size, channels, columnOffset, names);
        }
    }

    /** One clip: frames {@code start … end − 1} of {@code image}. */
    public record Clip(long start, long end, int label) {}

    private final Path path;
    private final Options options;
    private final HdfFile file;
    private final Dataset image;
    private final int storedChannels;
    private final int storedHeight;
    private final int storedWidth;
    private final int frameBytes;
    private final int column;
    private final int pool;
    private final ClipShape clip;
    private final List<Clip> clips;
    private final List<String> classNames;
    private final int shortClips;
    // Raw access, one of the three.
    private final long contiguousAddress; // −1 unless contiguous
    private final int framesPerChunk; // 0 unless chunked by whole frames
    private volatile FileChannel channel;
    private volatile boolean slowPathLogged;

    private TganHdf5Videos(Path path, Path config, Options options) {
        this.path = path;
        this.options = options;
        this.file = new HdfFile(path);
        boolean ok = false;
        try {
            Node node = file.getChild("image");
            if (!(node instanceof Dataset ds)) {
                throw new DatasetException(path + " has no dataset 'image' (TGAN layout: image (frames, 3, H, W) uint8)");
            }
            this.image = ds;
            int[] dims = ds.getDimensions();
            if (dims.length != 4 || (dims[1] != 3 && dims[1] != 1)) {
                throw new DatasetException(path + ": 'image' has shape " + Arrays.toString(dims)
                        + ", expected (frames, 3, H, W)");
            }
            if (!(ds.getDataType() instanceof FixedPoint fp) || fp.getSize() != 1) {
                throw new DatasetException(path + ": 'image' must hold 8-bit integers, found " + ds.getJavaType());
            }
            storedChannels = dims[1];
            storedHeight = dims[2];
            storedWidth = dims[3];
            frameBytes = storedChannels * storedHeight * storedWidth;
            if (options.channels() == 3 && storedChannels != 3) {
                throw new DatasetException(path + ": 3 channels asked for, the file stores " + storedChannels);
            }
            column = options.columnOffset() >= 0 ? options.columnOffset() : (storedWidth - storedHeight) / 2;
            if (column + storedHeight > storedWidth) {
                throw new DatasetException(path + ": columns " + column + "…" + (column + storedHeight)
                        + " do not fit in width " + storedWidth);
            }
            if (storedHeight % options.size() != 0) {
                throw new DatasetException(path + ": frame size " + options.size() + " must divide the stored height "
                        + storedHeight);
            }
            pool = storedHeight / options.size();
            clip = new ClipShape(options.channels(), options.frames(), options.size(), options.size());

            // Raw access route.
            long address = -1;
            int perChunk = 0;
            if (ds instanceof ContiguousDataset cd) {
                address = cd.getDataAddress() + file.getUserBlockSize();
                channel = FileChannel.open(path, StandardOpenOption.READ);
            } else if (ds instanceof ChunkedDataset chd) {
                int[] cdims = chd.getChunkDimensions();
                if (cdims[1] == dims[1] && cdims[2] == dims[2] && cdims[3] == dims[3]) {
                    perChunk = cdims[0];
                }
            }
            contiguousAddress = address;
            framesPerChunk = perChunk;

            Table table = readTable(path, config, file, options.classNames());
            classNames = table.classNames;
            List<Clip> usable = new ArrayList<>();
            int tooShort = 0;
            for (Clip c : table.clips) {
                if (c.start() < 0 || c.end() > dims[0] || c.end() < c.start()) {
                    throw new DatasetException(path + ": clip " + c + " lies outside image's " + dims[0] + " frames");
                }
                if (c.end() - c.start() >= options.frames()) {
                    usable.add(c);
                } else {
                    tooShort++;
                }
            }
            if (usable.isEmpty()) {
                throw new DatasetException(path + ": no clip has " + options.frames() + " frames");
            }
            if (tooShort > 0) {
                LOG.warn("{}: {} of {} clips are shorter than {} frames and are left out", path, tooShort,
                        table.clips.size(), options.frames());
            }
            clips = List.copyOf(usable);
            shortClips = tooShort;
            ok = true;
        } catch (IOException e) {
            throw new DatasetException("cannot open " + path + ": " + e.getMessage(), e);
        } finally {
            if (!ok) {
                closeQuietly();
            }
        }
    }

    /**
     * Opens a TGAN-style HDF5 file.
     *
     * @param h5     the HDF5 file (e.g. {@code train.h5})
     * @param config the per-clip JSON table, or {@code null}: then {@code <h5 name without .h5>.json} beside it if it
     *               exists, else {@code start}/{@code end}/{@code category} datasets inside the HDF5 file
     * @throws DatasetException if a file is missing or not in the expected layout
     */
    public static TganHdf5Videos open(Path h5, Path config, Options options) {
        if (!Files.isRegularFile(h5)) {
            throw new DatasetException("TGAN HDF5 file not found: " + h5.toAbsolutePath()
                    + " (expected e.g. train.h5 with dataset image (frames, 3, 64, 85) uint8 and train.json beside it)");
        }
        if (config != null && !Files.isRegularFile(config)) {
            throw new DatasetException("TGAN clip table not found: " + config.toAbsolutePath());
        }
        return new TganHdf5Videos(h5, config, options);
    }

    private record Table(List<Clip> clips, List<String> classNames) {}

    private static Table readTable(Path h5, Path config, HdfFile file, List<String> given) throws IOException {
        List<long[]> ranges = new ArrayList<>();
        List<Object> categories = new ArrayList<>();
        Path json = config;
        if (json == null) {
            String name = h5.getFileName().toString();
            Path beside = h5.resolveSibling((name.endsWith(".h5") ? name.substring(0, name.length() - 3) : name)
                    + ".json");
            json = Files.isRegularFile(beside) ? beside : null;
        }
        if (json != null) {
            JsonNode root = new ObjectMapper().readTree(json.toFile());
            if (root.isArray()) { // orient="records"
                for (JsonNode row : root) {
                    ranges.add(new long[] {row.path("start").asLong(-1), row.path("end").asLong(-1)});
                    categories.add(category(row.get("category")));
                }
            } else if (root.isObject() && root.has("start") && root.has("end")) { // orient="columns"
                List<String> keys = new ArrayList<>();
                root.get("start").fieldNames().forEachRemaining(keys::add);
                keys.sort((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
                for (String k : keys) {
                    ranges.add(new long[] {root.get("start").path(k).asLong(-1), root.get("end").path(k).asLong(-1)});
                    categories.add(root.has("category") ? category(root.get("category").get(k)) : null);
                }
            } else {
                throw new DatasetException(json + ": expected a pandas table of start/end/category (orient records "
                        + "or columns)");
            }
            for (long[] r : ranges) {
                if (r[0] < 0 || r[1] < 0) {
                    throw new DatasetException(json + ": every clip needs integer 'start' and 'end'");
                }
            }
        } else {
            if (!(file.getChild("start") instanceof Dataset s) || !(file.getChild("end") instanceof Dataset e)) {
                throw new DatasetException("no clip table for " + h5 + ": neither " + h5.getFileName()
                        .toString().replaceAll("\\.h5$", "") + ".json beside it nor start/end datasets inside it");
            }
            long[] starts = longs(s.getDataFlat());
            long[] ends = longs(e.getDataFlat());
            if (starts.length != ends.length) {
                throw new DatasetException(h5 + ": start and end have different lengths");
            }
            Object cats = null;
            Node c = file.getChild("category");
            if (c == null) {
                c = file.getChild("label");
            }
            if (c instanceof Dataset cd) {
                cats = cd.getDataFlat();
            }
            for (int i = 0; i < starts.length; i++) {
                ranges.add(new long[] {starts[i], ends[i]});
                categories.add(cats == null ? null : category(Array.get(cats, i)));
            }
        }
        // Labels: integers as they are; names through the given class list, else sorted distinct names.
        boolean anyName = categories.stream().anyMatch(o -> o instanceof String);
        boolean anyMissing = categories.stream().anyMatch(o -> o == null);
        List<String> names;
        Map<String, Integer> index = new HashMap<>();
        if (anyMissing) {
            names = List.of();
        } else if (anyName) {
            names = given != null ? given : new ArrayList<>(new TreeSet<>(categories.stream().map(Object::toString)
                    .toList()));
            for (int i = 0; i < names.size(); i++) {
                index.put(names.get(i).toLowerCase(Locale.ROOT), i);
            }
        } else {
            int max = categories.stream().mapToInt(o -> ((Long) o).intValue()).max().orElse(-1);
            names = given != null ? given : java.util.stream.IntStream.rangeClosed(0, max)
                    .mapToObj(Integer::toString).toList();
        }
        List<Clip> clips = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            Object cat = categories.get(i);
            int label;
            if (anyMissing) {
                label = -1;
            } else if (cat instanceof String s) {
                Integer l = index.get(s.toLowerCase(Locale.ROOT));
                if (l == null) {
                    throw new DatasetException(h5 + ": category '" + s + "' is not among the class names " + names);
                }
                label = l;
            } else {
                label = ((Long) cat).intValue();
                if (label < 0 || label >= names.size()) {
                    throw new DatasetException(h5 + ": category " + label + " outside 0…" + (names.size() - 1));
                }
            }
            clips.add(new Clip(ranges.get(i)[0], ranges.get(i)[1], label));
        }
        return new Table(clips, names);
    }

    /** A category as a String, a Long, or null. */
    private static Object category(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof JsonNode j) {
            if (j.isNull()) {
                return null;
            }
            return j.isIntegralNumber() ? (Object) j.asLong() : j.asText();
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        return v.toString().strip();
    }

    private static long[] longs(Object flat) {
        long[] out = new long[Array.getLength(flat)];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) Array.get(flat, i)).longValue();
        }
        return out;
    }

    @Override
    public String name() {
        String stem = path.getFileName().toString().replaceAll("\\.h5$", "");
        return String.format(Locale.ROOT, "tgan-h5-%s-%dpx-%dch-%df", stem, options.size(), options.channels(),
                options.frames());
    }

    @Override
    public int size() {
        return clips.size();
    }

    @Override
    public ClipShape clipShape() {
        return clip;
    }

    @Override
    public int numClasses() {
        return classNames.size();
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    public List<Clip> clips() {
        return clips;
    }

    /** Clips left out for being shorter than the window. */
    public int shortClips() {
        return shortClips;
    }

    /** How {@code image} is read: {@code contiguous}, {@code chunked} or {@code getData (slow)}. */
    public String readPath() {
        return contiguousAddress >= 0 ? "contiguous" : framesPerChunk > 0 ? "chunked" : "getData (slow)";
    }

    @Override
    public int readClip(int index, SplittableRandom rng, float[] dst, int offset) {
        Clip c = clips.get(index);
        int t = options.frames();
        long first = c.start() + rng.nextInt((int) (c.end() - c.start()) - t + 1);
        byte[] raw = readFrames(first, t);
        int h = storedHeight;
        int w = storedWidth;
        int s = options.size();
        int plane = s * s;
        float norm = 1f / (128f * pool * pool);
        if (pool == 1 && options.channels() == storedChannels) { // the common case: a straight crop and rescale
            for (int f = 0; f < t; f++) {
                for (int ch = 0; ch < storedChannels; ch++) {
                    int out = offset + (ch * t + f) * plane;
                    int in = f * frameBytes + ch * h * w + column;
                    for (int y = 0; y < s; y++, out += s, in += w) {
                        for (int x = 0; x < s; x++) {
                            dst[out + x] = ((raw[in + x] & 0xFF) - 128) * norm;
                        }
                    }
                }
            }
            return c.label();
        }
        for (int f = 0; f < t; f++) {
            int frameBase = f * frameBytes;
            for (int ch = 0; ch < options.channels(); ch++) {
                int out = offset + (ch * t + f) * plane;
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) {
                        float sum = 0;
                        for (int dy = 0; dy < pool; dy++) {
                            int row = (y * pool + dy) * w + column + x * pool;
                            for (int dx = 0; dx < pool; dx++) {
                                sum += options.channels() == 3
                                        ? (raw[frameBase + (ch * h) * w + row + dx] & 0xFF) - 128
                                        : luma(raw, frameBase, h * w, row + dx) - 128;
                            }
                        }
                        dst[out + y * s + x] = sum * norm;
                    }
                }
            }
        }
        return c.label();
    }

    private float luma(byte[] raw, int frameBase, int planeSize, int pos) {
        if (storedChannels == 1) {
            return raw[frameBase + pos] & 0xFF;
        }
        return 0.299f * (raw[frameBase + pos] & 0xFF) + 0.587f * (raw[frameBase + planeSize + pos] & 0xFF)
                + 0.114f * (raw[frameBase + 2 * planeSize + pos] & 0xFF);
    }

    /** Frames {@code first … first + count − 1} of {@code image}, {@code (count, C, H, W)} bytes. */
    private byte[] readFrames(long first, int count) {
        byte[] out = new byte[count * frameBytes];
        try {
            if (contiguousAddress >= 0) {
                readContiguous(contiguousAddress + first * frameBytes, out);
            } else if (framesPerChunk > 0) {
                readChunked(first, count, out);
            } else {
                readSlow(first, count, out);
            }
        } catch (IOException e) {
            throw new DatasetException("cannot read frames " + first + "…" + (first + count - 1) + " of " + path
                    + ": " + e.getMessage(), e);
        }
        return out;
    }

    private void readContiguous(long position, byte[] out) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                ByteBuffer buf = ByteBuffer.wrap(out);
                FileChannel ch = channel;
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, position + buf.position());
                    if (n < 0) {
                        throw new IOException("unexpected end of file");
                    }
                }
                return;
            } catch (ClosedChannelException e) {
                // An interrupt of some reading thread closes a FileChannel for every user: reopen once.
                if (attempt > 0 || !file.getFile().exists()) {
                    throw e;
                }
                synchronized (this) {
                    if (!channel.isOpen()) {
                        channel = FileChannel.open(path, StandardOpenOption.READ);
                    }
                }
            }
        }
    }

    private void readChunked(long first, int count, byte[] out) {
        ChunkedDataset chunked = (ChunkedDataset) image;
        long f = first;
        int written = 0;
        while (written < count) {
            long chunkStart = (f / framesPerChunk) * framesPerChunk;
            byte[] chunk;
            synchronized (this) { // jhdf's chunk cache is not documented as thread-safe
                chunk = chunked.getDecompressedChunk(new int[] {(int) chunkStart, 0, 0, 0});
            }
            int from = (int) (f - chunkStart);
            int n = Math.min(count - written, framesPerChunk - from);
            System.arraycopy(chunk, from * frameBytes, out, written * frameBytes, n * frameBytes);
            written += n;
            f += n;
        }
    }

    private void readSlow(long first, int count, byte[] out) {
        if (!slowPathLogged) {
            slowPathLogged = true;
            LOG.info("{}: 'image' is chunked across frames; reading with jhdf getData (slow)", path);
        }
        Object data;
        synchronized (this) {
            data = image.getData(new long[] {first, 0, 0, 0},
                    new int[] {count, storedChannels, storedHeight, storedWidth});
        }
        int[] pos = {0};
        flatten(data, out, pos);
    }

    private static void flatten(Object data, byte[] out, int[] pos) {
        if (data.getClass().isArray() && data.getClass().getComponentType().isArray()) {
            for (int i = 0; i < Array.getLength(data); i++) {
                flatten(Array.get(data, i), out, pos);
            }
        } else {
            int n = Array.getLength(data);
            for (int i = 0; i < n; i++) {
                out[pos[0]++] = (byte) ((Number) Array.get(data, i)).intValue();
            }
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            LOG.debug("closing {}: {}", path, e.toString());
        }
        file.close();
    }
}
