package io.huatuo.jmx.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** Every ObjectName of the product comes from here; the names are API. */
public final class ObjectNames {
    public static final String DOMAIN = "huatuo";
    public static final String DAEMON = DOMAIN + ":type=Daemon";
    public static final String TRACER_PREFIX = DOMAIN + ":type=Tracer,name=";
    /** Notification type prefix; the full type is {@code huatuo.<tracer>}. */
    public static final String NOTIFICATION_PREFIX = DOMAIN + ".";

    private ObjectNames() {
    }

    public static ObjectName daemon() {
        return of(DAEMON);
    }

    public static ObjectName tracer(String tracer) {
        return of(TRACER_PREFIX + tracer);
    }

    public static String notificationType(String tracer) {
        return NOTIFICATION_PREFIX + tracer;
    }

    private static ObjectName of(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(name, e);
        }
    }
}
