package io.huatuo.jmx.event;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** HUATUO's time formats. */
public final class TimeFormats {
    /** {@code time} and {@code tracer_time}: 2025-06-11 16:05:16.251 +0800. */
    public static final DateTimeFormatter EVENT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS Z");
    /** {@code uploaded_time}: RFC 3339 with nanoseconds, 2025-06-11T16:05:16.251152703+08:00. */
    public static final DateTimeFormatter UPLOADED_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnnXXX");
    /** Record file header: 2025-06-11 16:05:16. */
    public static final DateTimeFormatter HEADER_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private TimeFormats() {
    }

    private static final CachedTimeFormat CACHED_EVENT_TIME = new CachedTimeFormat(EVENT_TIME, 1);

    public static String eventTime(long epochMillis, ZoneId zone) {
        return CACHED_EVENT_TIME.format(epochMillis, zone);
    }

    public static String uploadedTime(Instant instant, ZoneId zone) {
        return UPLOADED_TIME.format(instant.atZone(zone));
    }
}
