package io.ndevid.actors.data;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.ActorContext;
import com.typesafe.config.Config;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.TransportSettings;
import io.ndevid.training.data.TrainingBatchSource;

import java.util.function.Supplier;

/**
 * Wiring of remote data from a node's configuration: the {@link DataLoaderActor} of a loader process
 * ({@code ndevid node --role loader}, its own embedded Aeron driver), and the {@link RemoteData} of a trainer process
 * whose agent runs a loader ({@code -Dndevid.trainer.remote-data=true}): receivers on UDP at the node's host, a port
 * picked when each binds, settings from {@code ndevid.data-loader.*}, the in-process loader as the fallback.
 */
public final class LoaderProcesses {

    private LoaderProcesses() {}

    /** In a loader process: the actor (registered with the Receptionist), opening data sets as trainers ask. */
    public static ActorRef<DataLoaderActor.Command> startLoader(ActorContext<?> ctx, TransportSettings transport) {
        AeronNode aeron = AeronNode.launchEmbedded(transport).closeWith(ctx.getSystem());
        return ctx.spawn(DataLoaderActor.production(aeron), "data-loader");
    }

    /**
     * In a trainer process: the {@link RemoteData} the production executor is handed, receiving on the process's
     * shared Aeron node ({@link AeronNode#lazyEmbedded}); its receivers close with the actor system.
     */
    public static RemoteData startRemoteData(ActorContext<?> ctx, Config config, Supplier<AeronNode> aeron) {
        String host = config.getString("akka.remote.artery.canonical.hostname");
        RemoteData remote = new RemoteData(ctx.getSystem(), aeron, "aeron:udp?endpoint=" + host + ":0",
                RemoteData.settings(config), TrainingBatchSource.inProcess());
        ctx.getSystem().getWhenTerminated().whenComplete((d, t) -> remote.close());
        ctx.getLog().info("trainer reads its training batches from the node's data loader over Aeron ({})",
                RemoteData.settings(config));
        return remote;
    }
}
