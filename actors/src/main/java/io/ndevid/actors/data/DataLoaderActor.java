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
import io.ndevid.training.data.HostBatch;
import io.ndevid.training.data.PrefetchingLoader;
import io.ndevid.training.data.VideoDataset;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves training batches from a data set held on this node to trainers elsewhere: the batch's videos travel over
 * Aeron as a float32 tensor {@code [B, C, T, H, W]}, the Akka reply carries only its descriptor and the labels.
 * Batch {@code k} of a stream with seed {@code s} is exactly the batch {@link PrefetchingLoader#randomBatches} yields
 * in-process (the same {@link PrefetchingLoader#batchRng}), so a trainer may switch between local and remote data
 * without changing a single loss value.
 *
 * <p>Reading and sending run on the actor's own I/O thread (a send blocks while Aeron applies back-pressure).
 */
public final class DataLoaderActor extends AbstractBehavior<DataLoaderActor.Command> {

    public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "ndevid-data-loader");

    public sealed interface Command {}

    /**
     * Send batch {@code index} of the random stream with {@code seed} to the requester's receiver on
     * {@code channel}/{@code streamId}.
     */
    public record NextBatch(long seed, long index, int batchSize, String channel, int streamId,
                            ActorRef<Reply> replyTo) implements Command, CborSerializable {}

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
    private final VideoDataset dataset;
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

    public static Behavior<Command> create(VideoDataset dataset, AeronNode aeron) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new DataLoaderActor(ctx, timers, dataset,
                aeron)));
    }

    private DataLoaderActor(ActorContext<Command> context, akka.actor.typed.javadsl.TimerScheduler<Command> timers,
                            VideoDataset dataset, AeronNode aeron) {
        super(context);
        this.context = context;
        this.status = ActorStatus.start(context, timers, StatusTick.INSTANCE, "data-loader");
        this.dataset = dataset;
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
                    d.replyTo().tell(d.reply());
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
