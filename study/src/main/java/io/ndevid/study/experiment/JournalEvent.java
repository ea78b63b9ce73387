package io.ndevid.study.experiment;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.ndevid.study.GridSpec;
import io.ndevid.training.spec.TrialSpec;

import java.util.List;
import java.util.Map;

/**
 * One line of an experiment's journal ({@code <experiment>/journal.jsonl}): every decision of the coordinator that
 * changes a trial's state, written and fsync'd before it is acted on. Replaying the lines through
 * {@link ExperimentState#apply} rebuilds the state exactly. Progress is not journaled (it is re-reported).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = JournalEvent.Submitted.class, name = "submitted"),
    @JsonSubTypes.Type(value = JournalEvent.Assigned.class, name = "assigned"),
    @JsonSubTypes.Type(value = JournalEvent.Started.class, name = "started"),
    @JsonSubTypes.Type(value = JournalEvent.Ended.class, name = "ended"),
    @JsonSubTypes.Type(value = JournalEvent.PauseRequested.class, name = "pause"),
    @JsonSubTypes.Type(value = JournalEvent.Resumed.class, name = "resume"),
    @JsonSubTypes.Type(value = JournalEvent.Cancelled.class, name = "cancelled"),
    @JsonSubTypes.Type(value = JournalEvent.Evaluated.class, name = "evaluated")
})
public sealed interface JournalEvent {

    /** ISO-8601 instant the coordinator decided it. */
    String time();

    /** The first line: the grid and its expansion (kept, so a later change to presets cannot alter a running study). */
    record Submitted(String experimentId, GridSpec grid, List<TrialSpec> trials, String time) implements JournalEvent {}

    /** Attempt {@code attempt} of {@code trial} was given to {@code slot}: the trial is RUNNING. */
    record Assigned(String trial, int attempt, SlotInfo slot, String time) implements JournalEvent {}

    /** The trainer began the attempt at {@code startIteration} (0: fresh; > 0: resumed from a checkpoint). */
    record Started(String trial, int attempt, long startIteration, String time) implements JournalEvent {}

    /** The attempt ended. */
    record Ended(String trial, int attempt, Outcome outcome, long iterations, String message,
                 Map<String, Double> losses, Map<String, Double> metrics, String runDir, String time)
            implements JournalEvent {}

    record PauseRequested(String trial, String time) implements JournalEvent {}

    record Resumed(String trial, String time) implements JournalEvent {}

    /** An evaluator scored a finished trial's checkpoint at {@code iteration}: merged into its best metrics. */
    record Evaluated(String trial, long iteration, Map<String, Double> metrics, String time) implements JournalEvent {}

    /** The experiment was cancelled: nothing more is started; running attempts are stopped. */
    record Cancelled(String reason, String time) implements JournalEvent {}
}
