package io.huatuo.jmx.tracer.tcp_retransmit;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;

/**
 * The {@code tracers.tcp_retransmit} block.
 *
 * @param enabled            key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 */
public record TcpRetransmitConfig(boolean enabled, int maxEventsPerSecond) implements TracerConfig {

    public static TcpRetransmitConfig read(Section s) {
        return new TcpRetransmitConfig(Tracers.enabled(s), Tracers.maxEventsPerSecond(s));
    }
}
