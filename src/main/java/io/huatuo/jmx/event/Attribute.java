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
 * <p>Numbers also say what they measure, as the JMX Descriptor fields of the JDK's own MBeans do:
 * {@link #metricType()} (a monotonic counter or a gauge), {@link #units()}, and for writable numbers
 * the accepted range; a String with a fixed set of values names them in {@link #legalValues()}.
 * Add them with {@link #counter}, {@link #gauge}, {@link #range} and {@link #legal}.
 *
 * @param name        CamelCase attribute name with the unit in it (e.g. {@code ThresholdMillis})
 * @param type        value type; {@link Type#COUNTS} is a map of name → long with fixed keys
 * @param description shown by JConsole, Jolokia list, Prometheus HELP and Zabbix
 * @param getter      current value
 * @param setter      null for read-only; throws IllegalArgumentException with a message on a bad value
 * @param keys        for COUNTS: the fixed key set, in order
 * @param metricType  for numbers: COUNTER (only grows while the daemon runs) or GAUGE; null otherwise
 * @param units       for numbers: e.g. {@code ms}, {@code s}, {@code events}; null when unset
 * @param minValue    for writable numbers: the smallest accepted value, null when unset
 * @param maxValue    for writable numbers: the largest accepted value, null when unset
 * @param legalValues for strings with a fixed set of values: the values; empty otherwise
 */
public record Attribute(String name, Type type, String description, Supplier<Object> getter,
        Consumer<Object> setter, List<String> keys, MetricType metricType, String units, Long minValue,
        Long maxValue, List<String> legalValues) {

    private static final Pattern CAMEL = Pattern.compile("[A-Z][A-Za-z0-9]*");

    public enum Type {
        LONG, INT, BOOLEAN, STRING, STRING_ARRAY,
        /** Map of name → long with the fixed key set {@link #keys()}. */
        COUNTS,
        /** The owning tracer's event, flat (envelope + fields); the getter returns the rendered value. */
        EVENT;

        /** Whether values of this type are numbers (COUNTS: a number per key). */
        public boolean isNumeric() {
            return this == LONG || this == INT || this == COUNTS;
        }
    }

    /** The JMX Descriptor field {@code metricType}: how a number behaves over time. */
    public enum MetricType {
        /** Only grows while the daemon runs (starts at 0 or at the kernel's count). */
        COUNTER,
        /** Goes up and down (a state, a threshold, a count over a sliding window). */
        GAUGE;

        /** The Descriptor value, as the JMX specification spells it. */
        public String descriptorValue() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Attribute {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(getter, "getter");
        keys = keys == null ? List.of() : List.copyOf(keys);
        legalValues = legalValues == null ? List.of() : List.copyOf(legalValues);
        if (name == null || !CAMEL.matcher(name).matches()) {
            throw new IllegalArgumentException("attribute name must be CamelCase: " + name);
        }
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("attribute " + name + " needs a description");
        }
        if (metricType != null && !type.isNumeric()) {
            throw new IllegalArgumentException("attribute " + name + ": a " + type + " has no metricType");
        }
        if ((minValue != null || maxValue != null) && (type != Type.LONG || setter == null)) {
            throw new IllegalArgumentException("attribute " + name + ": a range belongs to a writable LONG");
        }
        if (!legalValues.isEmpty() && type != Type.STRING) {
            throw new IllegalArgumentException("attribute " + name + ": legal values belong to a STRING");
        }
    }

    public static Attribute readOnly(String name, Type type, String description, Supplier<Object> getter) {
        return new Attribute(name, type, description, getter, null, null, null, null, null, null, null);
    }

    public static Attribute writable(String name, Type type, String description, Supplier<Object> getter,
            Consumer<Object> setter) {
        return new Attribute(name, type, description, getter, Objects.requireNonNull(setter), null, null, null, null,
                null, null);
    }

    /** A map of counters with a fixed key set; the getter returns {@code Map<String, Long>}. */
    public static Attribute counts(String name, String description, List<String> keys,
            Supplier<Map<String, Long>> getter) {
        return new Attribute(name, Type.COUNTS, description, getter::get, null, keys, MetricType.COUNTER, null, null,
                null, null);
    }

    /** This attribute as a monotonic counter of {@code units}. */
    public Attribute counter(String units) {
        return new Attribute(name, type, description, getter, setter, keys, MetricType.COUNTER, units, minValue,
                maxValue, legalValues);
    }

    /** This attribute as a gauge in {@code units}. */
    public Attribute gauge(String units) {
        return new Attribute(name, type, description, getter, setter, keys, MetricType.GAUGE, units, minValue,
                maxValue, legalValues);
    }

    /** The values a writable LONG accepts (its setter still checks them). */
    public Attribute range(long min, long max) {
        return new Attribute(name, type, description, getter, setter, keys, metricType, units, min, max, legalValues);
    }

    /** The only values a STRING takes. */
    public Attribute legal(List<String> values) {
        return new Attribute(name, type, description, getter, setter, keys, metricType, units, minValue, maxValue,
                values);
    }

    public boolean isWritable() {
        return setter != null;
    }
}
