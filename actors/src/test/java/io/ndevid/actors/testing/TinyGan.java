package io.ndevid.actors.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.TemporalGenerator;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stand-in for a video GAN that costs nothing but time: one scalar "weight" that each step moves towards the batch
 * mean, held in its optimizer state so that TrainerLoop's real checkpoints save and restore it. Each step sleeps
 * {@code stepMillis} so a test can kill a trainer mid-trial.
 */
public final class TinyGan implements VideoGan {

    private final TrialSpec spec;
    private final long stepMillis;
    private double w;
    private long steps;

    public TinyGan(TrialSpec spec, long stepMillis) {
        this.spec = spec;
        this.stepMillis = stepMillis;
        this.w = spec.seed() * 0.01;
    }

    @Override
    public TrialSpec spec() {
        return spec;
    }

    @Override
    public Map<String, Double> step(NDArray real, long iteration) {
        if (stepMillis > 0) {
            try {
                Thread.sleep(stepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        double mean = real.mean().getFloat();
        w = 0.9 * w + 0.1 * mean;
        steps++;
        Map<String, Double> losses = new LinkedHashMap<>();
        losses.put("d_loss", 1.0 / (1 + iteration) + Math.abs(w));
        losses.put("g_loss", 0.5 + w);
        return losses;
    }

    @Override
    public NDArray sample(NDManager into, int n, long seed) {
        throw new UnsupportedOperationException("TinyGan draws no videos");
    }

    @Override
    public NDArray render(NDManager into, int n, long seed, double[] times) {
        throw new UnsupportedOperationException("TinyGan draws no videos");
    }

    @Override
    public Map<String, Block> networks() {
        return Map.of();
    }

    @Override
    public Map<String, byte[]> optimizerStates() {
        return Map.of("G", ByteBuffer.allocate(16).putDouble(w).putLong(steps).array());
    }

    @Override
    public void loadOptimizerStates(Map<String, byte[]> states) {
        ByteBuffer b = ByteBuffer.wrap(states.get("G"));
        w = b.getDouble();
        steps = b.getLong();
    }

    @Override
    public TemporalGenerator temporal() {
        return null;
    }

    @Override
    public long temporalParameterCount() {
        return 0;
    }

    @Override
    public long originalTemporalParameterCount() {
        return 0;
    }

    @Override
    public void close() {
    }
}
