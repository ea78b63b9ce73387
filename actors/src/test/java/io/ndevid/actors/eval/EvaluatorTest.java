package io.ndevid.actors.eval;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.ndevid.study.testing.TestSpecs;
import io.ndevid.training.checkpoint.Checkpoint;
import io.ndevid.training.checkpoint.CheckpointIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluatorTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @TempDir
    Path dir;

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    @Test
    void scoresCheckpointsThroughItsServiceAndReportsFailures() {
        Path ckpt = dir.resolve("c.bin");
        CheckpointIO.write(ckpt, new Checkpoint("{}", 30, Map.of()));
        ActorRef<Evaluator.Command> evaluator = testKit.spawn(Evaluator.create((spec, file) -> {
            if (spec.name().equals("bad")) {
                throw new IllegalStateException("no classifier weights");
            }
            return Map.of("is", 2.5, "fid", 123.0);
        }));
        TestProbe<Evaluator.Reply> reply = testKit.createTestProbe();
        evaluator.tell(new Evaluator.Evaluate("exp", "good", TestSpecs.trial("good", 30, 5), ckpt.toString(),
                reply.getRef()));
        Evaluator.Evaluated ok = (Evaluator.Evaluated) reply.receiveMessage(Duration.ofSeconds(10));
        assertEquals(30, ok.iteration());
        assertEquals(Map.of("is", 2.5, "fid", 123.0), ok.metrics());
        evaluator.tell(new Evaluator.Evaluate("exp", "bad", TestSpecs.trial("bad", 30, 5), ckpt.toString(),
                reply.getRef()));
        Evaluator.EvaluationFailed f = (Evaluator.EvaluationFailed) reply.receiveMessage(Duration.ofSeconds(10));
        assertEquals("no classifier weights", f.reason());
        evaluator.tell(new Evaluator.Evaluate("exp", "good", TestSpecs.trial("good", 30, 5),
                dir.resolve("missing.bin").toString(), reply.getRef()));
        Evaluator.EvaluationFailed missing = (Evaluator.EvaluationFailed) reply.receiveMessage(Duration.ofSeconds(10));
        assertTrue(missing.reason().contains("checkpoint not found"), missing.reason());
    }
}
