package io.huatuo.jmx.event;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One managed attribute of a tracer or of the daemon (a counter, a state, a threshold), described
 * in plain Java so that the JMX layer can expose it without knowing tracer classes.
 *
 * @param name        CamelCase attribute name with the unit in it (e.g. {@code ThresholdMillis})
 * @param type        value type; {@link Type#COUNTS} is a map of name → long with fixed keys
 * @param description shown by JConsole, Jolokia list, Prometheus HELP and Zabbix
 * @param getter      current value
 * @param setter      null for read-only; throws IllegalArgumentException with a message on a bad value
 * @param keys        for COUNTS: the fixed key set, in order
 */
public record Attribute(String name, Type type, String description, Supplier<Object> getter,
        Consumer<Object> setter, List<String> keys) {

    private static final Pattern CAMEL = Pattern.compile("[A-Z][A-Za-z0-9]*");

    public enum Type {
        LONG, INT, BOOLEAN, STRING, STRING_ARRAY,
        /** Map of name → long with the fixed key set {@link #keys()}. */
        COUNTS,
        /** The owning tracer's event, flat (envelope + fields); the getter returns the rendered value. */
        EVENT
    }

    public Attribute {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(getter, "getter");
        keys = keys == null ? List.of() : List.copyOf(keys);
        if (name == null || !CAMEL.matcher(name).matches()) {
            throw new IllegalArgumentException("attribute name must be CamelCase: " + name);
        }
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("attribute " + name + " needs a description");
        }
    }

    public static Attribute readOnly(String name, Type type, String description, Supplier<Object> getter) {
        return new Attribute(name, type, description, getter, null, null);
    }

    public static Attribute writable(String name, Type type, String description, Supplier<Object> getter,
            Consumer<Object> setter) {
        return new Attribute(name, type, description, getter, Objects.requireNonNull(setter), null);
    }

    /** A map of counters with a fixed key set; the getter returns {@code Map<String, Long>}. */
    public static Attribute counts(String name, String description, List<String> keys,
            Supplier<Map<String, Long>> getter) {
        return new Attribute(name, Type.COUNTS, description, getter::get, null, keys);
    }

    public boolean isWritable() {
        return setter != null;
    }
}
