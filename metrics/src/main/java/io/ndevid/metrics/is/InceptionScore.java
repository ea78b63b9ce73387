package io.ndevid.metrics.is;

import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.linalg.DoubleMatrix;

/**
 * Inception Score from classifier probabilities: IS = exp(E_x KL(p(y|x) ‖ p(y))), where p(y) is the mean of p(y|x)
 * over the split. As in the usual implementations (OpenAI's, TGAN's, StyleGAN-V's) the N samples are cut into
 * {@code splits} consecutive parts {@code [i·N/splits, (i+1)·N/splits)}, a score is computed per part, and the mean and
 * the population standard deviation (numpy's default, ddof = 0) of the part scores are reported. Terms with
 * p(y|x) = 0 contribute 0 (the limit of p log p), not NaN.
 */
public final class InceptionScore {

    /** Default tolerance on |Σ_y p(y|x) − 1|: float32 softmax over 101 classes is off by ≈ 1e-6. */
    public static final double DEFAULT_SUM_TOLERANCE = 1e-3;

    private InceptionScore() {}

    /**
     * @param mean     mean of the per-split scores
     * @param std      population standard deviation of the per-split scores (0 for one split)
     * @param splits   number of splits
     * @param n        number of samples
     * @param perSplit the per-split scores
     */
    public record Result(double mean, double std, int splits, int n, double[] perSplit) {}

    /** IS of an {@code N × C} probability matrix with the default row-sum tolerance. */
    public static Result compute(DoubleMatrix probabilities, int splits) {
        return compute(probabilities, splits, DEFAULT_SUM_TOLERANCE);
    }

    /**
     * IS of an {@code N × C} probability matrix.
     *
     * @throws MetricsInputException if a row is not a probability vector (negative, non-finite, or summing to more
     *                               than {@code sumTolerance} away from 1), or N < 2, or N < splits
     */
    public static Result compute(DoubleMatrix probabilities, int splits, double sumTolerance) {
        validate(probabilities, splits, sumTolerance);
        int n = probabilities.rows();
        int c = probabilities.cols();
        double[] p = probabilities.data();
        double[] scores = new double[splits];
        double[] py = new double[c];
        for (int s = 0; s < splits; s++) {
            int from = (int) ((long) s * n / splits);
            int to = (int) ((long) (s + 1) * n / splits);
            java.util.Arrays.fill(py, 0);
            for (int i = from; i < to; i++) {
                for (int k = 0; k < c; k++) {
                    py[k] += p[i * c + k];
                }
            }
            for (int k = 0; k < c; k++) {
                py[k] /= to - from;
            }
            double klSum = 0;
            for (int i = from; i < to; i++) {
                double kl = 0;
                for (int k = 0; k < c; k++) {
                    double v = p[i * c + k];
                    if (v > 0) { // py[k] ≥ v / (to − from) > 0 here
                        kl += v * (Math.log(v) - Math.log(py[k]));
                    }
                }
                klSum += kl;
            }
            scores[s] = Math.exp(klSum / (to - from));
        }
        double mean = 0;
        for (double v : scores) {
            mean += v;
        }
        mean /= splits;
        double var = 0;
        for (double v : scores) {
            var += (v - mean) * (v - mean);
        }
        return new Result(mean, Math.sqrt(var / splits), splits, n, scores);
    }

    private static void validate(DoubleMatrix probabilities, int splits, double tolerance) {
        if (probabilities == null) {
            throw new MetricsInputException("no probabilities given");
        }
        int n = probabilities.rows();
        int c = probabilities.cols();
        if (splits < 1) {
            throw new MetricsInputException("splits must be ≥ 1, got " + splits);
        }
        if (n < 2) {
            throw new MetricsInputException("need at least 2 samples for an Inception Score, got " + n);
        }
        if (n < splits) {
            throw new MetricsInputException("fewer samples (" + n + ") than splits (" + splits + ")");
        }
        if (c < 1) {
            throw new MetricsInputException("probabilities have 0 classes");
        }
        double[] p = probabilities.data();
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int k = 0; k < c; k++) {
                double v = p[i * c + k];
                if (!Double.isFinite(v)) {
                    throw new MetricsInputException("probabilities: non-finite value " + v + " at row " + i
                            + ", class " + k);
                }
                if (v < 0) {
                    throw new MetricsInputException("probabilities: negative value " + v + " at row " + i + ", class "
                            + k + " (pass softmax outputs, not logits)");
                }
                sum += v;
            }
            if (Math.abs(sum - 1) > tolerance) {
                throw new MetricsInputException("probabilities: row " + i + " sums to " + sum + ", not 1 (±"
                        + tolerance + "); pass softmax outputs, not logits or features");
            }
        }
    }
}
