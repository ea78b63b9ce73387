package io.ndevid.study.stats;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kendall's W, its permutation p and the pairwise rank correlations: cases worked by hand, perfect agreement, ties,
 * and scipy's {@code spearmanr} / {@code kendalltau} with a numpy W and a brute-force exact p.
 */
class RankAgreementTest {

    /** Three raters, four objects, no ties — worked by hand. */
    @Test
    void handWorkedCase() {
        // ranks A 1 2 3 4, B 2 1 3 4, C 1 3 2 4: rank sums 4 6 8 12 around 7.5, S = 35, W = 12·35 / (3²·(4³ − 4))
        double[][] scores = {{1, 2, 3, 4}, {20, 10, 30, 40}, {0.1, 0.3, 0.2, 0.4}};
        RankAgreement.Result r = RankAgreement.of(scores);
        assertEquals(3, r.raters());
        assertEquals(4, r.objects());
        assertEquals(420.0 / 540, r.w(), 1e-12);
        // ρ(A,B) = 1 − 6·2/(4·15) = 0.8, ρ(A,C) = 0.8, ρ(B,C) = 1 − 6·6/60 = 0.4
        assertEquals(2.0 / 3, r.meanSpearman(), 1e-12);
        assertEquals((3 * r.w() - 1) / 2, r.meanSpearman(), 1e-12, "no ties: ρ̄ = (mW − 1)/(m − 1)");
        // τ(A,B) = (5 − 1)/6, τ(A,C) = 4/6, τ(B,C) = (4 − 2)/6
        assertEquals((4 + 4 + 2) / 18.0, r.meanKendall(), 1e-12);
        // pairs ordered alike by all three: (1,3) (1,4) (2,4) (3,4); (1,2) and (2,3) are swapped by one rater
        assertEquals(4, r.sameOrder());
        assertEquals(6, r.pairs());
        assertTrue(r.exact(), "(4!)² = 576 arrangements are enumerated");
        assertTrue(r.p() > 0 && r.p() < 1, "p " + r.p());
    }

    /** Every seed orders the cells alike: W = 1, ρ̄ = τ̄ = 1, every pair agrees, and p is 1/(n!)^(m−1) exactly. */
    @Test
    void perfectAgreement() {
        double[][] scores = {{1.0, 2.0, 3.0, 4.0, 5.0}, {1.5, 1.6, 1.7, 2.5, 9}, {-3, -2, 0, 7, 8}};
        RankAgreement.Result r = RankAgreement.of(scores);
        assertEquals(1.0, r.w(), 1e-12);
        assertEquals(1.0, r.meanSpearman(), 1e-12);
        assertEquals(1.0, r.meanKendall(), 1e-12);
        assertEquals(10, r.sameOrder());
        assertEquals(1.0, r.sameOrderShare(), 0);
        assertTrue(r.exact());
        assertEquals(1.0 / (120 * 120), r.p(), 1e-15, "only the arrangement that copies rater 1 reaches W = 1");
        // reversed orders (FID against IS) agree just as well
        double[][] reversed = Arrays.stream(scores).map(row -> Arrays.stream(row).map(v -> -v).toArray())
                .toArray(double[][]::new);
        assertEquals(1.0, RankAgreement.of(reversed).w(), 1e-12);
    }

    /** Ties share their mean rank, W carries the tie correction, and a tie is never "the same order". */
    @Test
    void tiesByHand() {
        assertArrayEquals(new double[] {1.5, 1.5, 3, 4}, RankAgreement.ranks(new double[] {2, 2, 3, 7}), 0);
        // A 1 2 3, B (1.5 1.5) 3, m = 2, n = 3: sums 2.5 3.5 6 around 4, S = 2.25 + 0.25 + 4 = 6.5,
        // T = 2³ − 2 = 6 (B's one tie), W = 12·6.5 / (4·24 − 2·6) = 78/84
        RankAgreement.Result r = RankAgreement.of(new double[][] {{1, 2, 3}, {5, 5, 6}});
        assertEquals(78.0 / 84, r.w(), 1e-12);
        assertEquals(2, r.sameOrder(), "(1,2) is tied by B");
        assertEquals(3, r.pairs());
        // two raters that tie everything: no W, no p, no correlation
        RankAgreement.Result flat = RankAgreement.of(new double[][] {{1, 1, 1}, {2, 2, 2}});
        assertTrue(Double.isNaN(flat.w()) && Double.isNaN(flat.p()) && Double.isNaN(flat.meanSpearman()));
        assertEquals(0, flat.sameOrder());
    }

