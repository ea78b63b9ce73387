package io.ndevid.actors.status;

import akka.actor.Address;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.typed.Cluster;
import io.ndevid.actors.transport.LatencyStats;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What an actor keeps for its status report: when it last handled a message, latency histograms (recorded
 * wait-free from any thread — trial threads, I/O threads), and bytes moved. The actor calls {@link #publish} from its
 * own status timer; building a report copies the histograms and reads a few fields, nothing more.
 */
public final class ActorStatus {

    private final ActorSystem<?> system;
    private final String address;
    private final String actor;
    private final String kind;
    private final Map<String, LatencyStats> latencies = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private volatile long lastMessageAt = System.nanoTime();
    private volatile java.util.function.LongSupplier bytesSource;
    private long bytesAtLastReport;
    private long lastReportAt = System.nanoTime();

    private ActorStatus(ActorSystem<?> system, String actor, String kind) {
        this.system = system;
        this.actor = actor;
        this.kind = kind;
        this.address = addressOf(system);
    }

    /**
     * Status of the actor of {@code context} (named after it), published every {@code ndevid.status.interval} by
     * {@code tick} on {@code timers}.
     */
    public static <T> ActorStatus start(ActorContext<T> context, TimerScheduler<T> timers, T tick, String kind) {
        ActorStatus s = new ActorStatus(context.getSystem(), context.getSelf().path().name(), kind);
        timers.startTimerWithFixedDelay(tick, tick, s.interval());
        return s;
    }

    /** {@code host:port} of this member, or the system's address where there is no remoting. */
    public static String addressOf(ActorSystem<?> system) {
        Address a;
        if ("cluster".equals(system.settings().config().getString("akka.actor.provider"))) {
            a = Cluster.get(system).selfMember().address();
        } else {
            a = system.address();
        }
        return a.host().isDefined() ? a.host().get() + ":" + a.port().get() : a.system();
    }

    public Duration interval() {
        return StatusTopic.get(system).settings().interval();
    }

    /** The actor handled a message (not one of its own timers). */
    public void touch() {
        lastMessageAt = System.nanoTime();
    }

    /** A named latency distribution ({@code step}, {@code transfer}, {@code eval}, …), created on first use. */
    public LatencyStats latency(String name) {
        return latencies.computeIfAbsent(name, LatencyStats::new);
    }

    /** Replaces a distribution (a trainer starts a fresh {@code step} histogram per trial). */
    public void latency(String name, LatencyStats stats) {
        latencies.put(name, stats);
    }

    /** Bytes moved over Aeron (any thread). */
    public void addBytes(long n) {
        bytes.addAndGet(n);
    }

    /** Counts bytes from {@code source} (a total some other component keeps) instead of {@link #addBytes}. */
    public void bytesFrom(java.util.function.LongSupplier source) {
        this.bytesSource = source;
    }

    /** Builds the report (on the actor's thread) and publishes it on the status topic. */
    public StatusReport publish(String state, int queueDepth, String device, String slot, String experiment,
                                String trial) {
        long now = System.nanoTime();
        java.util.function.LongSupplier source = bytesSource;
        long total = source != null ? source.getAsLong() : bytes.get();
        double seconds = Math.max(1e-3, (now - lastReportAt) / 1e9);
        double rate = (total - bytesAtLastReport) / seconds;
        bytesAtLastReport = total;
        lastReportAt = now;
        Map<String, LatencySummary> l = new LinkedHashMap<>();
        latencies.forEach((name, stats) -> l.put(name, LatencySummary.of(stats)));
        StatusReport r = new StatusReport(address, actor, kind, state, queueDepth,
                (now - lastMessageAt) / 1_000_000, device, slot, experiment, trial, l, rate, total,
                System.currentTimeMillis());
        StatusTopic.get(system).publish(r);
        return r;
    }
}
