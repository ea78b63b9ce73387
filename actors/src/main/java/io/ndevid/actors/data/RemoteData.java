package io.ndevid.actors.data;

import akka.actor.typed.ActorSystem;
import com.typesafe.config.Config;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.TensorReceiver;
import io.ndevid.training.data.TrainingBatchSource;
import io.ndevid.training.spec.TrialSpec;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A trainer process's link to the data-loader processes: opens a {@link RemoteBatchSource} per trial, each on a
 * receiver of its own (receivers are pooled: a finished trial's stream serves the next trial). Made by the node's
 * guardian when the trainer's agent runs a loader ({@code ndevid.node.data-loaders > 0}, passed to the trainer as
 * {@code -Dndevid.trainer.remote-data=true}) and handed to the trainer's executor as its {@link #opener()}.
 */
public final class RemoteData {

    /** Stream ids of trainers' batch receivers: FIRST_STREAM, FIRST_STREAM + 1, … */
    public static final int FIRST_STREAM = 7601;

    private final ActorSystem<?> system;
    private final Supplier<AeronNode> aeron;
    private final String channel;
    private final RemoteBatchSource.Settings settings;
    private final TrainingBatchSource.Opener fallback;
    private final AtomicInteger streams = new AtomicInteger(FIRST_STREAM);
    private final ConcurrentLinkedQueue<TensorReceiver> idle = new ConcurrentLinkedQueue<>();
    private final Recorder latency = new Recorder(1_000, TimeUnit.HOURS.toNanos(1), 3);
    private final Histogram cumulative = new Histogram(1_000, TimeUnit.HOURS.toNanos(1), 3);

    /**
     * @param channel the receivers' channel: {@code aeron:ipc} when the loader shares this process's media driver,
     *                else {@code aeron:udp?endpoint=HOST:0} (the port is picked when the receiver binds)
     */
    public RemoteData(ActorSystem<?> system, Supplier<AeronNode> aeron, String channel,
                      RemoteBatchSource.Settings settings, TrainingBatchSource.Opener fallback) {
        this.system = system;
        this.aeron = aeron;
        this.channel = channel;
        this.settings = settings;
        this.fallback = fallback;
    }

    /** From {@code ndevid.data-loader.*}: read-ahead, request-timeout, find-timeout, attempts, local-fallback. */
    public static RemoteBatchSource.Settings settings(Config config) {
        Config c = config.hasPath("ndevid.data-loader") ? config.getConfig("ndevid.data-loader")
                : com.typesafe.config.ConfigFactory.empty();
        RemoteBatchSource.Settings d = RemoteBatchSource.Settings.defaults();
        return new RemoteBatchSource.Settings(
                c.hasPath("read-ahead") ? c.getInt("read-ahead") : d.readAhead(),
                c.hasPath("request-timeout") ? c.getDuration("request-timeout") : d.requestTimeout(),
                c.hasPath("find-timeout") ? c.getDuration("find-timeout") : d.findTimeout(),
                c.hasPath("attempts") ? c.getInt("attempts") : d.attempts(),
                c.hasPath("local-fallback") ? c.getBoolean("local-fallback") : d.localFallback());
    }

    /** What {@link io.ndevid.training.run.Trials#prepare} takes. */
    public TrainingBatchSource.Opener opener() {
        return this::open;
    }

    /** The remote stream of {@code spec}'s batches from batch {@code first} on. */
    public RemoteBatchSource open(TrialSpec spec, long first) {
        TensorReceiver r = idle.poll();
        if (r == null) {
            r = aeron.get().newReceiver(channel, streams.getAndIncrement());
        }
        TensorReceiver receiver = r;
        return new RemoteBatchSource(system, receiver, spec, first, settings, fallback, latency,
                () -> idle.offer(receiver));
    }

    /** Request → batch in hand latencies so far, in nanoseconds (a copy). */
    public synchronized Histogram latencies() {
        cumulative.add(latency.getIntervalHistogram());
        return cumulative.copy();
    }

    /** Closes the pooled receivers (the Aeron node is the caller's). */
    public void close() {
        TensorReceiver r;
        while ((r = idle.poll()) != null) {
            r.close();
        }
    }
}
