package io.huatuo.jmx.event;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

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
            g.writeStringField(Envelope.HOSTNAME, e.hostname());
            g.writeStringField(Envelope.REGION, e.region());
            if (e.container().isPresent()) {
                Container c = e.container().get();
                g.writeStringField(Envelope.CONTAINER_ID, c.id());
                g.writeStringField(Envelope.CONTAINER_HOSTNAME, c.hostname());
                g.writeStringField(Envelope.CONTAINER_HOST_NAMESPACE, c.hostNamespace());
                g.writeStringField(Envelope.CONTAINER_TYPE, c.type());
                g.writeStringField(Envelope.CONTAINER_LEVEL, c.level());
            }
            g.writeStringField(Envelope.UPLOADED_TIME, e.uploadedTime());
            g.writeStringField(Envelope.TIME, e.eventTime());
            g.writeStringField(Envelope.TRACER_NAME, e.tracer());
            g.writeStringField(Envelope.TRACER_TIME, e.eventTime());
            g.writeStringField(Envelope.TRACER_TYPE, Envelope.TRACER_TYPE_AUTO);
            g.writeObjectFieldStart("tracer_data");
            List<Field> fields = e.schema().fields();
            for (int i = 0; i < fields.size(); i++) {
                g.writeFieldName(fields.get(i).name());
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
}
