package io.ndevid.actors.data;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import io.ndevid.actors.CborSerializable;
import io.ndevid.actors.status.ActorStatus;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.TensorDescriptor;
import io.ndevid.actors.transport.TensorSender;
import io.ndevid.training.data.Datasets;
import io.ndevid.training.data.HostBatch;
import io.ndevid.training.data.PrefetchingLoader;
import io.ndevid.training.data.VideoDataset;
import io.ndevid.training.spec.TrialSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Serves training batches from a data set held on this node to trainers elsewhere: the batch's videos travel over
 * Aeron as a float32 tensor {@code [B, C, T, H, W]}, the Akka reply carries only its descriptor and the labels.
 * Batch {@code k} of a stream with seed {@code s} is exactly the batch {@link PrefetchingLoader#randomBatches} yields
 * in-process (the same {@link PrefetchingLoader#batchRng}), so a trainer may switch between local and remote data
 * without changing a single loss value ({@link RemoteBatchSource} is the trainer's side).
 *
 * <p>Data sets are opened on first request, keyed by {@link DataKey} (data spec + clip settings), so one loader
 * serves the trainers of several trials and data sets.
 *
 * <p>Reading and sending run on the actor's own I/O thread (a send blocks while Aeron applies back-pressure).
 */
public final class DataLoaderActor extends AbstractBehavior<DataLoaderActor.Command> {

    public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "ndevid-data-loader");

    public sealed interface Command {}

    /**
     * Which data set: a trial's data spec ({@code synthetic}, {@code ucf101=DIR}, {@code hdf5=FILE}) with its clip
     * settings, as {@link Datasets#open(String, int, int, int, int)} takes them.
     */
    public record DataKey(String data, int classes, int frames, int frameSize, int channels)
            implements CborSerializable {
        public static DataKey of(TrialSpec spec) {
            return new DataKey(spec.data(), spec.dataClasses(), spec.frames(), spec.frameSize(), spec.channels());
        }

        @Override
        public String toString() {
            return data + " (" + classes + " classes, " + frames + "×" + frameSize + "² × " + channels + ")";
        }
    }

    /**
     * Send batch {@code index} of the random stream with {@code seed} of data set {@code data} to the requester's
     * receiver on {@code channel}/{@code streamId}.
     */
    public record NextBatch(DataKey data, long seed, long index, int batchSize, String channel, int streamId,
                            ActorRef<Reply> replyTo) implements Command, CborSerializable {}

    /** Counters since start: batches sent, bytes sent, failures, data sets open. */
    public record GetStats(ActorRef<Stats> replyTo) implements Command, CborSerializable {}

    public record Stats(long batchesSent, long bytesSent, long failures, int datasetsOpen)
            implements CborSerializable {}

    public sealed interface Reply extends CborSerializable {}

    /** The videos are on their way as {@code videos}; {@code labels} is null for an unlabelled data set. */
    public record BatchSent(long index, TensorDescriptor videos, int[] labels, int[] indices) implements Reply {
        @Override
        public boolean equals(Object o) {
            return o instanceof BatchSent b && index == b.index && videos.equals(b.videos)
                    && java.util.Arrays.equals(labels, b.labels) && java.util.Arrays.equals(indices, b.indices);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(index, videos, java.util.Arrays.hashCode(labels),
                    java.util.Arrays.hashCode(indices));
        }
    }

    public record BatchFailed(long index, String reason) implements Reply {}

    private record Done(Reply reply, ActorRef<Reply> replyTo) implements Command {}

    private enum StatusTick implements Command { INSTANCE }

    private final ActorContext<Command> context;
    private final Function<DataKey, VideoDataset> open;
    /** Data sets opened so far (the I/O thread only). */
    private final Map<DataKey, VideoDataset> datasets = new HashMap<>();
    private long batchesSent;
    private long bytesSent;
    private long failures;
    private volatile int datasetsOpen;
    private final AeronNode aeron;
    private final ActorStatus status;
    /** Batch requests queued on the I/O thread (the one being read and sent included). */
    private int queued;
    private final Map<String, TensorSender> senders = new HashMap<>();
    private final ExecutorService io = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "data-loader-io");
        t.setDaemon(true);
        return t;
    });

    /** Serves {@code dataset} whatever data set a request names (tests, a single-data-set loader). */
    public static Behavior<Command> create(VideoDataset dataset, AeronNode aeron) {
        return create(key -> dataset, aeron);
    }

    /** Opens each requested data set once, on first use, with {@code open} (on the I/O thread). */
    public static Behavior<Command> create(Function<DataKey, VideoDataset> open, AeronNode aeron) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new DataLoaderActor(ctx, timers, open,
                aeron)));
    }

    /** A loader process's: the data sets of {@link Datasets#open(String, int, int, int, int)}. */
    public static Behavior<Command> production(AeronNode aeron) {
        return create(k -> Datasets.open(k.data(), k.classes(), k.frames(), k.frameSize(), k.channels()), aeron);
    }

    private DataLoaderActor(ActorContext<Command> context, akka.actor.typed.javadsl.TimerScheduler<Command> timers,
                            Function<DataKey, VideoDataset> open, AeronNode aeron) {
        super(context);
        this.context = context;
        this.status = ActorStatus.start(context, timers, StatusTick.INSTANCE, "data-loader");
        this.open = open;
        this.aeron = aeron;
        context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(NextBatch.class, this::onNext)
                .onMessageEquals(StatusTick.INSTANCE, () -> {
                    status.publish(queued > 0 ? "serving" : "idle", queued, null, null, null, null);
                    return this;
                })
                .onMessage(Done.class, d -> {
                    queued--;
                    if (d.reply() instanceof BatchSent b) {
                        batchesSent++;
                        bytesSent += b.videos().byteLength();
                        if (batchesSent == 1 || Long.bitCount(batchesSent) == 1) { // 1, 2, 4, 8, … : a sparse log
                            context.getLog().info("data loader: {} batches sent over Aeron ({} bytes)", batchesSent,
                                    bytesSent);
                        }
                    } else if (d.reply() instanceof BatchFailed f) {
                        failures++;
                        context.getLog().warn("data loader: batch {} failed: {}", f.index(), f.reason());
                    }
                    d.replyTo().tell(d.reply());
                    return this;
                })
                .onMessage(GetStats.class, g -> {
                    g.replyTo().tell(new Stats(batchesSent, bytesSent, failures, datasetsOpen));
                    return this;
                })
                .onSignal(PostStop.class, s -> {
                    io.shutdown();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onNext(NextBatch n) {
        status.touch();
        queued++;
        CompletableFuture<Reply> work = CompletableFuture.supplyAsync(() -> {
            long started = System.nanoTime();
            VideoDataset dataset = datasets.get(n.data());
            if (dataset == null) { // only this thread touches the map
                dataset = open.apply(n.data());
                datasets.put(n.data(), dataset);
                datasetsOpen = datasets.size();
            }
            HostBatch b = dataset.randomBatch(n.batchSize(), PrefetchingLoader.batchRng(n.seed(), n.index()));
            ByteBuffer payload = ByteBuffer.allocateDirect(b.data().length * Float.BYTES)
                    .order(ByteOrder.nativeOrder());
            payload.asFloatBuffer().put(b.data());
            TensorSender sender = senders.computeIfAbsent(n.channel() + "#" + n.streamId(),
                    k -> aeron.newSender(n.channel(), n.streamId())); // only this thread touches the map
            awaitConnected(sender);
            TensorDescriptor d = sender.send("batch-" + n.seed() + "-" + n.index(), b.shape(), "float32", payload);
            status.latency("transfer").record(System.nanoTime() - started); // read + send of one batch
            status.addBytes(d.byteLength());
            return new BatchSent(n.index(), d, b.labels(), b.indices());
        }, io);
        context.pipeToSelf(work, (ok, failure) -> new Done(failure == null ? ok
                : new BatchFailed(n.index(), (failure.getCause() != null ? failure.getCause() : failure).toString()),
                n.replyTo()));
        return this;
    }

    private static void awaitConnected(TensorSender sender) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!sender.isConnected() && deadline - System.nanoTime() > 0) {
            Thread.onSpinWait();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
