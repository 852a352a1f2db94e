package io.huatuo.jmx.event;

import java.util.Objects;
import java.util.regex.Pattern;

/** One named, typed, described field of an event. Names are HUATUO's snake_case names. */
public record Field(String name, FieldType type, String description) {
    private static final Pattern SNAKE = Pattern.compile("[a-z][a-z0-9_]*");

    public Field {
        Objects.requireNonNull(type, "type");
        if (name == null || !SNAKE.matcher(name).matches()) {
            throw new IllegalArgumentException("field name must be snake_case: " + name);
        }
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("field " + name + " needs a description");
        }
    }

    public static Field string(String name, String description) {
        return new Field(name, FieldType.STRING, description);
    }

    public static Field int64(String name, String description) {
        return new Field(name, FieldType.LONG, description);
    }

    public static Field int32(String name, String description) {
        return new Field(name, FieldType.INT, description);
    }

    public static Field bool(String name, String description) {
        return new Field(name, FieldType.BOOLEAN, description);
    }
}
