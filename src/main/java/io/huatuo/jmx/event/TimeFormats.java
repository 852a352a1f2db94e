package io.huatuo.jmx.event;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** The seed's time formats. */
public final class TimeFormats {
    /** {@code time} and {@code tracer_time}: 2025-06-11 16:05:16.251 +0800. */
    public static final DateTimeFormatter EVENT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS Z");
    /** {@code uploaded_time}: RFC 3339 with nanoseconds, 2025-06-11T16:05:16.251152703+08:00. */
    public static final DateTimeFormatter UPLOADED_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnnXXX");
    /** Record file header: 2025-06-11 16:05:16. */
    public static final DateTimeFormatter HEADER_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private TimeFormats() {
    }

    /** The last {@link #eventTime}: under load many events share a millisecond, and formatting is not cheap. */
    private record Formatted(long epochMillis, ZoneId zone, String text) {
    }

    private static volatile Formatted lastEventTime = new Formatted(Long.MIN_VALUE, null, "");

    public static String eventTime(long epochMillis, ZoneId zone) {
        Formatted last = lastEventTime;
        if (last.epochMillis() == epochMillis && zone.equals(last.zone())) {
            return last.text();
        }
        String text = EVENT_TIME.format(Instant.ofEpochMilli(epochMillis).atZone(zone));
        lastEventTime = new Formatted(epochMillis, zone, text);
        return text;
    }

    public static String uploadedTime(Instant instant, ZoneId zone) {
        return UPLOADED_TIME.format(instant.atZone(zone));
    }
}
