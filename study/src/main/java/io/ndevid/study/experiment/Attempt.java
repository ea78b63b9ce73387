package io.ndevid.study.experiment;


/**
 * One attempt at a trial: where it ran, the iteration it resumed from ({@code -1} until the trainer reported it;
 * {@code 0} for a fresh start) and how it ended ({@code null} while it runs).
 */
public record Attempt(int number, SlotInfo slot, long startIteration, Outcome outcome, long iterations,
                      String message) {

    Attempt started(long start) {
        return new Attempt(number, slot, start, outcome, iterations, message);
    }

    Attempt ended(Outcome o, long its, String msg) {
        return new Attempt(number, slot, startIteration, o, its, msg);
    }
}
