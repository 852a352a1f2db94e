package io.huatuo.jmx.record;

import io.huatuo.jmx.event.CachedTimeFormat;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * The header line that precedes each document in a record file (HUATUO's record format):
 * {@code yyyy-MM-dd HH:mm:ss Host=<hostname> Region=<region>}, followed for container events by
 * {@code  ContainerHost=<h> ContainerID=<id> ContainerType=<t> ContainerLevel=<l>}.
 *
 * <p>Thread-safe.
 */
public final class RecordHeader {

    private static final CachedTimeFormat TIME =
            new CachedTimeFormat(DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss"), 1000);

    private RecordHeader() {
    }

    /**
     * Formats one header line (without the line break).
     *
     * <p>The container part is appended only when {@code containerId} is non-empty. A {@code null}
     * value is written as empty. Whitespace and control characters inside a value are replaced by
     * {@code _}: the header is one line of space-separated {@code Key=value} pairs, and a container's
     * hostname comes from files we do not control.
     *
     * @param epochMillis    the event time
     * @param zone           the zone the time is shown in (the host's zone in production)
     * @param host           the host's name
     * @param region         free text from the configuration
     * @param containerHost  the container's hostname
     * @param containerId    the container's id; empty for a host event
     * @param containerType  the container's type (e.g. {@code normal})
     * @param containerLevel the container's level (e.g. a k8s QoS class)
     * @return the header line
     */
    public static String format(long epochMillis, ZoneId zone, String host, String region,
                                String containerHost, String containerId, String containerType,
                                String containerLevel) {
        StringBuilder line = new StringBuilder(128);
        line.append(TIME.format(epochMillis, zone));
        append(line, "Host", host);
        append(line, "Region", region);
        if (containerId != null && !containerId.isEmpty()) {
            append(line, "ContainerHost", containerHost);
            append(line, "ContainerID", containerId);
            append(line, "ContainerType", containerType);
            append(line, "ContainerLevel", containerLevel);
        }
        return line.toString();
    }

    private static void append(StringBuilder line, String key, String value) {
        line.append(' ').append(key).append('=');
        if (value == null) {
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            line.append(Character.isWhitespace(c) || Character.isISOControl(c) ? '_' : c);
        }
    }
}
