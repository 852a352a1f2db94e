package io.huatuo.jmx.event;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * A formatter that remembers its last result: under load many events share a millisecond (or a
 * second), and formatting a time is not cheap. Thread-safe.
 */
public final class CachedTimeFormat {
    private record Last(long unit, ZoneId zone, String text) {
    }

    private final DateTimeFormatter format;
    private final long unitMillis;
    private volatile Last last = new Last(Long.MIN_VALUE, null, "");

    /** @param unitMillis the finest unit the pattern shows: 1 for milliseconds, 1000 for seconds */
    public CachedTimeFormat(DateTimeFormatter format, long unitMillis) {
        this.format = format;
        this.unitMillis = unitMillis;
    }

    public String format(long epochMillis, ZoneId zone) {
        long unit = Math.floorDiv(epochMillis, unitMillis);
        Last l = last;
        if (l.unit() == unit && zone.equals(l.zone())) {
            return l.text();
        }
        String text = format.format(Instant.ofEpochMilli(epochMillis).atZone(zone));
        last = new Last(unit, zone, text);
        return text;
    }
}
