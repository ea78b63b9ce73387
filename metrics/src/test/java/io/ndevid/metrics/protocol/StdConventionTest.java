package io.ndevid.metrics.protocol;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StdConventionTest {

    @Test
    void populationIsNumpysStdAndSampleDividesByKMinusOne() {
        double[] k5 = {15.0, 15.5, 14.5, 16.0, 14.0};
        // numpy: np.std([15, 15.5, 14.5, 16, 14]) = sqrt(2.5 / 5); ddof=1: sqrt(2.5 / 4)
        assertEquals(Math.sqrt(0.5), StdConvention.POPULATION.of(k5), 1e-15);
        assertEquals(Math.sqrt(0.625), StdConvention.SAMPLE.of(k5), 1e-15);
        assertEquals(0, StdConvention.SAMPLE.of(new double[] {3}));
        assertEquals(StdConvention.POPULATION, ProtocolSettings.paper().std(), "the paper's (authors') convention");
        assertEquals(StdConvention.SAMPLE, StdConvention.parse("sample"));
        assertThrows(IllegalArgumentException.class, () -> StdConvention.parse("n-1"));
    }
}
