package io.huatuo.jmx.config;

import java.util.List;

/**
 * The {@code jolokia} block: the embedded Jolokia HTTP agent at {@code http://host:port/jolokia/}.
 *
 * @param enabled      key {@code enabled}: start Jolokia; default true
 * @param host         key {@code host}: the address it binds to; default 127.0.0.1
 * @param port         key {@code port}: 1..65535, or 0 for an ephemeral port (tests); default 8778
 * @param policyFile   key {@code policyFile}: a jolokia-access.xml; "" = the built-in read-only policy; default ""
 * @param user         key {@code user}: HTTP basic authentication user, "" = none; default ""
 * @param passwordFile key {@code passwordFile}: file whose first line is that user's password; default ""
 * @param allowedHosts    key {@code allowedHosts}: host names clients use for this endpoint, accepted in the
 *                        Host header besides IP literals, localhost, the bind address and the machine's
 *                        hostname; default []
 * @param maxRequestBytes key {@code maxRequestBytes}: largest request body, 1024..16777216; default 65536
 * @param maxBulkRequests key {@code maxBulkRequests}: most requests in one bulk request, 1..10000; default 100
 */
public record JolokiaConfig(boolean enabled, String host, int port, String policyFile, String user,
        String passwordFile, List<String> allowedHosts, long maxRequestBytes, int maxBulkRequests) {

    static JolokiaConfig read(Section s) {
        boolean enabled = s.bool("enabled", true);
        String host = s.host("host", "127.0.0.1");
        int port = s.integer("port", 8778, 0, 65535);
        String policyFile = s.optionalFile("policyFile");
        String user = s.string("user", "");
        String passwordFile = s.optionalFile("passwordFile");
        Section.requirePair(s, "user", user, "passwordFile", passwordFile);
        List<String> allowedHosts = s.hostNames("allowedHosts");
        long maxRequestBytes = s.longInteger("maxRequestBytes", 65536, 1024, 16L * 1024 * 1024);
        int maxBulkRequests = s.integer("maxBulkRequests", 100, 1, 10000);
        return new JolokiaConfig(enabled, host, port, policyFile, user, passwordFile, allowedHosts, maxRequestBytes,
                maxBulkRequests);
    }
}
