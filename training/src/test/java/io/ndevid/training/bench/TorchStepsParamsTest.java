package io.ndevid.training.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.gan.GanFactory;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.golden.GoldenPython;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code bench/torch_steps.py} builds the same networks as the Java models — the proof that
 * {@code bench/training_vs_pytorch.sh} compares like with like: for every config the side-by-side runs, the
 * trainable-parameter counts of G_t, G and every D from {@code torch_steps.py --params-only} equal the Java model's
 * ({@link StepBench#parameterCounts}). Skipped without {@code /usr/bin/python3} + torch.
 */
class TorchStepsParamsTest {

    @ParameterizedTest
    @CsvSource({
        "cpu-small, tgan:original tgan:ode1 tgan:sde mocogan:original mocogan:ode1 mocogan:sde tganv2:original "
                + "tganv2:ode1 tganv2:sde",
        "gpu-paper, tgan:original tgan:ode1 tgan:sde mocogan:original mocogan:ode1 mocogan:sde"})
    void pytorchNetworksHaveTheJavaModelsParameterCounts(String preset, String configs, @TempDir Path dir) {
        List<String> args = new ArrayList<>(List.of(script().toString(), "--params-only", "--preset", preset));
        List<String> names = List.of(configs.split(" "));
        args.addAll(names);
        Map<String, String> pytorch = new LinkedHashMap<>();
        for (String line : GoldenPython.output(dir.resolve("params.log"), args.toArray(String[]::new)).split("\n")) {
            if (line.startsWith("PARAMS ")) {
                pytorch.put(field(line, "config"), field(line, "params"));
            }
        }
        assertEquals(names, List.copyOf(pytorch.keySet()), "torch_steps.py printed counts for other configs");
        TorchRuntime.engine();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (String c : names) {
                try (VideoGan gan = GanFactory.create(StepBench.spec(preset, c, 2), m, Device.cpu())) {
                    assertEquals(StepBench.parameterCounts(gan), pytorch.get(c), preset + " " + c
                            + ": Java (expected) and torch_steps.py (actual) trainable-parameter counts");
                }
            }
        }
    }

    private static String field(String line, String name) {
        for (String part : line.split(" ")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + "= in: " + line);
    }

    /** bench/torch_steps.py from the module folder (Maven runs tests there) or {@code basedir}. */
    private static Path script() {
        Path rel = Path.of("..", "bench", "torch_steps.py");
        String base = System.getProperty("basedir");
        Path p = Files.isRegularFile(rel) || base == null ? rel : Path.of(base).resolve(rel);
        return p.toAbsolutePath().normalize();
    }
}
