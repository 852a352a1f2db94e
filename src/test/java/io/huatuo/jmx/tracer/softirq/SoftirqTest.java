package io.huatuo.jmx.tracer.softirq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SoftirqTest {
    @Test
    void samplingPeriodIsATenthOfTheThresholdBetweenOneMillisecondAndOneSecond() {
        assertEquals(10_000_000L, Softirq.samplePeriodNs(100), "the default threshold samples 100 times a second");
        assertEquals(1_000_000L, Softirq.samplePeriodNs(10));
        assertEquals(1_000_000L, Softirq.samplePeriodNs(1));
        assertEquals(1_000_000_000L, Softirq.samplePeriodNs(3_600_000));
    }
}
