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
 *                           {@code SKB_DROP_REASON_}) that are TCP's normal operation, not anomalies, and
 *                           are counted but not reported; only their shape is checked here, the tracer
 *                           checks them against the running kernel; default {@link #DEFAULT_EXCLUDE_REASONS}
 * @param excludeReasonsSetIn where a list other than the default was set ("file: key"), for the warning
 *                           about reasons the running kernel lacks; null for the default list
 * @param excludeTimeWait    key {@code excludeTimeWait}: drops without a reason (NOT_SPECIFIED) of segments a
 *                           TIME_WAIT socket received are counted but not reported: tcp_v4_rcv frees every
 *                           segment the TIME_WAIT handling answered (the peer's late FIN or ACK) that way;
 *                           default true
 * @param excludeLateSegments key {@code excludeLateSegments}: NO_SOCKET drops of segments with neither SYN nor
 *                           data (a late ACK, FIN or RST of a connection this host has already closed) are
 *                           counted but not reported; a SYN to a closed port and data for a connection the
 *                           host does not know stay reported; default true
 */
public record DropwatchConfig(boolean enabled, int maxEventsPerSecond, List<String> excludeReasons,
        String excludeReasonsSetIn, boolean excludeTimeWait, boolean excludeLateSegments) implements TracerConfig {

    /**
     * Default of {@link #excludeReasons()}, from the kernel's tcp_input.c and dropreason-core.h. Teardown:
     * QUEUE_PURGE (a closed socket's queues freed), TCP_CLOSE (a segment for a socket in CLOSE),
     * TCP_ABORT_ON_DATA (data after close, answered with a reset). TCP's own handling of duplicates, which
     * it acknowledges and discards by design on any connection with retransmissions or reordering:
     * TCP_OLD_DATA (data all received before, "a retransmit, 2nd most common case" in tcp_data_queue),
     * TCP_OLD_SEQUENCE (a segment wholly before the receive window, answered with a duplicate ACK),
     * TCP_OFOMERGE (out-of-order data already queued), TCP_RFC7323_PAWS_ACK (an old pure ACK, "common"
     * says its commit). Window, PAWS on data, reset, SYN, flag, checksum, authentication, backlog and memory
     * reasons stay reported.
     */
    public static final List<String> DEFAULT_EXCLUDE_REASONS = List.of("QUEUE_PURGE", "TCP_CLOSE", "TCP_ABORT_ON_DATA",
            "TCP_OLD_DATA", "TCP_OLD_SEQUENCE", "TCP_OFOMERGE", "TCP_RFC7323_PAWS_ACK");

    /**
     * Copies the list, so that the configuration stays immutable.
     *
     * @param enabled            see {@link #enabled()}
     * @param maxEventsPerSecond see {@link #maxEventsPerSecond()}
     * @param excludeReasons     see {@link #excludeReasons()}
     * @param excludeReasonsSetIn see {@link #excludeReasonsSetIn()}
     * @param excludeTimeWait    see {@link #excludeTimeWait()}
     * @param excludeLateSegments see {@link #excludeLateSegments()}
     */
    public DropwatchConfig {
        excludeReasons = List.copyOf(excludeReasons);
    }

    /** A block with the default-list treatment for {@code excludeReasons} and the other exclusions on (tests). */
    public DropwatchConfig(boolean enabled, int maxEventsPerSecond, List<String> excludeReasons) {
        this(enabled, maxEventsPerSecond, excludeReasons, null, true, true);
    }

    /** Equal when the settings are equal; where they were set does not take part (as for HuatuoConfig). */
    @Override
    public boolean equals(Object o) {
        return o instanceof DropwatchConfig d && enabled == d.enabled && maxEventsPerSecond == d.maxEventsPerSecond
                && excludeReasons.equals(d.excludeReasons) && excludeTimeWait == d.excludeTimeWait
                && excludeLateSegments == d.excludeLateSegments;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(enabled, maxEventsPerSecond, excludeReasons, excludeTimeWait, excludeLateSegments);
    }

    public static DropwatchConfig read(Section s) {
        boolean enabled = Tracers.enabled(s);
        int max = Tracers.maxEventsPerSecond(s);
        List<String> reasons = Tracers.identifiers(s, "excludeReasons", DEFAULT_EXCLUDE_REASONS);
        return new DropwatchConfig(enabled, max, reasons,
                reasons.equals(DEFAULT_EXCLUDE_REASONS) ? null : s.where("excludeReasons"),
                s.bool("excludeTimeWait", true), s.bool("excludeLateSegments", true));
    }
}
