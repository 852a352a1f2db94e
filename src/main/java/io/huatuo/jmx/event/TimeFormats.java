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

    /**
     * {@link #UPLOADED_TIME}. Every event has its own nanoseconds, so the formatter would run for each
     * one; the text before and after them changes once a second (a zone's offset changes on a whole
     * second), so only that is formatted, once a second, and the nine digits are written in between.
     */
    public static String uploadedTime(Instant instant, ZoneId zone) {
        UploadedSecond s = uploadedSecond;
        if (s.epochSecond != instant.getEpochSecond() || !s.zone.equals(zone)) {
            String whole = UPLOADED_TIME.format(Instant.ofEpochSecond(instant.getEpochSecond()).atZone(zone));
            int dot = whole.indexOf('.'); // yyyy-MM-ddTHH:mm:ss.000000000+08:00
            s = new UploadedSecond(instant.getEpochSecond(), zone, whole.substring(0, dot + 1), whole.substring(dot + 10));
            uploadedSecond = s;
        }
        StringBuilder sb = new StringBuilder(s.before.length() + 9 + s.after.length()).append(s.before);
        int nano = instant.getNano();
        for (int unit = 100_000_000; unit > 0; unit /= 10) {
            sb.append((char) ('0' + nano / unit % 10));
        }
        return sb.append(s.after).toString();
    }

    private record UploadedSecond(long epochSecond, ZoneId zone, String before, String after) {
    }

    private static volatile UploadedSecond uploadedSecond = new UploadedSecond(Long.MIN_VALUE, ZoneId.of("UTC"), "", "");
}
