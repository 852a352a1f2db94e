package io.huatuo.jmx.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    @Test
    void allowsPerSecondDetailsPerWindowAndResetsOnTheNextOne() {
        RateLimiter r = new RateLimiter(3);
        long t = 1_000_000_000L;
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            allowed += r.tryAcquire(t + i) ? 1 : 0;
        }
        assertEquals(3, allowed);
        assertEquals(true, r.tryAcquire(t + 1_000_000_000L));
        r.setPerSecond(1);
        assertEquals(false, r.tryAcquire(t + 1_000_000_001L));
    }
}