    @Test
    void tooFewRatersOrObjectsHaveNoStatistic() {
        RankAgreement.Result one = RankAgreement.of(new double[][] {{1, 2, 3}});
        assertEquals(1, one.raters());
        assertTrue(Double.isNaN(one.w()) && Double.isNaN(one.p()) && Double.isNaN(one.meanSpearman()));
        assertTrue(Double.isNaN(RankAgreement.of(new double[][] {{1}, {2}}).w()));
        assertTrue(Double.isNaN(RankAgreement.Result.NONE.sameOrderShare()));
        assertThrows(IllegalArgumentException.class, () -> RankAgreement.of(new double[][] {{1, 2}, {1}}));
        assertThrows(IllegalArgumentException.class, () -> RankAgreement.of(new double[][] {{1, 2}, {1, Double.NaN}}));
    }

    @Test
    void arrangementsSaturate() {
        assertEquals(14_400, RankAgreement.arrangements(3, 5));
        assertEquals(5040L * 5040, RankAgreement.arrangements(3, 7));
        assertEquals(Long.MAX_VALUE, RankAgreement.arrangements(10, 20));
        assertFalse(RankAgreement.of(new double[3][7]).exact(), "7 cells × 3 seeds: sampled, not enumerated");
    }

    /** The sampled p (used above {@link RankAgreement#EXACT_LIMIT}) agrees with the exact one where both run. */
    @Test
    void sampledPermutationPMatchesTheExactOne() {
        double[][] scores = {{1, 2, 3, 4, 5}, {2, 1, 3, 5, 4}, {1, 3, 2, 4, 5}};
        double[][] ranks = Arrays.stream(scores).map(RankAgreement::ranks).toArray(double[][]::new);
        double exact = RankAgreement.of(scores).p();
        double sampled = RankAgreement.sampledP(ranks);
        // B = 9 999 draws: the standard error of a p near 0.01 is about 0.001
        assertEquals(exact, sampled, 0.006, "exact " + exact + ", sampled " + sampled);
        assertEquals(sampled, RankAgreement.sampledP(ranks), 0, "a fixed seed: the same p again");
    }

    /**
     * scipy's spearmanr and kendalltau (τ_b) averaged over rater pairs, W from numpy's average ranks with the tie
     * correction, and the exact permutation p by brute force over itertools.permutations — with ties.
     */
    @Test
    void matchesScipyWithTies() throws Exception {
        double[][] scores = {{1.2, 3.4, 3.4, 0.5, 2.2}, {2.0, 2.5, 3.0, 1.0, 1.0}, {0.3, 0.9, 0.8, 0.1, 0.7}};
        String rows = Arrays.stream(scores).map(r -> Arrays.stream(r).mapToObj(v -> String.format(Locale.ROOT,
                "%s", v)).collect(Collectors.joining(",", "[", "]"))).collect(Collectors.joining(",", "[", "]"));
        String script = "import itertools\nimport numpy as np\nfrom scipy import stats\n"
                + "x=np.array(" + rows + "); m,n=x.shape\n"
                + "rho=np.mean([stats.spearmanr(x[a],x[b])[0] for a,b in itertools.combinations(range(m),2)])\n"
                + "tau=np.mean([stats.kendalltau(x[a],x[b])[0] for a,b in itertools.combinations(range(m),2)])\n"
                + "r=np.array([stats.rankdata(row) for row in x])\n"
                + "T=sum(((np.unique(row,return_counts=True)[1])**3-np.unique(row,return_counts=True)[1]).sum() "
                + "for row in r)\n"
                + "S=lambda rr: ((rr.sum(0)-m*(n+1)/2)**2).sum()\n"
                + "W=12*S(r)/(m*m*(n**3-n)-m*T)\n"
                + "perms=list(itertools.permutations(range(n)))\n"
                + "s0=S(r); hit=0; tot=0\n"
                + "for p1 in perms:\n"
                + "  for p2 in perms:\n"
                + "    tot+=1; hit+= S(np.array([r[0],r[1][list(p1)],r[2][list(p2)]]))>=s0-1e-9\n"
                + "print(repr(float(W)),repr(float(rho)),repr(float(tau)),repr(hit/tot))\n";
        String[] v = Python.run(script).trim().split("\\s+");
        RankAgreement.Result r = RankAgreement.of(scores);
        assertEquals(Double.parseDouble(v[0]), r.w(), 1e-12, "W");
        assertEquals(Double.parseDouble(v[1]), r.meanSpearman(), 1e-12, "mean Spearman ρ");
        assertEquals(Double.parseDouble(v[2]), r.meanKendall(), 1e-12, "mean Kendall τ_b");
        assertTrue(r.exact());
        assertEquals(Double.parseDouble(v[3]), r.p(), 1e-12, "exact permutation p");
    }
}
