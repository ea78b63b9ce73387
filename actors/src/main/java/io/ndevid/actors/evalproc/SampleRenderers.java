package io.ndevid.actors.evalproc;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Routers;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import io.ndevid.training.run.ContinuousRenders;
import io.ndevid.training.spec.TrialSpec;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A node's pool of {@link SampleRenderer}s: requests are spread round robin (each worker renders on its own
 * thread with its own copy of the generator, so {@code ndevid.evaluation.renderers} workers render that many
 * requests at once); {@link SampleRenderer.Cancel} and {@link SampleRenderer.GetStats} go to every worker. The pool
 * is registered with the Receptionist under {@link #SERVICE_KEY}, so any member — the process writing a report —
 * can have a continuous-time render made next to the checkpoints ({@link #renderVideo}, {@link #renderGif}).
 */
public final class SampleRenderers {

    public static final ServiceKey<SampleRenderer.Command> SERVICE_KEY =
            ServiceKey.create(SampleRenderer.Command.class, "ndevid-sample-renderers");

    private SampleRenderers() {}

    /** {@code size} workers behind one router; a worker that fails is restarted. */
    public static Behavior<SampleRenderer.Command> pool(int size, Behavior<SampleRenderer.Command> worker) {
        if (size < 1) {
            throw new IllegalArgumentException("a sample-renderer pool needs at least one worker, got " + size);
        }
        return Routers.pool(size, Behaviors.supervise(worker).onFailure(SupervisorStrategy.restart()))
                .withRoundRobinRouting()
                .withBroadcastPredicate(m -> m instanceof SampleRenderer.Cancel
                        || m instanceof SampleRenderer.GetStats);
    }

    /** Spawns the pool as {@code sample-renderers} and registers it with the Receptionist. */
    public static ActorRef<SampleRenderer.Command> start(ActorContext<?> ctx, int size,
                                                         Behavior<SampleRenderer.Command> worker) {
        ActorRef<SampleRenderer.Command> pool = ctx.spawn(pool(size, worker), "sample-renderers");
        ctx.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, pool));
        return pool;
    }

    /**
     * A continuous-time render of {@code checkpoint} ({@code samples} videos at latent {@code times}) written to
     * {@code gif} by a registered pool — this process's if it has one, else the first listed. Fails when no pool is
     * registered or none answers within {@code timeout}.
     */
    public static CompletionStage<SampleRenderer.RenderReply> renderVideo(ActorSystem<?> system, TrialSpec spec,
                                                                          Path checkpoint, int samples, long seed,
                                                                          double[] times, Path gif,
                                                                          Duration timeout) {
        return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                        r -> Receptionist.find(SERVICE_KEY, r), Duration.ofSeconds(5), system.scheduler())
                .thenCompose(listing -> {
                    var pools = listing.getServiceInstances(SERVICE_KEY).stream()
                            .sorted(Comparator.comparing((ActorRef<SampleRenderer.Command> a) ->
                                    !a.path().address().hasLocalScope()).thenComparing(a -> a.path().toString()))
                            .toList();
                    if (pools.isEmpty()) {
                        return CompletableFuture.failedFuture(new NoRenderers());
                    }
                    return AskPattern.ask(pools.get(0), replyTo -> new SampleRenderer.RenderVideo(spec,
                                    checkpoint.toString(), samples, seed, times, gif.toString(), replyTo), timeout,
                            system.scheduler());
                });
    }

    /**
     * The report's continuous-time render of {@code checkpoint} into {@code gif}, made by the cluster's sample
     * renderers ({@link #renderVideo}; the GIF is written on the pool's node, so this suits a data directory every
     * node shares), or in this process when no pool is registered. Blocks until it is written.
     *
     * @throws Exception the renderer's reason, one line
     */
    public static void renderGif(ActorSystem<?> system, Path checkpoint, int videos, long seed, double[] times,
                                 Path gif, Duration timeout) throws Exception {
        SampleRenderer.RenderReply reply;
        try {
            reply = renderVideo(system, ContinuousRenders.specOf(checkpoint), checkpoint, videos, seed, times, gif,
                    timeout).toCompletableFuture().get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NoRenderers) {
                LoggerFactory.getLogger(SampleRenderers.class).info("no sample renderers registered: rendering {} "
                        + "in this process", checkpoint);
                ContinuousRenders.render(checkpoint, videos, seed, times, gif);
                return;
            }
            throw new IllegalStateException("rendering " + checkpoint + ": "
                    + io.ndevid.metrics.protocol.EvaluationProtocol.message(e), e);
        }
        if (reply instanceof SampleRenderer.RenderFailed f) {
            throw new IllegalStateException("rendering " + checkpoint + ": " + f.reason());
        }
    }

    /** No pool is registered (as opposed to one that failed). */
    private static final class NoRenderers extends IllegalStateException {
        NoRenderers() {
            super("no sample renderers are registered in the cluster");
        }
    }
}
