package io.huatuo.jmx.event;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The record document of an event, laid out as HUATUO's record files: envelope first, the
 * tracer's fields nested under {@code tracer_data}, 2-space indentation. Thread-safe.
 */
public final class EventJson {
    private static final JsonFactory JSON = new JsonFactory().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"));
    /*
     * Field names quoted and encoded once: Jackson copies their bytes instead of checking and encoding
     * each character of each name for every event (the largest part of the time spent here, a JFR profile
     * showed).
     */
    private static final SerializableString HOSTNAME = new SerializedString(Envelope.HOSTNAME);
    private static final SerializableString REGION = new SerializedString(Envelope.REGION);
    private static final SerializableString CONTAINER_ID = new SerializedString(Envelope.CONTAINER_ID);
    private static final SerializableString CONTAINER_HOSTNAME = new SerializedString(Envelope.CONTAINER_HOSTNAME);
    private static final SerializableString CONTAINER_HOST_NAMESPACE =
            new SerializedString(Envelope.CONTAINER_HOST_NAMESPACE);
    private static final SerializableString CONTAINER_TYPE = new SerializedString(Envelope.CONTAINER_TYPE);
    private static final SerializableString CONTAINER_LEVEL = new SerializedString(Envelope.CONTAINER_LEVEL);
    private static final SerializableString UPLOADED_TIME = new SerializedString(Envelope.UPLOADED_TIME);
    private static final SerializableString TIME = new SerializedString(Envelope.TIME);
    private static final SerializableString TRACER_NAME = new SerializedString(Envelope.TRACER_NAME);
    private static final SerializableString TRACER_TIME = new SerializedString(Envelope.TRACER_TIME);
    private static final SerializableString TRACER_TYPE = new SerializedString(Envelope.TRACER_TYPE);
    private static final SerializableString TRACER_DATA = new SerializedString("tracer_data");
    /** Each schema's field names, in the order of its fields (schemas are few and live as long as the daemon). */
    private static final Map<Schema, SerializableString[]> NAMES = new ConcurrentHashMap<>();

    private EventJson() {
    }

    /** The 2-space-indented document written to record files. */
    public static String document(Event e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try {
            write(e, out);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** {@link #document} as UTF-8 straight into {@code out}: no tree, no String, one pass per event. */
    public static void write(Event e, OutputStream out) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.setPrettyPrinter(PRETTY.createInstance());
            g.writeStartObject();
            field(g, HOSTNAME, e.hostname());
            field(g, REGION, e.region());
            if (e.container().isPresent()) {
                Container c = e.container().get();
                field(g, CONTAINER_ID, c.id());
                field(g, CONTAINER_HOSTNAME, c.hostname());
                field(g, CONTAINER_HOST_NAMESPACE, c.hostNamespace());
                field(g, CONTAINER_TYPE, c.type());
                field(g, CONTAINER_LEVEL, c.level());
            }
            field(g, UPLOADED_TIME, e.uploadedTime());
            field(g, TIME, e.eventTime());
            field(g, TRACER_NAME, e.tracer());
            field(g, TRACER_TIME, e.eventTime());
            field(g, TRACER_TYPE, Envelope.TRACER_TYPE_AUTO);
            g.writeFieldName(TRACER_DATA);
            g.writeStartObject();
            List<Field> fields = e.schema().fields();
            SerializableString[] names = NAMES.computeIfAbsent(e.schema(), EventJson::names);
            for (int i = 0; i < fields.size(); i++) {
                g.writeFieldName(names[i]);
                Object v = e.value(i);
                if (v instanceof String str) {
                    g.writeString(str);
                } else if (v instanceof Long l) {
                    g.writeNumber(l);
                } else if (v instanceof Integer n) {
                    g.writeNumber(n);
                } else if (v instanceof Boolean b) {
                    g.writeBoolean(b);
                } else {
                    throw new IllegalArgumentException(e.tracer() + "." + fields.get(i).name() + ": unexpected "
                            + (v == null ? "null" : v.getClass().getSimpleName()));
                }
            }
            g.writeEndObject();
            g.writeEndObject();
        }
    }

    private static void field(JsonGenerator g, SerializableString name, String value) throws IOException {
        g.writeFieldName(name);
        g.writeString(value);
    }

    private static SerializableString[] names(Schema schema) {
        return schema.fields().stream().map(f -> new SerializedString(f.name())).toArray(SerializableString[]::new);
    }
}
