package io.huatuo.jmx.event;

/** Value types an event field may have; numbers stay numbers on every surface. */
public enum FieldType {
    STRING(String.class),
    LONG(Long.class),
    INT(Integer.class),
    BOOLEAN(Boolean.class);

    private final Class<?> javaType;

    FieldType(Class<?> javaType) {
        this.javaType = javaType;
    }

    public Class<?> javaType() {
        return javaType;
    }

    /** The value a field has when an event does not set it. */
    public Object zero() {
        return switch (this) {
            case STRING -> "";
            case LONG -> 0L;
            case INT -> 0;
            case BOOLEAN -> false;
        };
    }
}
