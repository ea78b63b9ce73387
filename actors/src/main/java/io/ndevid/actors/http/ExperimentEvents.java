package io.ndevid.actors.http;

import akka.NotUsed;
import akka.http.javadsl.marshalling.sse.EventStreamMarshalling;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.http.javadsl.server.Route;
import akka.stream.javadsl.Source;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.completeOK;
import static akka.http.javadsl.server.Directives.onSuccess;

/**
 * {@code GET /api/experiments/{id}/events}: a server-sent event stream made by polling the coordinator every
 * {@code poll} and diffing. Event {@code trial} (a TrialStatus) when a trial's state, attempt or iteration changed;
 * event {@code experiment} (the status without its trials) when the phase changed, the first one at once. The stream
 * completes after the status that shows the experiment finished; heartbeats keep idle connections open.
 */
final class ExperimentEvents {

    static final Duration KEEP_ALIVE = Duration.ofSeconds(10);

    private final Function<String, CompletionStage<ExperimentRoutes.StatusOrError>> status;
    private final Duration poll;

    ExperimentEvents(Function<String, CompletionStage<ExperimentRoutes.StatusOrError>> status, Duration poll) {
        this.status = status;
        this.poll = poll;
    }

    Route route(String id) {
        CompletionStage<Route> first = status.apply(id).handle((s, e) -> {
            if (e != null) {
                return complete(ApiJson.error(StatusCodes.SERVICE_UNAVAILABLE, "the coordinator did not answer: "
                        + ExperimentRoutes.unwrap(e).getMessage()));
            }
            if (s.status() == null) {
                return complete(s.failure());
            }
            return completeOK(source(id, s.status()), EventStreamMarshalling.toEventStream());
        });
        return onSuccess(first, r -> r);
    }

    private Source<ServerSentEvent, NotUsed> source(String id, ExperimentStatus first) {
        Source<ExperimentStatus, ?> polls = Source.tick(poll, poll, "poll")
                .mapAsync(1, t -> status.apply(id).handle((s, e) -> e == null && s.status() != null
                        ? Optional.of(s.status()) : Optional.<ExperimentStatus>empty()))
                .filter(Optional::isPresent)
                .map(Optional::get);
        return Source.single(first).concat(polls)
                .takeWhile(s -> !s.finished(), true)
                .statefulMapConcat(() -> {
                    Differ d = new Differ();
                    return d::events;
                })
                .keepAlive(KEEP_ALIVE, ServerSentEvent::heartbeat)
                .mapMaterializedValue(m -> NotUsed.getInstance());
    }

    /** What a client has been told so far; turns each new status into the events that describe the change. */
    static final class Differ {
        private record Seen(TrialState state, int attempt, long iteration) {}

        private final Map<String, Seen> trials = new HashMap<>();
        private ExperimentState.Phase phase;

        List<ServerSentEvent> events(ExperimentStatus s) {
            List<ServerSentEvent> out = new ArrayList<>();
            boolean phaseChanged = s.phase() != phase;
            if (phaseChanged && phase == null) {
                out.add(experiment(s)); // the opening event: where the experiment stands
            }
            for (TrialStatus t : s.trials()) {
                Seen now = new Seen(t.state(), t.attempt(), t.iteration());
                if (!now.equals(trials.put(t.name(), now))) {
                    out.add(ServerSentEvent.create(ApiJson.write(t), "trial"));
                }
            }
            if (phaseChanged && phase != null) {
                out.add(experiment(s)); // after the trials that made it change
            }
            phase = s.phase();
            return out;
        }

        private static ServerSentEvent experiment(ExperimentStatus s) {
            return ServerSentEvent.create(ApiJson.write(new ExperimentStatus(s.id(), s.phase(), s.counts(), List.of(),
                    s.dir())), "experiment");
        }
    }
}
