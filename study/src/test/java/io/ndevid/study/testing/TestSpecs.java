package io.ndevid.study.testing;

import com.fasterxml.jackson.databind.node.IntNode;
import io.ndevid.study.GridSpec;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.util.List;
import java.util.Map;

/** Small specs and grids for tests. */
public final class TestSpecs {

    private TestSpecs() {}

    public static TrialSpec trial(String name, long iterations, int checkpointInterval) {
        var tree = SpecIO.json().valueToTree(Presets.of("cpu-tiny", ModelFamily.TGAN, TemporalKind.ODE1,
                FVariant.LINEAR));
        var o = (com.fasterxml.jackson.databind.node.ObjectNode) tree;
        o.put("name", name);
        o.put("iterations", iterations);
        o.put("checkpointInterval", checkpointInterval);
        return SpecIO.fromTree(o);
    }

    /** tgan × {ode1, ode2} × linear × seeds {0..seeds-1}, cpu-tiny with the given iterations. */
    public static GridSpec grid(String name, int seeds, int iterations, int checkpointInterval, int maxFailures) {
        List<Long> s = java.util.stream.LongStream.range(0, seeds).boxed().toList();
        return new GridSpec(name, "cpu-tiny", List.of(ModelFamily.TGAN), List.of(TemporalKind.ODE1, TemporalKind.ODE2),
                List.of(FVariant.LINEAR), s, Map.of("iterations", IntNode.valueOf(iterations),
                "checkpointInterval", IntNode.valueOf(checkpointInterval)), Map.of(), 100, maxFailures);
    }
}
