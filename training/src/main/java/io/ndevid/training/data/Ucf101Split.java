package io.ndevid.training.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * UCF101's official split lists ({@code ucfTrainTestlist/}, as UCF101TrainTestSplits-RecognitionTask.zip unpacks;
 * the spelling {@code ucfTrainTestList/} is accepted too, {@link #folderIn}): {@code classInd.txt}
 * ({@code "1 ApplyEyeMakeup"}, 1-based),
 * {@code trainlist0N.txt} ({@code "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1"}) and {@code testlist0N.txt}
 * (paths only).
 *
 * <p>The class of an entry is taken from its folder and checked against the label column when there is one. Names
 * match case-insensitively: the official files mix {@code HandstandPushups} and {@code HandStandPushups}. The files
 * have CRLF line ends; both are accepted.
 */
public final class Ucf101Split {

    /** One listed video: its path relative to the video root and its 0-based class. */
    public record Entry(String path, int label) {}

    /** The split folder's name in the official archive (lower-case l), and the other spelling in circulation. */
    public static final String FOLDER = "ucfTrainTestlist";
    public static final String FOLDER_ALT = "ucfTrainTestList";

    private final List<String> classNames;
    private final List<Entry> entries;

    /**
     * The split folder under a UCF101 root: {@value #FOLDER} if present, else {@value #FOLDER_ALT} if present, else
     * {@value #FOLDER} (for the error message of whoever opens it).
     */
    public static Path folderIn(Path root) {
        Path official = root.resolve(FOLDER);
        if (Files.isDirectory(official)) {
            return official;
        }
        Path alt = root.resolve(FOLDER_ALT);
        return Files.isDirectory(alt) ? alt : official;
    }

    private Ucf101Split(List<String> classNames, List<Entry> entries) {
        this.classNames = List.copyOf(classNames);
        this.entries = List.copyOf(entries);
    }

    /** Class names in label order (label = line number in classInd.txt − 1). */
    public List<String> classNames() {
        return classNames;
    }

    public List<Entry> entries() {
        return entries;
    }

    /**
     * Reads {@code splitDir/classInd.txt} and {@code splitDir/splitFile}.
     *
     * @throws DatasetException if a file is missing or a line cannot be understood (the message names file and line)
     */
    public static Ucf101Split read(Path splitDir, String splitFile) {
        List<String> classes = readClassIndex(splitDir.resolve("classInd.txt"));
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            byName.put(classes.get(i).toLowerCase(Locale.ROOT), i);
        }
        Path list = splitDir.resolve(splitFile);
        List<Entry> entries = new ArrayList<>();
        int lineNo = 0;
        for (String raw : lines(list, "UCF101 split list")) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+");
            String path = parts[0].replace('\\', '/');
            int slash = path.indexOf('/');
            if (slash <= 0 || parts.length > 2) {
                throw new DatasetException(list + ":" + lineNo + ": expected '<Class>/<video>.avi [label]', got '"
                        + line + "'");
            }
            Integer label = byName.get(path.substring(0, slash).toLowerCase(Locale.ROOT));
            if (label == null) {
                throw new DatasetException(list + ":" + lineNo + ": class folder '" + path.substring(0, slash)
                        + "' is not in classInd.txt");
            }
            if (parts.length == 2) {
                int listed;
                try {
                    listed = Integer.parseInt(parts[1]) - 1;
                } catch (NumberFormatException e) {
                    throw new DatasetException(list + ":" + lineNo + ": bad label '" + parts[1] + "'");
                }
                if (listed != label) {
                    throw new DatasetException(list + ":" + lineNo + ": label " + parts[1] + " disagrees with folder "
                            + path.substring(0, slash) + " (class " + (label + 1) + " in classInd.txt)");
                }
            }
            entries.add(new Entry(path, label));
        }
        if (entries.isEmpty()) {
            throw new DatasetException("UCF101 split list " + list + " lists no videos");
        }
        return new Ucf101Split(classes, entries);
    }

    private static List<String> readClassIndex(Path file) {
        List<String> classes = new ArrayList<>();
        int lineNo = 0;
        for (String raw : lines(file, "UCF101 class index")) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+");
            int index;
            try {
                index = parts.length == 2 ? Integer.parseInt(parts[0]) : -1;
            } catch (NumberFormatException e) {
                index = -1;
            }
            if (index != classes.size() + 1) {
                throw new DatasetException(file + ":" + lineNo + ": expected '" + (classes.size() + 1)
                        + " <ClassName>', got '" + line + "'");
            }
            classes.add(parts[1]);
        }
        if (classes.isEmpty()) {
            throw new DatasetException("UCF101 class index " + file + " is empty");
        }
        return classes;
    }

    private static List<String> lines(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(what + " not found: " + file.toAbsolutePath()
                    + " (expected the official ucfTrainTestlist folder: classInd.txt, trainlist01.txt, testlist01.txt, "
                    + "…)");
        }
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DatasetException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }
}
