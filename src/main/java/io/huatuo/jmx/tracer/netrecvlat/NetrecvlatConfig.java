package io.huatuo.jmx.tracer.netrecvlat;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;
/**
 * The {@code tracers.netrecvlat} block: per-stage latency thresholds of the receive path, measured
 * from the packet's NIC timestamp.
 *
 * @param enabled                 key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond      key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 * @param thresholdNetifMillis    key {@code thresholdNetifMillis}: driver to stack ({@code TO_NETIF_RCV});
 *                                1..3600000, default 5
 * @param thresholdTcpMillis      key {@code thresholdTcpMillis}: into TCP ({@code TO_TCPV4_RCV}); 1..3600000, default 10
 * @param thresholdUserCopyMillis key {@code thresholdUserCopyMillis}: copied to the reader ({@code TO_USER_COPY});
 *                                1..3600000, default 115
 */
public record NetrecvlatConfig(boolean enabled, int maxEventsPerSecond, int thresholdNetifMillis,
                               int thresholdTcpMillis, int thresholdUserCopyMillis) implements TracerConfig {

    public static NetrecvlatConfig read(Section s) {
        return new NetrecvlatConfig(Tracers.enabled(s), Tracers.maxEventsPerSecond(s),
                Tracers.millis(s, "thresholdNetifMillis", 5),
                Tracers.millis(s, "thresholdTcpMillis", 10),
                Tracers.millis(s, "thresholdUserCopyMillis", 115));
    }
}
