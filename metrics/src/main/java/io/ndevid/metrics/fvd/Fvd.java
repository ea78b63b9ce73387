package io.ndevid.metrics.fvd;

import ai.djl.ndarray.NDArray;
import io.ndevid.metrics.evaluator.VideoFeatureExtractor;
import io.ndevid.metrics.fid.FidResult;
import io.ndevid.metrics.fid.FrechetDistance;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.linalg.DoubleMatrix;

import java.util.Objects;

/**
 * Fréchet Video Distance: the Fréchet distance ({@link FrechetDistance}, the same robust trace-sqrt routes as FID)
 * between I3D features of real and generated videos. Differences from StyleGAN-V's script, which uses
 * {@code scipy.linalg.sqrtm} and keeps the real part: none in the value up to rounding, except that StyleGAN-V's
 * covariance divides by n (numpy {@code raw_cov / n − μμᵀ}) while ours divides by n − 1 — a relative difference of
 * 1/n in the trace terms (0.05 % at n = 2048). Compare FVDs only at equal n and with the same I3D file and
 * {@link I3dOptions}, and record {@link VideoFeatureExtractor#id()} and {@link VideoFeatureExtractor#preprocessing()}.
 */
public final class Fvd {

    private Fvd() {}

    /** FVD between real and generated videos ({@code [N, C, T, H, W]} in [−1, 1] each). */
    public static FidResult compute(VideoFeatureExtractor i3d, NDArray real, NDArray fake, int batchSize) {
        Objects.requireNonNull(i3d, "i3d");
        DoubleMatrix r = i3d.features(real, batchSize);
        DoubleMatrix f = i3d.features(fake, batchSize);
        return new FrechetDistance().compute(r, f);
    }

    /** FVD between cached real statistics (e.g. from {@code RealStatistics}) and generated videos. */
    public static FidResult compute(GaussianStats real, VideoFeatureExtractor i3d, NDArray fake, int batchSize) {
        Objects.requireNonNull(real, "real statistics");
        Objects.requireNonNull(i3d, "i3d");
        return new FrechetDistance().compute(real, i3d.features(fake, batchSize));
    }
}
