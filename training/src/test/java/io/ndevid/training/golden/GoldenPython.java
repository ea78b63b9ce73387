package io.ndevid.training.golden;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs {@code src/test/python/golden.py} with Debian's {@code /usr/bin/python3} (python3-torch, python3-numpy;
 * {@code .ci/run} installs them) to produce golden values into a test's temp folder. Each test method calls
 * {@link #assumeAvailable()} first, so that without python3 + torch every test is reported skipped with the reason
 * (a class-level {@code @BeforeAll} only checks {@link #available()} and prepares nothing).
 */
public final class GoldenPython {

    static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final long TIMEOUT_S = 600;
    private static Boolean available;

    private GoldenPython() {}

    /** Skips the calling test, with the reason, unless python3 with torch and numpy is installed. */
    public static void assumeAvailable() {
        Assumptions.assumeTrue(available(), PYTHON + " with torch and numpy is not available (Debian: apt-get install "
                + "python3-torch python3-numpy; .ci/run installs them)");
    }

    /**
     * The tests of a {@code @TestFactory}, or without python3 + torch one test that is skipped with the reason (a
     * factory that aborts itself is not reported by Maven at all).
     */
    public static Stream<DynamicTest> dynamicTests(Supplier<Stream<DynamicTest>> tests) {
        return available() ? tests.get()
                : Stream.of(DynamicTest.dynamicTest("golden values from PyTorch", GoldenPython::assumeAvailable));
    }

    /** Whether python3 with torch and numpy is installed (checked once). */
    public static synchronized boolean available() {
        if (available == null) {
            available = Files.isExecutable(PYTHON) && exec(null, "-c", "import torch, numpy") == 0;
        }
        return available;
    }

    /** The committed script, from the module folder (Maven runs tests there) or {@code basedir}. */
    static Path script() {
        Path rel = Path.of("src", "test", "python", "golden.py");
        if (Files.isRegularFile(rel)) {
            return rel.toAbsolutePath();
        }
        String base = System.getProperty("basedir");
        if (base != null && Files.isRegularFile(Path.of(base).resolve(rel))) {
            return Path.of(base).resolve(rel);
        }
        throw new IllegalStateException("golden.py not found at " + rel.toAbsolutePath());
    }

    /**
     * Writes {@code inputs} to {@code dir/in}, runs {@code golden.py task dir/in dir/out} and returns what it wrote.
     * A failing script fails the test with its output.
     */
    public static TensorExchange.Tensors run(String task, TensorExchange inputs, Path dir) {
        assumeAvailable();
        Path in = dir.resolve("in");
        Path out = dir.resolve("out");
        inputs.write(in);
        output(dir.resolve("golden-" + task + ".log"), script().toString(), task, in.toString(), out.toString());
        return TensorExchange.read(out);
    }

    /**
     * Runs python3 with {@code args} (a script and its arguments), its output (stdout and stderr) written to
     * {@code log}, and returns that output; a non-zero exit fails the test with it. Skips the test without python3 +
     * torch.
     */
    public static String output(Path log, String... args) {
        assumeAvailable();
        int rc = exec(log, args);
        String text;
        try {
            text = Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            text = "(no log: " + e + ")";
        }
        if (rc != 0) {
            fail(Path.of(args[0]).getFileName() + " " + (args.length > 1 ? args[1] : "") + " exited with " + rc
                    + ":\n" + text);
        }
        return text;
    }

    private static int exec(Path log, String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = PYTHON.toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the source tree
        if (log == null) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        } else {
            pb.redirectOutput(log.toFile());
        }
        try {
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            if (log == null) {
                return -1;
            }
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
