package io.huatuo.jmx.tracer.dropwatch;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;
import java.util.List;

/**
 * The {@code tracers.dropwatch} block.
 *
 * @param enabled            key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 * @param excludeReasons     key {@code excludeReasons}: skb drop reasons (the kernel's names without
 *                           {@code SKB_DROP_REASON_}) that are normal teardown, not anomalies, and are
 *                           not reported; only their shape is checked here, the tracer checks them
 *                           against the running kernel; default [QUEUE_PURGE, TCP_CLOSE, TCP_ABORT_ON_DATA]
 */
public record DropwatchConfig(boolean enabled, int maxEventsPerSecond, List<String> excludeReasons)
        implements TracerConfig {

    /** Default of {@link #excludeReasons()}. */
    public static final List<String> DEFAULT_EXCLUDE_REASONS = List.of("QUEUE_PURGE", "TCP_CLOSE", "TCP_ABORT_ON_DATA");

    /**
     * Copies the list, so that the configuration stays immutable.
     *
     * @param enabled            see {@link #enabled()}
     * @param maxEventsPerSecond see {@link #maxEventsPerSecond()}
     * @param excludeReasons     see {@link #excludeReasons()}
     */
    public DropwatchConfig {
        excludeReasons = List.copyOf(excludeReasons);
    }

    public static DropwatchConfig read(Section s) {
        return new DropwatchConfig(Tracers.enabled(s), Tracers.maxEventsPerSecond(s),
                Tracers.identifiers(s, "excludeReasons", DEFAULT_EXCLUDE_REASONS));
    }
}
