package io.ndevid.metrics.protocol;

import com.fasterxml.jackson.databind.node.TextNode;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Which trials may share a scorer: only those with the same evaluator value (route, mean and dropout are in it). */
class TrialEvaluationTest {

    private static TrialSpec withEvaluator(String evaluator) {
        TrialSpec base = Presets.of("cpu-tiny", ModelFamily.TGAN, TemporalKind.ODE1, FVariant.LINEAR);
        return SpecIO.withFields(base, Map.of("data", TextNode.valueOf("ucf101=/d"), "evaluator",
                TextNode.valueOf(evaluator)));
    }

    @Test
    void theEvaluatorValueIsPartOfTheScorerKey() {
        String authors = "c3d=/w/c3d.npz,mean=/w/mean2.npz";
        assertEquals(TrialEvaluation.evaluatorKey(withEvaluator(authors)),
                TrialEvaluation.evaluatorKey(withEvaluator(authors)));
        assertNotEquals(TrialEvaluation.evaluatorKey(withEvaluator(authors)),
                TrialEvaluation.evaluatorKey(withEvaluator(authors + ",route=tgan2")), "another route");
        assertNotEquals(TrialEvaluation.evaluatorKey(withEvaluator(authors)),
                TrialEvaluation.evaluatorKey(withEvaluator(authors + ",dropout=authors:7")), "dropout on");
        assertNotEquals(TrialEvaluation.evaluatorKey(withEvaluator(authors)),
                TrialEvaluation.evaluatorKey(withEvaluator("c3d=/w/c3d.npz,mean=/w/other.npz")), "another mean");
    }
}
