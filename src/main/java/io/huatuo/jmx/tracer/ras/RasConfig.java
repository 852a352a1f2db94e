package io.huatuo.jmx.tracer.ras;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;

/**
 * The {@code tracers.ras} block. Every hardware error the kernel reports is an event.
 *
 * @param enabled            key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 */
public record RasConfig(boolean enabled, int maxEventsPerSecond) implements TracerConfig {

    public static RasConfig read(Section s) {
        return new RasConfig(Tracers.enabled(s), Tracers.maxEventsPerSecond(s));
    }
}
