package io.huatuo.jmx.edge;

import java.util.List;
import java.util.Map;

/**
 * What an HTTP endpoint accepts besides its own settings (see {@link RequestGuard}).
 *
 * @param allowedHosts    extra names accepted in the Host header (key {@code <block>.allowedHosts})
 * @param maxRequestBytes largest request body (key {@code <block>.maxRequestBytes})
 * @param maxBulkRequests largest Jolokia bulk request (key {@code jolokia.maxBulkRequests}); 0 for Prometheus
 */
public record HttpGuardSettings(List<String> allowedHosts, long maxRequestBytes, int maxBulkRequests) {
    /** Prometheus takes no request body worth the name: GET /metrics. */
    public static final long PROMETHEUS_MAX_REQUEST_BYTES = 64 * 1024;

    /** Keys of {@link #refusals()}. */
    public static final List<String> REFUSAL_REASONS = RequestGuard.REASONS;

    public HttpGuardSettings {
        allowedHosts = List.copyOf(allowedHosts);
    }

    /** @return requests the HTTP endpoints refused since start, by reason */
    public static Map<String, Long> refusals() {
        return RequestGuard.refusals();
    }
}
