package io.huatuo.jmx.config;

import java.util.List;

/**
 * The {@code prometheus} block: the embedded jmx_exporter collector at {@code http://host:port/metrics}.
 *
 * @param enabled      key {@code enabled}: serve /metrics; default true
 * @param host         key {@code host}: the address it binds to; default 127.0.0.1
 * @param port         key {@code port}: 1..65535, or 0 for an ephemeral port (tests); default 9404
 * @param rulesFile    key {@code rulesFile}: jmx_exporter rules; "" = the shipped jmx-exporter-rules.yaml; default ""
 * @param user         key {@code user}: HTTP basic authentication user, "" = none; default ""
 * @param passwordFile key {@code passwordFile}: file whose first line is that user's password; default ""
 * @param allowedHosts key {@code allowedHosts}: host names scrapers use for this endpoint, accepted in the
 *                     Host header besides IP literals, localhost, the bind address and the machine's
 *                     hostname; default []
 */
public record PrometheusConfig(boolean enabled, String host, int port, String rulesFile, String user,
        String passwordFile, List<String> allowedHosts) {

    static PrometheusConfig read(Section s) {
        boolean enabled = s.bool("enabled", true);
        String host = s.host("host", "127.0.0.1");
        int port = s.integer("port", 9404, 0, 65535);
        String rulesFile = s.optionalFile("rulesFile");
        String user = s.string("user", "");
        String passwordFile = s.optionalFile("passwordFile");
        Section.requirePair(s, "user", user, "passwordFile", passwordFile);
        return new PrometheusConfig(enabled, host, port, rulesFile, user, passwordFile, s.hostNames("allowedHosts"));
    }
}
