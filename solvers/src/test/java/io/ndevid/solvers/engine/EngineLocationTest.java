package io.ndevid.solvers.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The three libtorch routes, as far as a CPU host allows: settings and folders resolved, bad ones refused. */
class EngineLocationTest {

    @TempDir
    Path dir;

    private final Map<String, String> env = new HashMap<>();

    private EngineLocation resolve() {
        return EngineLocation.resolve(env::get, dir.resolve("cache"));
    }

    private String refused() {
        String m = assertThrows(IllegalArgumentException.class, this::resolve).getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    private Path libtorchZip(String buildVersion, boolean cuda) throws IOException {
        Path lib = Files.createDirectories(dir.resolve("libtorch/lib"));
        Files.writeString(lib.resolve("libtorch.so"), "");
        if (cuda) {
            Files.writeString(lib.resolve("libtorch_cuda.so"), "");
        }
        if (buildVersion != null) {
            Files.writeString(dir.resolve("libtorch/build-version"), buildVersion + "\n");
        }
        return lib;
    }

    @Test
    void withoutSettingsTheCpuJarIsUsed() {
        EngineLocation l = resolve();
        assertEquals("class-path", l.route());
        assertEquals("cpu", l.flavor());
        assertNull(l.libDir());
        assertEquals(Map.of(), l.properties());
    }

    @Test
    void aLocalLibtorchZipOfTheRightVersionIsUsedWithItsFlavor() throws IOException {
        Path lib = libtorchZip("2.7.1+cu128", true);
        env.put("PYTORCH_LIBRARY_PATH", lib.toString());
        EngineLocation l = resolve();
        assertEquals("PYTORCH_LIBRARY_PATH", l.route());
        assertEquals("cu128", l.flavor(), "read from build-version");
        assertEquals(Map.of("PYTORCH_LIBRARY_PATH", lib.toString(), "PYTORCH_VERSION", "2.7.1",
                "PYTORCH_FLAVOR", "cu128"), l.properties());
        env.put("PYTORCH_LIBRARY_PATH", lib.resolve("libtorch.so").toString());
        assertEquals(lib, resolve().libDir(), "the library file itself names its folder");
    }

    @Test
    void missingOrWrongLibrariesAreOneLineErrorsWithTheFix() throws IOException {
        env.put("PYTORCH_LIBRARY_PATH", dir.resolve("nowhere").toString());
        assertTrue(refused().contains(
                "no such folder; point PYTORCH_LIBRARY_PATH at the lib/ folder of libtorch 2.7.1"));
        Files.createDirectories(dir.resolve("empty"));
        env.put("PYTORCH_LIBRARY_PATH", dir.resolve("empty").toString());
        assertTrue(refused().contains("no libtorch.so there"));

        Path lib = libtorchZip("2.6.0+cu126", true);
        env.put("PYTORCH_LIBRARY_PATH", lib.toString());
        assertTrue(refused().contains("holds libtorch 2.6.0+cu126, but this build's DJL needs 2.7.1"));

        Files.writeString(dir.resolve("libtorch/build-version"), "2.7.1+cu126");
        assertTrue(refused().contains("PYTORCH_FLAVOR=cu126: DJL 0.36 ships JNI glue for [cpu, cu128] only"));

        Files.delete(dir.resolve("libtorch/build-version"));
        assertTrue(refused().contains("CUDA libtorch of unknown CUDA version; set PYTORCH_FLAVOR=cu128"));
        env.put("PYTORCH_FLAVOR", "cu128");
        assertEquals("cu128", resolve().flavor());
        env.put("PYTORCH_VERSION", "2.5.1");
        assertTrue(refused().contains("PYTORCH_VERSION=2.5.1: this build's DJL needs libtorch 2.7.1"));
    }

    @Test
    void anInstalledTorchsLibFolderIsUsedWithoutItsPythonBindings() throws IOException {
        Path torch = Files.createDirectories(dir.resolve("site-packages/torch"));
        Path lib = Files.createDirectories(torch.resolve("lib"));
        for (String f : new String[] {"libtorch.so", "libtorch_cuda.so", "libc10.so", "libtorch_python.so",
            "libshm.so"}) {
            Files.writeString(lib.resolve(f), "");
        }
        Files.writeString(torch.resolve("version.py"), "__version__ = '2.7.1+cu128'\ngit_version = 'e2d141d'\n");
        env.put("PYTORCH_LIBRARY_PATH", lib.toString());
        EngineLocation l = resolve();
        assertEquals("cu128", l.flavor());
        assertEquals("libshm.so,libtorch_python.so", l.properties().get("PYTORCH_LIBRARY_EXCLUSION"));
        Files.writeString(torch.resolve("version.py"), "__version__ = '2.8.0+cu128'\n");
        assertTrue(refused().contains("holds libtorch 2.8.0+cu128"));
    }

    @Test
    void aFetchedLibtorchCountsOnlyOnceComplete() throws IOException {
        Path fetched = Files.createDirectories(EngineLocation.fetchedDir(dir.resolve("cache"), "cu128"));
        assertEquals(dir.resolve("cache/pytorch/2.7.1-cu128-linux-x86_64"), fetched, "DJL's own cache layout");
        Files.writeString(fetched.resolve("libtorch.so"), "");
        assertEquals("class-path", resolve().route(), "no marker: an unfinished download");
        Files.writeString(fetched.resolve(EngineLocation.FETCH_MARKER), "done");
        EngineLocation l = resolve();
        assertEquals("fetched", l.route());
        assertEquals("cu128", l.properties().get("PYTORCH_FLAVOR"));
        assertEquals(fetched.toString(), l.properties().get("PYTORCH_LIBRARY_PATH"));
        env.put("PYTORCH_LIBRARY_PATH", libtorchZip("2.7.1", false).toString());
        assertEquals("PYTORCH_LIBRARY_PATH", resolve().route(), "an explicit library wins");
        assertEquals("cpu", resolve().flavor());
    }

    @Test
    void fetchDownloadsTheFlavorsLibrariesFromAMirrorAndMarksThemDone() throws IOException {
        Path mirror = Files.createDirectories(dir.resolve("mirror"));
        Files.writeString(mirror.resolve("files.txt"), String.join("\n",
                "cpu/linux-x86_64/native/lib/libtorch.so.gz", "cu128/linux-x86_64/native/lib/libtorch.so.gz",
                "cu128/linux-x86_64/native/lib/libc10_cuda.so.gz", "cu128/win-x86_64/native/lib/torch.dll.gz") + "\n");
        gz(mirror.resolve("cu128/linux-x86_64/native/lib/libtorch.so.gz"), "torch-cu128");
        gz(mirror.resolve("cu128/linux-x86_64/native/lib/libc10_cuda.so.gz"), "c10-cuda");
        StringWriter log = new StringWriter();
        Path got = LibtorchFetch.fetch("cu128", mirror.toUri().toString(), dir.resolve("cache"), new PrintWriter(log));
        assertEquals(EngineLocation.fetchedDir(dir.resolve("cache"), "cu128"), got);
        assertEquals("torch-cu128", Files.readString(got.resolve("libtorch.so")));
        assertEquals("c10-cuda", Files.readString(got.resolve("libc10_cuda.so")));
        assertTrue(Files.exists(got.resolve(EngineLocation.FETCH_MARKER)));
        assertEquals("fetched", resolve().route());
        assertTrue(log.toString().contains("libc10_cuda.so.gz"), log.toString());

        assertThrows(IllegalArgumentException.class, () -> LibtorchFetch.fetch("cu121", mirror.toUri().toString(),
                dir.resolve("cache2"), new PrintWriter(log)));
        Files.delete(mirror.resolve("cu128/linux-x86_64/native/lib/libc10_cuda.so.gz"));
        assertThrows(IOException.class, () -> LibtorchFetch.fetch("cu128", mirror.toUri().toString(),
                dir.resolve("cache3"), new PrintWriter(log)));
        assertFalse(Files.exists(EngineLocation.fetchedDir(dir.resolve("cache3"), "cu128")), "nothing half-written");
    }

    private static void gz(Path p, String content) throws IOException {
        Files.createDirectories(p.getParent());
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(p))) {
            o.write(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
