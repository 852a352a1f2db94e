package io.huatuo.jmx.json;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * A parsed JSON or YAML document as plain Java values, read from Jackson's streaming parser: a
 * {@link Map} (keys in document order), a {@link List}, a {@link String}, a {@link Boolean}, an
 * {@link Integer}, {@link Long} or {@link java.math.BigInteger}, a {@link BigDecimal} (exact, as
 * written), or null.
 *
 * <p>The daemon reads only its configuration file and small request bodies as trees; Jackson's
 * object mapper would load about 400 classes more for that (about 3 MB of resident class data).
 */
public final class PlainTree {
    private PlainTree() {
    }

    /**
     * Reads the document's first value. It recurses once per level of nesting: give the parser a
     * nesting limit (the configuration's SnakeYAML options, the request check's stream constraints).
     *
     * @return {@link Absent#INSTANCE} if the input holds no value at all, else the value (null for a null)
     * @throws IOException what the parser throws (syntax errors, its own limits)
     */
    public static Object read(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        return t == null ? Absent.INSTANCE : value(p, t);
    }

    /** An input without any value, e.g. an empty YAML document. */
    public enum Absent {
        INSTANCE
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    m.put(name, value(p, p.nextToken()));
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(value(p, e));
                }
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getNumberValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDecimalValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default: // VALUE_EMBEDDED_OBJECT (YAML !!binary): its text
                return p.getText();
        }
    }

    /** Compact JSON text of a plain value (maps, lists, strings, numbers, booleans, null). */
    public static String toJson(Object v) {
        StringBuilder out = new StringBuilder();
        appendJson(out, v);
        return out.toString();
    }

    private static void appendJson(StringBuilder out, Object v) {
        if (v instanceof Map<?, ?> m) {
            out.append('{');
            String sep = "";
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.append(sep);
                appendString(out, String.valueOf(e.getKey()));
                out.append(':');
                appendJson(out, e.getValue());
                sep = ",";
            }
            out.append('}');
        } else if (v instanceof List<?> l) {
            out.append('[');
            String sep = "";
            for (Object e : l) {
                out.append(sep);
                appendJson(out, e);
                sep = ",";
            }
            out.append(']');
        } else if (v instanceof Number || v instanceof Boolean || v == null) {
            out.append(v);
        } else {
            appendString(out, v.toString());
        }
    }

    private static void appendString(StringBuilder out, String s) {
        out.append('"');
        JsonStringEncoder.getInstance().quoteAsString(s, out);
        out.append('"');
    }
}
