package io.ndevid.metrics.npy;

import io.ndevid.metrics.MetricsInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * NumPy {@code .npz} archives: a zip of {@code .npy} members, each named {@code KEY.npy} ({@code np.savez}; members
 * may be stored or deflated). Arrays are read with {@link Npy}.
 */
public final class Npz {

    private Npz() {}

    /**
     * Every array of {@code npz}, keyed by member name without {@code .npy}, in archive order.
     *
     * @throws MetricsInputException if the file is not a zip archive
     * @throws NpyFormatException    if a member is not a readable {@code .npy}
     */
    public static Map<String, NpyArray> read(Path npz) throws IOException {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        Path tmp = Files.createTempFile("ndevid-npz", ".npy");
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory() || !e.getName().endsWith(".npy")) {
                    continue;
                }
                try (InputStream in = zip.getInputStream(e)) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                out.put(e.getName().substring(0, e.getName().length() - 4), Npy.read(tmp));
            }
        } catch (ZipException z) {
            throw new MetricsInputException(npz + " is not a .npz (zip) archive: " + z.getMessage());
        } finally {
            Files.deleteIfExists(tmp);
        }
        return out;
    }

    /** Writes {@code arrays} as an uncompressed {@code .npz} ({@code np.savez}'s layout). */
    public static void write(Path npz, Map<String, NpyArray> arrays) throws IOException {
        Path tmp = Files.createTempFile("ndevid-npz", ".npy");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            for (Map.Entry<String, NpyArray> a : arrays.entrySet()) {
                Npy.write(tmp, a.getValue());
                zip.putNextEntry(new ZipEntry(a.getKey() + ".npy"));
                zip.write(Files.readAllBytes(tmp));
                zip.closeEntry();
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
