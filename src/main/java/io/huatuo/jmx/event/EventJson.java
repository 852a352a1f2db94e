package io.huatuo.jmx.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The record document of an event, laid out as the seed's record files: envelope first, the
 * tracer's fields nested under {@code tracer_data}, 2-space indentation. Thread-safe.
 */
public final class EventJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectWriter PRETTY = MAPPER.writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n")));

    private EventJson() {
    }

    public static ObjectNode tree(Event e) {
        Map<String, Object> flat = e.flat();
        ObjectNode root = MAPPER.createObjectNode();
        root.put(Envelope.HOSTNAME, e.hostname());
        root.put(Envelope.REGION, e.region());
        e.container().ifPresent(c -> {
            root.put(Envelope.CONTAINER_ID, c.id());
            root.put(Envelope.CONTAINER_HOSTNAME, c.hostname());
            root.put(Envelope.CONTAINER_HOST_NAMESPACE, c.hostNamespace());
            root.put(Envelope.CONTAINER_TYPE, c.type());
            root.put(Envelope.CONTAINER_LEVEL, c.level());
        });
        for (String k : new String[] {Envelope.UPLOADED_TIME, Envelope.TIME, Envelope.TRACER_NAME,
                Envelope.TRACER_TIME, Envelope.TRACER_TYPE}) {
            root.put(k, (String) flat.get(k));
        }
        ObjectNode data = root.putObject("tracer_data");
        e.data().forEach((k, v) -> data.set(k, MAPPER.valueToTree(v)));
        return root;
    }

    /** The 2-space-indented document written to record files. */
    public static String document(Event e) {
        try {
            return PRETTY.writeValueAsString(tree(e));
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
