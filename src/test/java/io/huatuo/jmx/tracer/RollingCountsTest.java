package io.huatuo.jmx.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RollingCountsTest {
    private final AtomicLong counter = new AtomicLong();
    private final RollingCounts windows = new RollingCounts(counter::get);

    /** Simulates {@code seconds} seconds: `perSecond` occurrences, then the daemon's tick. */
    private void run(int seconds, long perSecond) {
        for (int i = 0; i < seconds; i++) {
            counter.addAndGet(perSecond);
            windows.tick();
        }
    }

    @Test
    void youngerThanTheWindowCountsSinceStart() {
        counter.set(0);
        windows.tick(); // the first tick at start
        counter.addAndGet(5);
        assertEquals(5, windows.lastSeconds(60), "a burst right after start is seen at once, before any tick");
        run(10, 1);
        assertEquals(15, windows.lastSeconds(60));
        assertEquals(15, windows.lastSeconds(300));
    }

    @Test
    void aBurstLeavesTheMinuteAfterAMinuteAndTheFiveMinutesAfterFive() {
        windows.tick();
        run(1, 5); // a burst of 5 in the first second
        run(59, 0);
        assertEquals(5, windows.lastSeconds(60), "still inside the minute");
        run(1, 0);
        assertEquals(0, windows.lastSeconds(60), "a minute later it is gone from the one-minute window");
        assertEquals(5, windows.lastSeconds(300));
        run(239, 0);
        assertEquals(5, windows.lastSeconds(300));
        run(1, 0);
        assertEquals(0, windows.lastSeconds(300));
    }

    @Test
    void steadyRateFillsTheWindowsAfterTheRingWrapsAround() {
        run(1000, 2);
        assertEquals(120, windows.lastSeconds(60));
        assertEquals(600, windows.lastSeconds(300));
        counter.addAndGet(7); // between ticks: the live value counts at once
        assertEquals(127, windows.lastSeconds(60));
    }

    @Test
    void windowsOutsideTheRingAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> windows.lastSeconds(0));
        assertThrows(IllegalArgumentException.class, () -> windows.lastSeconds(301));
    }
}
