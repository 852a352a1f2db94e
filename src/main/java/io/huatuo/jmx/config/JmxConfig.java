package io.huatuo.jmx.config;

/**
 * The {@code jmx} block: the JMX RMI connector (registry and server share one port).
 *
 * @param enabled key {@code enabled}: start the RMI connector; default true
 * @param host    key {@code host}: the address it binds to; default 127.0.0.1
 * @param port    key {@code port}: 1..65535, or 0 for an ephemeral port (tests); default 9875
 */
public record JmxConfig(boolean enabled, String host, int port) {

    static JmxConfig read(Section s) {
        boolean enabled = s.bool("enabled", true);
        String host = s.string("host", "127.0.0.1");
        if (host.isBlank()) {
            throw s.error("host", "must be an address or a host name, got \"" + host + "\"");
        }
        return new JmxConfig(enabled, host, s.integer("port", 9875, 0, 65535));
    }
}
