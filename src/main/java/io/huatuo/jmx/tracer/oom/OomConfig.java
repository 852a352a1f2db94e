package io.huatuo.jmx.tracer.oom;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;
/**
 * The {@code tracers.oom} block.
 *
 * @param enabled            key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 */
public record OomConfig(boolean enabled, int maxEventsPerSecond) implements TracerConfig {

    public static OomConfig read(Section s) {
        return new OomConfig(Tracers.enabled(s), Tracers.maxEventsPerSecond(s));
    }
}
