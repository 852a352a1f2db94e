package io.huatuo.jmx.tracer.softirq;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;
/**
 * The {@code tracers.softirq} block.
 *
 * @param enabled              key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond   key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 * @param thresholdMillis      key {@code thresholdMillis}: report a CPU that kept softirqs (or interrupts) off
 *                             longer than this; 1..3600000, default 100 (HUATUO's value)
 * @param delayThresholdMillis key {@code delayThresholdMillis}: report a NET_RX/NET_TX softirq that ran this
 *                             long after being raised; 1..3600000, default 10
 */
public record SoftirqConfig(boolean enabled, int maxEventsPerSecond, int thresholdMillis, int delayThresholdMillis)
        implements TracerConfig {

    public static SoftirqConfig read(Section s) {
        return new SoftirqConfig(Tracers.enabled(s), Tracers.maxEventsPerSecond(s),
                Tracers.millis(s, "thresholdMillis", 100),
                Tracers.millis(s, "delayThresholdMillis", 10));
    }
}
