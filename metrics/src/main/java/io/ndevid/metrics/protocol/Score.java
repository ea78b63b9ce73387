package io.ndevid.metrics.protocol;

import io.ndevid.metrics.evaluator.EvaluatorProvenance;

/**
 * One score of the protocol: IS and FID of {@code n} generated videos, with what produced the numbers — the
 * classifier ({@code evaluator}, its {@code preprocessing} route and {@code provenance}: route, weights and mean-clip
 * SHA-256, dropout) and the real-data statistics FID compares with.
 * The same record whichever {@link Scorer} computed it.
 *
 * @param isStd     IS spread over the splits of this one batch (0 with one split, the paper's protocol)
 * @param fidMethod the Fréchet-distance route, e.g. {@code nxn-cross-gram-eigh}
 */
public record Score(double is, double isStd, double fid, String fidMethod, int n, String evaluator,
                    String preprocessing, EvaluatorProvenance provenance, String realStatistics) {}
