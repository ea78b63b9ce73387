package io.ndevid.actors.status;

import io.ndevid.actors.CborSerializable;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one actor says about itself, about once a second (a few hundred bytes on the status topic).
 *
 * @param address          the member it runs on ({@code host:port})
 * @param actor            its name, e.g. {@code trainer-0}, {@code node-agent}, {@code coordinator}
 * @param kind             {@code trainer}, {@code node-agent}, {@code coordinator}, {@code checkpoint-store},
 *                         {@code evaluator} or {@code data-loader}
 * @param state            a word or two: {@code idle}, {@code running}, {@code 2/2 alive}, …
 * @param queueDepth       its own work queue: pending trials, evaluations, files, prefetched batches; 0 when none
 * @param lastMessageAgeMs since it last handled a message other than its own timers
 * @param device           the device it uses ({@code cpu}, {@code gpu:0}; a node agent lists its slots' devices)
 * @param slot             {@code node/slot-K} for trainers, else null
 * @param experiment       the experiment of the trial it runs, or null
 * @param trial            the trial it runs (trainers) or last worked on, or null
 * @param latencies        {@code step}, {@code transfer}, {@code eval}, … (HdrHistogram summaries)
 * @param bytesPerSec      Aeron bytes it sent per second since its previous report (senders only, so that a
 *                         cluster's sum counts each transfer once)
 * @param bytesTotal       Aeron bytes it sent since it started
 * @param sentAtMillis     wall-clock time of the report (for display; staleness uses the board's own clock)
 */
public record StatusReport(String address, String actor, String kind, String state, int queueDepth,
                           long lastMessageAgeMs, String device, String slot, String experiment, String trial,
                           Map<String, LatencySummary> latencies, double bytesPerSec, long bytesTotal,
                           long sentAtMillis) implements CborSerializable {

    public StatusReport {
        latencies = latencies == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(latencies));
    }

    /** Identifies the actor on the board: one row per actor of each member. */
    public String key() {
        return address + "/" + actor;
    }
}
