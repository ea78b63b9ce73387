package io.ndevid.actors.api;

import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.study.experiment.ExperimentStatus;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** One experiment seen through a client: {@code client.handle(id)}. */
public record ExperimentHandle(ExperimentClient client, String id) {

    public CompletionStage<ExperimentStatus> status() {
        return client.status(id);
    }

    public CompletionStage<ExperimentStatus> await(Duration poll, Duration timeout) {
        return client.awaitCompletion(id, poll, timeout);
    }

    public CompletionStage<CoordinatorProtocol.Ack> cancel(String reason) {
        return client.cancel(id, reason);
    }
}
