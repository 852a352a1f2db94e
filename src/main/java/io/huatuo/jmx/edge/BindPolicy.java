package io.huatuo.jmx.edge;

import java.io.IOException;
import java.net.InetAddress;

/** The one rule every endpoint follows: beyond loopback only with authentication. */
public final class BindPolicy {
    private BindPolicy() {
    }

    /**
     * @param key           the configuration key of the bind address, for the message
     * @param host          the configured address or host name
     * @param authenticated whether the endpoint asks for credentials
     * @throws IllegalArgumentException naming the key when the bind is not allowed
     */
    public static void check(String key, String host, boolean authenticated) {
        InetAddress a;
        try {
            a = InetAddress.getByName(host);
        } catch (IOException e) {
            throw new IllegalArgumentException(key + ": cannot resolve '" + host + "'");
        }
        if (!a.isLoopbackAddress() && !authenticated) {
            String block = key.substring(0, key.indexOf('.'));
            throw new IllegalArgumentException(key + ": '" + host + "' is not a loopback address and " + block
                    + " has no authentication configured; bind to 127.0.0.1 or configure authentication ("
                    + (block.equals("jmx") ? "jmx.passwordFile" : block + ".user and " + block + ".passwordFile")
                    + ")");
        }
    }

    /** @return the address as it goes into a URL: IPv6 in brackets */
    static String urlHost(InetAddress a) {
        String h = a.getHostAddress();
        return h.contains(":") ? "[" + h + "]" : h;
    }
}
