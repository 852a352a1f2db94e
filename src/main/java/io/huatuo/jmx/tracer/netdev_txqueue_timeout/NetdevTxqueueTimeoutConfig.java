package io.huatuo.jmx.tracer.netdev_txqueue_timeout;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;

/**
 * The {@code tracers.netdev_txqueue_timeout} block. The threshold is each device's own watchdog
 * timeout (its driver's {@code watchdog_timeo}, 5 s unless the driver sets one).
 *
 * @param enabled            key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 */
public record NetdevTxqueueTimeoutConfig(boolean enabled, int maxEventsPerSecond) implements TracerConfig {

    public static NetdevTxqueueTimeoutConfig read(Section s) {
        return new NetdevTxqueueTimeoutConfig(Tracers.enabled(s), Tracers.maxEventsPerSecond(s));
    }
}
