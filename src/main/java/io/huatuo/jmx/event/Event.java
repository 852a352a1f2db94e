package io.huatuo.jmx.event;

import java.time.Instant;
import java.time.ZoneId;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One reported event: envelope + the tracer's fields, typed by its {@link Schema}. Immutable and
 * thread-safe; build it with {@link #builder(Schema)}.
 */
public final class Event {
    private final Schema schema;
    private final String hostname;
    private final String region;
    private final long timeMillis;
    private final Instant uploaded;
    private final ZoneId zone;
    private final Container container;
    private final Object[] values; // by position in schema.fields()
    private final Map<String, Object> data;
    private final String eventTime;
    private final String uploadedTime;
    // Rendered once, when first asked for (racy but idempotent): the notification and the console
    // share it, and it is never built when no output asks for it.
    private volatile String summary;

    private Event(Builder b) {
        this.schema = b.schema;
        this.hostname = Objects.requireNonNull(b.hostname, "hostname");
        this.region = Objects.requireNonNullElse(b.region, "");
        this.timeMillis = b.timeMillis;
        this.uploaded = Objects.requireNonNullElseGet(b.uploaded, Instant::now);
        this.zone = Objects.requireNonNullElseGet(b.zone, ZoneId::systemDefault);
        this.container = b.container;
        List<Field> fields = schema.fields();
        this.values = b.values.clone();
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                values[i] = fields.get(i).type().zero();
            }
        }
        this.data = new Values();
        this.eventTime = TimeFormats.eventTime(timeMillis, zone);
        this.uploadedTime = TimeFormats.uploadedTime(uploaded, zone);
    }

    public static Builder builder(Schema schema) {
        return new Builder(schema);
    }

    public Schema schema() {
        return schema;
    }

    public String tracer() {
        return schema.tracer();
    }

    public String hostname() {
        return hostname;
    }

    public String region() {
        return region;
    }

    /** Epoch milliseconds when the event happened. */
    public long timeMillis() {
        return timeMillis;
    }

    public Instant uploaded() {
        return uploaded;
    }

    public ZoneId zone() {
        return zone;
    }

    public Optional<Container> container() {
        return Optional.ofNullable(container);
    }

    /** The tracer's fields in schema order (every field present; unset ones hold their zero). */
    public Map<String, Object> data() {
        return data;
    }

    public Object get(String field) {
        schema.field(field);
        return data.get(field);
    }

    /** The value of {@code schema().fields().get(i)}. */
    Object value(int i) {
        return values[i];
    }

    /** {@link #data()}: a read-only view of the values array, no map entries kept per event. */
    private final class Values extends AbstractMap<String, Object> {
        @Override
        public Object get(Object key) {
            int i = key instanceof String name ? schema.indexOf(name) : -1;
            return i < 0 ? null : values[i];
        }

        @Override
        public boolean containsKey(Object key) {
            return key instanceof String name && schema.indexOf(name) >= 0;
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public Set<Map.Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, Object>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < values.length;
                        }

                        @Override
                        public Map.Entry<String, Object> next() {
                            if (next >= values.length) {
                                throw new NoSuchElementException();
                            }
                            int i = next++;
                            return new SimpleImmutableEntry<>(schema.fields().get(i).name(), values[i]);
                        }
                    };
                }

                @Override
                public int size() {
                    return values.length;
                }
            };
        }
    }

    /**
     * Envelope then tracer fields, every field of {@link Schema#flatFields()} present: a new map for
     * each call (the JMX outputs take {@link #flatValues()} instead).
     */
    public Map<String, Object> flat() {
        String[] names = schema.flatNames();
        Object[] flatValues = flatValues();
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], flatValues[i]);
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * The values of {@link #flat()} in the order of {@link Schema#flatNames()}, in a new array: what a
     * CompositeData is made of, without a map per event.
     */
    public Object[] flatValues() {
        List<Field> envelope = Envelope.FIELDS;
        Object[] v = new Object[envelope.size() + values.length];
        for (int i = 0; i < envelope.size(); i++) {
            v[i] = envelopeValue(envelope.get(i).name());
        }
        System.arraycopy(values, 0, v, envelope.size(), values.length);
        return v;
    }

    private Object envelopeValue(String name) {
        return switch (name) {
            case Envelope.HOSTNAME -> hostname;
            case Envelope.REGION -> region;
            case Envelope.UPLOADED_TIME -> uploadedTime;
            case Envelope.TIME, Envelope.TRACER_TIME -> eventTime;
            case Envelope.TRACER_NAME -> schema.tracer();
            case Envelope.TRACER_TYPE -> Envelope.TRACER_TYPE_AUTO;
            case Envelope.CONTAINER_ID -> container == null ? "" : container.id();
            case Envelope.CONTAINER_HOSTNAME -> container == null ? "" : container.hostname();
            case Envelope.CONTAINER_HOST_NAMESPACE -> container == null ? "" : container.hostNamespace();
            case Envelope.CONTAINER_TYPE -> container == null ? "" : container.type();
            case Envelope.CONTAINER_LEVEL -> container == null ? "" : container.level();
            default -> throw new IllegalStateException("envelope field without a value: " + name);
        };
    }

    /** {@code time} and {@code tracer_time}, formatted. */
    public String eventTime() {
        return eventTime;
    }

    /** {@code uploaded_time}, formatted. */
    public String uploadedTime() {
        return uploadedTime;
    }

    /**
     * One human line: tracer name and every single-line field as key=value, the schema's headline
     * fields first. Used for the notification message and the console.
     */
    public String summary() {
        String s = summary;
        if (s == null) {
            s = renderSummary();
            summary = s;
        }
        return s;
    }

    private String renderSummary() {
        StringBuilder sb = new StringBuilder(256).append(schema.tracer());
        if (container != null) {
            sb.append(" container=").append(container.id());
        }
        List<Field> fields = schema.fields();
        for (int i : schema.summaryOrder()) {
            Object v = values[i];
            if (v instanceof String str && (str.indexOf('\n') >= 0 || str.length() > 120)) {
                continue;
            }
            sb.append(' ').append(fields.get(i).name()).append('=');
            if (v instanceof Long n) {
                sb.append(n.longValue()); // no String per number
            } else if (v instanceof Integer n) {
                sb.append(n.intValue());
            } else {
                String str = String.valueOf(v);
                sb.append(str.isEmpty() ? "-" : str);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return summary();
    }

    /** Not thread-safe; one builder per event. */
    public static final class Builder {
        private final Schema schema;
        private final Object[] values; // by position in schema.fields(), null while unset
        private String hostname;
        private String region;
        private long timeMillis = System.currentTimeMillis();
        private Instant uploaded;
        private ZoneId zone;
        private Container container;

        private Builder(Schema schema) {
            this.schema = Objects.requireNonNull(schema, "schema");
            this.values = new Object[schema.fields().size()];
        }

        /** Sets a tracer field; the value's type must match the schema. */
        public Builder set(String name, Object value) {
            Field f = schema.field(name);
            if (value == null || !f.type().javaType().isInstance(value)) {
                throw new IllegalArgumentException(schema.tracer() + "." + name + ": expected "
                        + f.type() + ", got " + (value == null ? "null" : value.getClass().getSimpleName()));
            }
            values[schema.indexOf(name)] = value;
            return this;
        }

        /** Replaces every string field's value by {@code f} of it (e.g. to hide kernel addresses). */
        public Builder mapStrings(java.util.function.UnaryOperator<String> f) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] instanceof String v) {
                    values[i] = f.apply(v);
                }
            }
            return this;
        }

        public Object value(String name) {
            int i = schema.indexOf(name);
            return i < 0 ? null : values[i];
        }

        public Builder timeMillis(long epochMillis) {
            this.timeMillis = epochMillis;
            return this;
        }

        public Builder hostname(String hostname) {
            this.hostname = hostname;
            return this;
        }

        public Builder region(String region) {
            this.region = region;
            return this;
        }

        public Builder uploaded(Instant uploaded) {
            this.uploaded = uploaded;
            return this;
        }

        public Builder zone(ZoneId zone) {
            this.zone = zone;
            return this;
        }

        public Builder container(Container container) {
            this.container = container;
            return this;
        }

        public Event build() {
            return new Event(this);
        }
    }
}
