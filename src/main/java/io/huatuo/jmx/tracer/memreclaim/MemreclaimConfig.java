package io.huatuo.jmx.tracer.memreclaim;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;
/**
 * The {@code tracers.memreclaim} block: a process that spends more than {@code thresholdMillis} in
 * direct or memcg reclaim within {@code windowMillis} is reported.
 *
 * @param enabled            key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 * @param thresholdMillis    key {@code thresholdMillis}: time in reclaim within one window; 1..3600000, default 900
 * @param windowMillis       key {@code windowMillis}: the window; 1..3600000 and at least
 *                           {@code thresholdMillis}, default 1000
 */
public record MemreclaimConfig(boolean enabled, int maxEventsPerSecond, int thresholdMillis, int windowMillis)
        implements TracerConfig {

    public static MemreclaimConfig read(Section s) {
        boolean enabled = Tracers.enabled(s);
        int maxEventsPerSecond = Tracers.maxEventsPerSecond(s);
        int thresholdMillis = Tracers.millis(s, "thresholdMillis", 900);
        int windowMillis = Tracers.millis(s, "windowMillis", 1000);
        // A window shorter than the threshold could never report anything.
        if (windowMillis < thresholdMillis) {
            throw s.error("windowMillis", "must be at least " + s.key("thresholdMillis") + " ("
                    + thresholdMillis + "), got " + windowMillis);
        }
        return new MemreclaimConfig(enabled, maxEventsPerSecond, thresholdMillis, windowMillis);
    }
}
