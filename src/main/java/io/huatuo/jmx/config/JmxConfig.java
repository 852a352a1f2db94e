package io.huatuo.jmx.config;

/**
 * The {@code jmx} block: the JMX RMI connector (registry and server share one port).
 *
 * @param enabled              key {@code enabled}: start the RMI connector; default true
 * @param host                 key {@code host}: the address it binds to; default 127.0.0.1
 * @param port                 key {@code port}: 1..65535, or 0 for an ephemeral port (tests); default 9875
 * @param passwordFile         key {@code passwordFile}: the JDK's jmxremote.password format ({@code user password}
 *                             per line), "" = no authentication; default ""
 * @param accessFile           key {@code accessFile}: the JDK's jmxremote.access format ({@code user readonly|readwrite}),
 *                             "" = every user is read-only; default ""
 * @param ssl                  key {@code ssl}: TLS for the registry and the connector; default false
 * @param keyStore             key {@code keyStore}: the TLS key and certificate (PKCS12 or JKS); "" = the standard
 *                             {@code javax.net.ssl.keyStore*} system properties; default ""
 * @param keyStorePasswordFile key {@code keyStorePasswordFile}: file whose first line is the keystore's password,
 *                             set together with keyStore; default ""
 * @param notificationBuffer   key {@code notificationBuffer}: notifications the connector keeps for its clients to
 *                             fetch (the JDK's jmx.remote.x.notification.buffer.size), 100..20000; default 1000
 */
public record JmxConfig(boolean enabled, String host, int port, String passwordFile, String accessFile, boolean ssl,
        String keyStore, String keyStorePasswordFile, int notificationBuffer) {

    static JmxConfig read(Section s) {
        boolean enabled = s.bool("enabled", true);
        String host = s.host("host", "127.0.0.1");
        int port = s.integer("port", 9875, 0, 65535);
        String passwordFile = s.optionalFile("passwordFile");
        String accessFile = s.optionalFile("accessFile");
        if (!accessFile.isEmpty() && passwordFile.isEmpty()) {
            throw s.error("accessFile", "needs jmx.passwordFile: roles apply to authenticated users");
        }
        boolean ssl = s.bool("ssl", false);
        String keyStore = s.optionalFile("keyStore");
        String keyStorePasswordFile = s.optionalFile("keyStorePasswordFile");
        Section.requirePair(s, "keyStore", keyStore, "keyStorePasswordFile", keyStorePasswordFile);
        if (!keyStore.isEmpty() && !ssl) {
            throw s.error("keyStore", "needs jmx.ssl: true");
        }
        // at most about 50 MB of heap held (a dropwatch notification takes about 2.3 KB), under -Xmx256m
        int notificationBuffer = s.integer("notificationBuffer", 1000, 100, 20000);
        return new JmxConfig(enabled, host, port, passwordFile, accessFile, ssl, keyStore, keyStorePasswordFile,
                notificationBuffer);
    }
}
