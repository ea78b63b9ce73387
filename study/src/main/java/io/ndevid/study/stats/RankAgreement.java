package io.ndevid.study.stats;

import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.NaNStrategy;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How well several rankings of the same objects agree — here, whether the training seeds of a study order its cells
 * the same way. Each rater (a seed) gives a score to every object (a cell); ranks are the scores' average ranks (ties
 * share the mean of their places), so the direction does not matter (FID, lower is better, agrees as IS does).
 *
 * <ul>
 *   <li><b>Kendall's W</b>, the coefficient of concordance (Kendall &amp; Babington Smith 1939; Kendall &amp; Gibbons,
 *   <i>Rank Correlation Methods</i>, 5th ed., 1990): W = 12 S / (m²(n³ − n) − m Σ T), S the sum of squared deviations
 *   of the objects' rank sums from their mean m(n + 1)/2, T = Σ (t³ − t) over each rater's groups of t tied scores.
 *   1: every rater orders the objects the same; 0: no agreement.</li>
 *   <li>Its p-value by permutation under H₀ "the raters' rankings are independent": each rater's scores are permuted
 *   over the objects, which keeps its ties (Legendre 2005, <i>J. Agric. Biol. Environ. Stat.</i> 10:226–245, who found
 *   the χ² approximation conservative with few raters and recommends this test). Exact — every one of the
 *   (n!)^(m−1) arrangements of raters 2 … m, the first held fixed since W does not depend on the objects' labels —
 *   when there are at most {@link #EXACT_LIMIT} of them; else {@link #PERMUTATIONS} random arrangements from a fixed
 *   seed, p = (1 + #{W* ≥ W}) / (1 + B), so a table is reproducible.</li>
 *   <li>The mean over rater pairs of Spearman's ρ (Pearson on average ranks) and of Kendall's τ_b (commons-math3's,
 *   as scipy's {@code spearmanr} and {@code kendalltau}); without ties ρ̄ = (m W − 1) / (m − 1).</li>
 *   <li>The share of object pairs that every rater puts in the same strict order (a tie in any rater: not the same
 *   order).</li>
 * </ul>
 */
public final class RankAgreement {

    /** The most arrangements the permutation p-value enumerates exactly (5 cells × 3 seeds: 120² = 14 400). */
    public static final long EXACT_LIMIT = 200_000;
    /** Random arrangements when there are more than {@link #EXACT_LIMIT}. */
    public static final int PERMUTATIONS = 9_999;
    /** The seed of those arrangements (a fixed one: the same scores give the same p). */
    public static final long PERMUTATION_SEED = 20_201_206L;

    private static final NaturalRanking RANKING = new NaturalRanking(NaNStrategy.FAILED, TiesStrategy.AVERAGE);

    /**
     * The agreement of {@code raters} rankings of {@code objects} objects.
     *
     * @param w             Kendall's W with the tie correction; NaN when fewer than 2 raters or objects, or when every
     *                      rater ties every object
     * @param p             the permutation p-value of W (NaN with W)
     * @param exact         whether {@code p} enumerated every arrangement (else {@link #PERMUTATIONS} random ones)
     * @param meanSpearman  mean over rater pairs of Spearman's ρ (NaN when a rater ties every object)
     * @param meanKendall   mean over rater pairs of Kendall's τ_b (NaN likewise)
     * @param sameOrder     object pairs every rater puts in the same strict order
     * @param pairs         object pairs, n(n − 1)/2 (0 with fewer than 2 raters: nothing to agree on)
     */
    public record Result(int raters, int objects, double w, double p, boolean exact, double meanSpearman,
                         double meanKendall, int sameOrder, int pairs) {
        public static final Result NONE = new Result(0, 0, Double.NaN, Double.NaN, false, Double.NaN, Double.NaN, 0,
                0);

        /** The share of object pairs in the same order for every rater; NaN without pairs. */
        public double sameOrderShare() {
            return pairs == 0 ? Double.NaN : (double) sameOrder / pairs;
        }
    }

    private RankAgreement() {}

    /**
     * The agreement of the rows of {@code scores}: {@code scores[r][o]} is rater r's score of object o; every rater
     * scores every object, with finite values.
     */
    public static Result of(double[][] scores) {
        int m = scores.length;
        int n = m == 0 ? 0 : scores[0].length;
        for (double[] row : scores) {
            if (row.length != n) {
                throw new IllegalArgumentException("every rater must score the same " + n + " objects, got "
                        + row.length);
            }
            for (double v : row) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("scores must be finite, got " + v);
                }
            }
        }
        if (m < 2 || n < 2) {
            return new Result(m, n, Double.NaN, Double.NaN, false, Double.NaN, Double.NaN, 0, 0);
        }
        double[][] ranks = new double[m][];
        for (int r = 0; r < m; r++) {
            ranks[r] = ranks(scores[r]);
        }
        double w = kendallW(ranks);
        boolean exact = arrangements(m, n) <= EXACT_LIMIT;
        double p = Double.isNaN(w) ? Double.NaN : exact ? exactP(ranks) : sampledP(ranks);
        double rho = 0;
        double tau = 0;
        int k = 0;
        SpearmansCorrelation spearman = new SpearmansCorrelation(RANKING);
        KendallsCorrelation kendall = new KendallsCorrelation();
        for (int a = 0; a < m; a++) {
            for (int b = a + 1; b < m; b++) {
                rho += spearman.correlation(scores[a], scores[b]);
                tau += kendall.correlation(scores[a], scores[b]);
                k++;
            }
        }
        int same = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                int first = Double.compare(scores[0][i], scores[0][j]);
                boolean agree = first != 0;
                for (int r = 1; r < m && agree; r++) {
                    agree = Double.compare(scores[r][i], scores[r][j]) == first;
                }
                same += agree ? 1 : 0;
            }
        }
        return new Result(m, n, w, p, exact, rho / k, tau / k, same, n * (n - 1) / 2);
    }

    /** Average ranks (1 … n; tied values share the mean of their places). */
    public static double[] ranks(double[] values) {
        return RANKING.rank(values);
    }

    /** Kendall's W of rank rows (each a permutation of 1 … n, or average ranks with ties), tie-corrected. */
    static double kendallW(double[][] ranks) {
        int m = ranks.length;
        int n = ranks[0].length;
        double ties = 0;
        for (double[] row : ranks) {
            ties += tieTerm(row);
        }
        double denominator = (double) m * m * ((double) n * n * n - n) - m * ties;
        return denominator > 0 ? 12 * squaredDeviations(ranks, columnSums(ranks)) / denominator : Double.NaN;
    }

    /** Σ (t³ − t) over the groups of t equal values in one rank row. */
    private static double tieTerm(double[] row) {
        double[] sorted = row.clone();
        Arrays.sort(sorted);
        double t = 0;
        for (int i = 0; i < sorted.length; ) {
            int j = i;
            while (j < sorted.length && sorted[j] == sorted[i]) {
                j++;
            }
            double size = j - i;
            t += size * size * size - size;
            i = j;
        }
        return t;
    }

    private static double[] columnSums(double[][] ranks) {
        double[] sums = new double[ranks[0].length];
        for (double[] row : ranks) {
            for (int o = 0; o < sums.length; o++) {
                sums[o] += row[o];
            }
        }
        return sums;
    }

    /** S: Σ over objects of (rank sum − m(n + 1)/2)². */
    private static double squaredDeviations(double[][] ranks, double[] sums) {
        double mean = ranks.length * (sums.length + 1) / 2.0;
        double s = 0;
        for (double x : sums) {
            s += (x - mean) * (x - mean);
        }
        return s;
    }

    /** (n!)^(m−1), saturating at Long.MAX_VALUE. */
    static long arrangements(int m, int n) {
        long f = 1;
        for (int i = 2; i <= n; i++) {
            f = f > Long.MAX_VALUE / i ? Long.MAX_VALUE : f * i;
        }
        long total = 1;
        for (int r = 1; r < m; r++) {
            total = total > Long.MAX_VALUE / Math.max(1, f) ? Long.MAX_VALUE : total * f;
        }
        return total;
    }

    /** Whether a permuted S reaches the observed one (a relative tolerance for the sums' rounding). */
    private static boolean atLeast(double s, double observed) {
        return s >= observed - 1e-9 * Math.max(1, observed);
    }

    /** The share of all (n!)^(m−1) arrangements of raters 2 … m whose S is at least the observed one. */
    private static double exactP(double[][] ranks) {
        int n = ranks[0].length;
        List<int[]> perms = new ArrayList<>();
        permutations(new int[n], new boolean[n], 0, perms);
        double observed = squaredDeviations(ranks, columnSums(ranks));
        long[] counts = new long[2]; // at least observed, all
        enumerate(ranks, 1, ranks[0].clone(), perms, observed, counts);
        return (double) counts[0] / counts[1];
    }

    private static void enumerate(double[][] ranks, int rater, double[] sums, List<int[]> perms, double observed,
                                  long[] counts) {
        if (rater == ranks.length) {
            counts[0] += atLeast(squaredDeviations(ranks, sums), observed) ? 1 : 0;
            counts[1]++;
            return;
        }
        double[] next = new double[sums.length];
        for (int[] perm : perms) {
            for (int o = 0; o < sums.length; o++) {
                next[o] = sums[o] + ranks[rater][perm[o]];
            }
            enumerate(ranks, rater + 1, next, perms, observed, counts);
        }
    }

    private static void permutations(int[] current, boolean[] used, int at, List<int[]> out) {
        if (at == current.length) {
            out.add(current.clone());
            return;
        }
        for (int i = 0; i < current.length; i++) {
            if (!used[i]) {
                used[i] = true;
                current[at] = i;
                permutations(current, used, at + 1, out);
                used[i] = false;
            }
        }
    }

    /** (1 + #{S* ≥ S}) / (1 + B) over {@link #PERMUTATIONS} random arrangements of raters 2 … m. */
    static double sampledP(double[][] ranks) {
        double observed = squaredDeviations(ranks, columnSums(ranks));
        SplittableRandom random = new SplittableRandom(PERMUTATION_SEED);
        double[][] shuffled = new double[ranks.length][];
        for (int r = 0; r < ranks.length; r++) {
            shuffled[r] = ranks[r].clone();
        }
        int hits = 0;
        for (int b = 0; b < PERMUTATIONS; b++) {
            for (int r = 1; r < shuffled.length; r++) {
                double[] row = shuffled[r];
                for (int i = row.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    double t = row[i];
                    row[i] = row[j];
                    row[j] = t;
                }
            }
            hits += atLeast(squaredDeviations(shuffled, columnSums(shuffled)), observed) ? 1 : 0;
        }
        return (1.0 + hits) / (1.0 + PERMUTATIONS);
    }
}
