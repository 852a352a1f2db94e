package io.huatuo.jmx.tracer.lacp;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;
/**
 * The {@code tracers.lacp} block.
 *
 * @param enabled            key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 * @param pollIntervalMillis key {@code pollIntervalMillis}: how often /proc/net/bonding/* is read (port state
 *                           bits can change without a netlink message); 10..3600000, default 1000
 */
public record LacpConfig(boolean enabled, int maxEventsPerSecond, int pollIntervalMillis) implements TracerConfig {

    public static LacpConfig read(Section s) {
        return new LacpConfig(Tracers.enabled(s), Tracers.maxEventsPerSecond(s),
                s.integer("pollIntervalMillis", 1000, 10, TracerConfig.MAX_MILLIS));
    }
}
