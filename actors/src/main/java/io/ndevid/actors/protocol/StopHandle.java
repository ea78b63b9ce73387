package io.ndevid.actors.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * A trial's stop request, from the actor's thread to the trial's thread. An executor registers what stopping means
 * for it ({@code loop::requestStop}); a stop that came first runs the callback at once.
 */
public final class StopHandle {

    private final List<Runnable> callbacks = new ArrayList<>();
    private boolean requested;

    /** Asks the trial to checkpoint and stop after its current iteration. Idempotent. */
    public void request() {
        List<Runnable> run;
        synchronized (this) {
            if (requested) {
                return;
            }
            requested = true;
            run = List.copyOf(callbacks);
        }
        run.forEach(Runnable::run);
    }

    public synchronized boolean requested() {
        return requested;
    }

    /** Runs {@code r} when a stop is requested (now, if it already was). */
    public void onStop(Runnable r) {
        synchronized (this) {
            if (!requested) {
                callbacks.add(r);
                return;
            }
        }
        r.run();
    }
}
