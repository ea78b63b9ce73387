package io.ndevid.actors.status;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.actor.typed.Props;
import akka.actor.typed.pubsub.Topic;
import com.typesafe.config.Config;

import java.time.Duration;

/**
 * The node's end of the status topic (an Akka typed {@link Topic}: pub-sub across the cluster through the
 * Receptionist, so reports reach every {@link StatusBoard} — one per coordinator node, which survives a coordinator
 * fail-over — without anyone knowing where the boards are). One per ActorSystem, with the {@code ndevid.status}
 * settings read once.
 */
public final class StatusTopic implements Extension {

    public static final String TOPIC = "ndevid-status";

    /** The settings of {@code ndevid.status} (defaults when absent, as in plain test systems). */
    public record Settings(Duration interval, Duration staleAfter, Duration forgetAfter) {
        public static Settings fromConfig(Config config) {
            Config c = config.hasPath("ndevid.status") ? config.getConfig("ndevid.status")
                    : com.typesafe.config.ConfigFactory.empty();
            return new Settings(c.hasPath("interval") ? c.getDuration("interval") : Duration.ofSeconds(1),
                    c.hasPath("stale-after") ? c.getDuration("stale-after") : Duration.ofSeconds(10),
                    c.hasPath("forget-after") ? c.getDuration("forget-after") : Duration.ofMinutes(5));
        }
    }

    private static final class Id extends ExtensionId<StatusTopic> {
        static final Id INSTANCE = new Id();

        @Override
        public StatusTopic createExtension(ActorSystem<?> system) {
            return new StatusTopic(system);
        }
    }

    private final ActorRef<Topic.Command<StatusReport>> topic;
    private final Settings settings;

    private StatusTopic(ActorSystem<?> system) {
        this.settings = Settings.fromConfig(system.settings().config());
        this.topic = system.systemActorOf(Topic.create(StatusReport.class, TOPIC), "ndevid-status-topic",
                Props.empty());
    }

    public static StatusTopic get(ActorSystem<?> system) {
        return system.registerExtension(Id.INSTANCE);
    }

    public Settings settings() {
        return settings;
    }

    public void publish(StatusReport report) {
        topic.tell(Topic.publish(report));
    }

    public void subscribe(ActorRef<StatusReport> subscriber) {
        topic.tell(Topic.subscribe(subscriber));
    }
}
