package io.huatuo.jmx.config;

/**
 * A configuration that cannot be used. The message is complete and meant for the operator as is:
 * {@code <source>: <dotted.key>: <problem>, got <value>}, {@code <source>: unknown key '<dotted.key>'},
 * or {@code <source>: line L, column C: YAML syntax error: …}.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The dotted path of the offending key, or {@code null}. */
    private final String key;

    /**
     * @param message the whole message, naming the source, the key and the bad value
     * @param key     the dotted path of the offending key, or {@code null} when no key is to blame
     */
    public ConfigException(String message, String key) {
        this(message, key, null);
    }

    ConfigException(String message, String key, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** @return the dotted path of the offending key (e.g. {@code tracers.dropwatch.maxEventsPerSecond}), or {@code null} */
    public String key() {
        return key;
    }
}
