package io.ndevid.actors.cluster;

import akka.actor.Address;
import akka.actor.AddressFromURIString;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;

/**
 * A child process (trainer, evaluator, loader) follows its machine's node agent: when the agent's member is downed
 * or removed — its machine lost the split-brain resolver's vote, or it left — the child runs coordinated shutdown
 * too, instead of living on as a member without a machine. The resolver counts node JVMs only
 * ({@link ClusterConfig#NODE}); this is the other half of "one machine, one vote".
 */
public final class FollowNode {

    /** The reason a child's coordinated shutdown gives. */
    public enum NodeGone implements CoordinatedShutdown.Reason {
        INSTANCE
    }

    private FollowNode() {}

    /** Follows the node agent at {@code agentUri} ({@code akka://ndevid@host:port}). */
    public static void start(ActorSystem<?> system, String agentUri) {
        system.systemActorOf(create(AddressFromURIString.parse(agentUri)), "follow-node", Props.empty());
    }

    static Behavior<ClusterEvent.MemberEvent> create(Address agent) {
        return Behaviors.setup(ctx -> {
            Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf(),
                    ClusterEvent.MemberEvent.class));
            return Behaviors.receiveMessage(e -> {
                boolean gone = e instanceof ClusterEvent.MemberDowned || e instanceof ClusterEvent.MemberRemoved;
                if (gone && e.member().address().equals(agent)) {
                    ctx.getLog().warn("node agent {} is {}: leaving with it", agent,
                            e instanceof ClusterEvent.MemberDowned ? "downed" : "removed");
                    CoordinatedShutdown.get(Adapter.toClassic(ctx.getSystem())).run(NodeGone.INSTANCE);
                    return Behaviors.stopped();
                }
                return Behaviors.same();
            });
        });
    }
}
