package io.huatuo.jmx.tracer.hungtask;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;
/**
 * The {@code tracers.hungtask} block. The threshold is the kernel's own {@code hung_task_timeout_secs}.
 *
 * @param enabled            key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 */
public record HungtaskConfig(boolean enabled, int maxEventsPerSecond) implements TracerConfig {

    public static HungtaskConfig read(Section s) {
        return new HungtaskConfig(Tracers.enabled(s), Tracers.maxEventsPerSecond(s));
    }
}
