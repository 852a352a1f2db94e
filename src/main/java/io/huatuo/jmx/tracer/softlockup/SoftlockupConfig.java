package io.huatuo.jmx.tracer.softlockup;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;
/**
 * The {@code tracers.softlockup} block. The threshold is the kernel's own {@code watchdog_thresh}.
 *
 * @param enabled            key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 * @param allCpuStacks       key {@code allCpuStacks}: also collect every CPU's stack (sysrq {@code l}), which
 *                           floods the console; default false
 */
public record SoftlockupConfig(boolean enabled, int maxEventsPerSecond, boolean allCpuStacks) implements TracerConfig {

    public static SoftlockupConfig read(Section s) {
        return new SoftlockupConfig(Tracers.enabled(s), Tracers.maxEventsPerSecond(s),
                s.bool("allCpuStacks", false));
    }
}
