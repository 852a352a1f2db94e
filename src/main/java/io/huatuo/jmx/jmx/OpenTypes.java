package io.huatuo.jmx.jmx;

import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.FieldType;
import io.huatuo.jmx.event.Schema;
import java.util.List;
import java.util.Map;
import javax.management.openmbean.ArrayType;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;

/** Maps schemas and attributes to open types, so remote clients need no classes of ours. */
public final class OpenTypes {
    private OpenTypes() {
    }

    public static OpenType<?> of(FieldType t) {
        return switch (t) {
            case STRING -> SimpleType.STRING;
            case LONG -> SimpleType.LONG;
            case INT -> SimpleType.INTEGER;
            case BOOLEAN -> SimpleType.BOOLEAN;
        };
    }

    /** The flat LastEvent / notification type of a tracer: envelope + tracer fields. */
    public static CompositeType eventType(Schema schema) {
        List<Field> fields = schema.flatFields();
        String[] names = new String[fields.size()];
        String[] descriptions = new String[fields.size()];
        OpenType<?>[] types = new OpenType<?>[fields.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = fields.get(i).name();
            descriptions[i] = fields.get(i).description();
            types[i] = of(fields.get(i).type());
        }
        try {
            return new CompositeType("huatuo." + schema.tracer() + ".Event",
                    "Last event of the " + schema.tracer() + " tracer", names, descriptions, types);
        } catch (OpenDataException e) {
            throw new IllegalArgumentException(schema.tracer() + ": bad schema", e);
        }
    }

    /**
     * The type the values carry: equal to {@code described} (CompositeType.equals compares the name and the
     * items' names and types, not descriptions) with each item's name as its description. Every
     * notification and every LastEvent read serializes the type with the value; the descriptions stay in
     * the MBean's metadata (LastEvent's open type in MBeanInfo), where JConsole and the Java gateway read
     * them.
     */
    public static CompositeType valueType(CompositeType described) {
        String[] names = described.keySet().toArray(String[]::new);
        OpenType<?>[] types = new OpenType<?>[names.length];
        for (int i = 0; i < names.length; i++) {
            types[i] = described.getType(names[i]);
        }
        try {
            return new CompositeType(described.getTypeName(), described.getDescription(), names, names, types);
        } catch (OpenDataException e) {
            throw new IllegalArgumentException(described.getTypeName(), e);
        }
    }

    public static CompositeData toComposite(CompositeType type, Event event) {
        try {
            return new CompositeDataSupport(type, event.schema().flatNames(), event.flatValues());
        } catch (OpenDataException e) {
            throw new IllegalArgumentException(event.tracer() + ": event does not fit its type", e);
        }
    }

    public static OpenType<?> of(Attribute a) {
        try {
            return switch (a.type()) {
                case LONG -> SimpleType.LONG;
                case INT -> SimpleType.INTEGER;
                case BOOLEAN -> SimpleType.BOOLEAN;
                case STRING -> SimpleType.STRING;
                case STRING_ARRAY -> ArrayType.getArrayType(SimpleType.STRING);
                case COUNTS -> countsType(a);
                case EVENT -> throw new IllegalArgumentException("the event type comes from the schema");
            };
        } catch (OpenDataException e) {
            throw new IllegalArgumentException("attribute " + a.name(), e);
        }
    }

    private static CompositeType countsType(Attribute a) throws OpenDataException {
        String[] keys = a.keys().toArray(String[]::new);
        OpenType<?>[] types = new OpenType<?>[keys.length];
        java.util.Arrays.fill(types, SimpleType.LONG);
        return new CompositeType("huatuo." + a.name(), a.description(), keys, keys, types);
    }

    /** Converts an attribute's Java value to its open value. */
    @SuppressWarnings("unchecked")
    public static Object toOpen(Attribute a, OpenType<?> type, Object value) {
        if (a.type() != Attribute.Type.COUNTS) {
            return value;
        }
        try {
            return new CompositeDataSupport((CompositeType) type, (Map<String, ?>) value);
        } catch (OpenDataException e) {
            throw new IllegalStateException("attribute " + a.name() + ": counts do not fit their keys", e);
        }
    }
}
