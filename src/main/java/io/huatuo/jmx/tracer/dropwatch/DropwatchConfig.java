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
 * @param excludeReasonsSetIn where a list other than the default was set ("file: key"), for the warning
 *                           about reasons the running kernel lacks; null for the default list
 */
public record DropwatchConfig(boolean enabled, int maxEventsPerSecond, List<String> excludeReasons,
        String excludeReasonsSetIn) implements TracerConfig {

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

    /** A block with the default-list treatment for {@code excludeReasons} (tests). */
    public DropwatchConfig(boolean enabled, int maxEventsPerSecond, List<String> excludeReasons) {
        this(enabled, maxEventsPerSecond, excludeReasons, null);
    }

    /** Equal when the settings are equal; where they were set does not take part (as for HuatuoConfig). */
    @Override
    public boolean equals(Object o) {
        return o instanceof DropwatchConfig d && enabled == d.enabled && maxEventsPerSecond == d.maxEventsPerSecond
                && excludeReasons.equals(d.excludeReasons);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(enabled, maxEventsPerSecond, excludeReasons);
    }

    public static DropwatchConfig read(Section s) {
        boolean enabled = Tracers.enabled(s);
        int max = Tracers.maxEventsPerSecond(s);
        List<String> reasons = Tracers.identifiers(s, "excludeReasons", DEFAULT_EXCLUDE_REASONS);
        return new DropwatchConfig(enabled, max, reasons,
                reasons.equals(DEFAULT_EXCLUDE_REASONS) ? null : s.where("excludeReasons"));
    }
}
