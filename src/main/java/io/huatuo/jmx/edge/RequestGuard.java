package io.huatuo.jmx.edge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import io.huatuo.jmx.json.PlainTree;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every request of an HTTP endpoint before the library behind it (Jolokia, the Prometheus
 * handler) sees it:
 * <ul>
 * <li>Host header: an IP literal, {@code localhost} (or {@code *.localhost}), the bind address, this
 * machine's hostname or a configured name; anything else is a page whose DNS name was pointed at
 * this host (DNS rebinding) and gets 403.
 * <li>CORS preflight (OPTIONS): answered here, allowed for loopback origins only, 403 otherwise.
 * <li>Body: at most {@code maxBodyBytes}, whether Content-Length says so up front (refused before a
 * byte is read) or a chunked body grows past it; 413 and the connection is closed.
 * <li>Jolokia bulk requests (a JSON array): at most {@code maxBulkItems} items, nesting at most
 * {@value #MAX_NESTING} deep, no fraction written to a huatuo attribute; 400 with a Jolokia-style
 * JSON error otherwise.
 * </ul>
 * Every refusal is counted by reason ({@link #refusals()}) and logged at most once a minute per reason.
 */
final class RequestGuard extends Filter {
    private static final Logger LOG = LoggerFactory.getLogger(RequestGuard.class);
    /** Refusal reasons, the keys of {@link #refusals()}. */
    static final List<String> REASONS = List.of("FOREIGN_HOST", "FOREIGN_ORIGIN", "BODY_TOO_LARGE",
            "TOO_MANY_BULK_ITEMS", "NESTING_TOO_DEEP", "NOT_A_WHOLE_NUMBER");
    static final int MAX_NESTING = 64;
    private static final Map<String, AtomicLong> REFUSED = new ConcurrentHashMap<>();
    private static final Map<String, Long> LAST_LOG = new ConcurrentHashMap<>();
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build()).build();

    static {
        REASONS.forEach(r -> REFUSED.put(r, new AtomicLong()));
    }

    private final String endpoint;
    private final Set<String> hostNames;
    private final long maxBodyBytes;
    private final int maxBulkItems;

    /**
     * @param endpoint     the config block, for messages ("jolokia")
     * @param hostNames    names accepted in the Host header besides IP literals and localhost (lower case)
     * @param maxBodyBytes largest request body
     * @param maxBulkItems largest JSON array of requests; 0 = the body is not JSON (no check)
     */
    RequestGuard(String endpoint, Set<String> hostNames, long maxBodyBytes, int maxBulkItems) {
        this.endpoint = endpoint;
        this.hostNames = Set.copyOf(hostNames);
        this.maxBodyBytes = maxBodyBytes;
        this.maxBulkItems = maxBulkItems;
    }

    /**
     * The names accepted in the Host header besides IP literals and localhost: the bind address (when
     * it is a name), this machine's hostname and the configured extra names, in lower case.
     */
    static Set<String> hostNames(String bindHost, List<String> extra) {
        Set<String> names = new java.util.HashSet<>();
        names.add(bindHost.toLowerCase(Locale.ROOT));
        try {
            String uts = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).trim();
            if (!uts.isEmpty()) {
                names.add(uts.toLowerCase(Locale.ROOT));
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the configured names only
        }
        extra.forEach(n -> names.add(n.toLowerCase(Locale.ROOT)));
        return names;
    }

    /** @return refused requests of every endpoint since start, by reason (fixed keys {@link #REASONS}) */
    static Map<String, Long> refusals() {
        Map<String, Long> m = new LinkedHashMap<>();
        REASONS.forEach(r -> m.put(r, REFUSED.get(r).get()));
        return m;
    }

    @Override
    public String description() {
        return "Host, CORS preflight and request size checks";
    }

    @Override
    public void doFilter(HttpExchange ex, Chain chain) throws IOException {
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host != null && !isAcceptedHost(host)) {
            refuse(ex, "FOREIGN_HOST", 403, "Host '" + host + "' is not a name of this endpoint (add it to "
                    + endpoint + ".allowedHosts)");
            return;
        }
        if (ex.getRequestMethod().equalsIgnoreCase("OPTIONS")) {
            preflight(ex);
            return;
        }
        byte[] body = readBody(ex);
        if (body == null) {
            return;
        }
        if (maxBulkItems > 0 && body.length > 0 && !checkJolokia(ex, body)) {
            return;
        }
        ex.setStreams(new ByteArrayInputStream(body), null);
        chain.doFilter(ex);
    }

    /** The body, read whole and bounded; null when it was refused. */
    private byte[] readBody(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        boolean chunked = "chunked".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Transfer-Encoding"));
        if (length != null && !chunked) {
            long n;
            try {
                n = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                n = Long.MAX_VALUE;
            }
            if (n > maxBodyBytes) {
                refuse(ex, "BODY_TOO_LARGE", 413, "request body of " + length + " bytes is larger than "
                        + maxBodyBytes + " (" + endpoint + ".maxRequestBytes)");
                return null;
            }
            if (n == 0) {
                return new byte[0];
            }
        } else if (!chunked) {
            return new byte[0];
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (b.length > maxBodyBytes) {
                refuse(ex, "BODY_TOO_LARGE", 413, "request body is larger than " + maxBodyBytes + " bytes ("
                        + endpoint + ".maxRequestBytes)");
                return null;
            }
            return b;
        }
    }

    /**
     * Checks a Jolokia POST body (at most maxBodyBytes, so its tree is small): the number of items of
     * a bulk request, and writes of a fraction to a huatuo attribute, which Jolokia itself would
     * truncate to a whole number before our MBean sees it (every writable huatuo attribute is a whole
     * number or a boolean). False when it was refused.
     */
    private boolean checkJolokia(HttpExchange ex, byte[] body) throws IOException {
        Object tree;
        try (JsonParser p = JSON.createParser(body)) {
            tree = PlainTree.read(p); // fractions as exact BigDecimals
        } catch (StreamConstraintsException e) {
            refuse(ex, "NESTING_TOO_DEEP", 400, "request nests deeper than " + MAX_NESTING + " levels");
            return false;
        } catch (IOException | RuntimeException e) {
            return true; // not valid JSON: Jolokia answers with its own error
        }
        if (tree instanceof List<?> bulk && bulk.size() > maxBulkItems) {
            refuse(ex, "TOO_MANY_BULK_ITEMS", 400, "bulk request of " + bulk.size() + " items; at most "
                    + maxBulkItems + " are allowed (" + endpoint + ".maxBulkRequests)");
            return false;
        }
        for (Object item : tree instanceof List<?> bulk ? bulk : List.of(tree)) {
            if (item instanceof Map<?, ?> r && "write".equals(r.get("type")) && r.get("mbean") instanceof String mbean
                    && mbean.startsWith("huatuo:") && r.get("value") instanceof BigDecimal v && !isWholeLong(v)) {
                refuse(ex, "NOT_A_WHOLE_NUMBER", 400, mbean + " " + text(r.get("attribute"))
                        + ": expects a whole number" + (isWhole(v) ? " of at most 64 bits" : "") + ", got " + v);
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a JSON number written with a fraction or an exponent is a whole number that fits a long
     * (every writable huatuo number does), decided without expanding it: {@code 1e99999999} is eleven
     * bytes, and turning it into a BigInteger would keep a worker busy for minutes and fill the heap.
     */
    static boolean isWholeLong(BigDecimal v) {
        if (!isWhole(v) || v.precision() - v.scale() > 19) { // integer digits; a long has at most 19
            return false;
        }
        try {
            v.longValueExact();
            return true;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    private static boolean isWhole(BigDecimal v) {
        return v.signum() == 0 || v.stripTrailingZeros().scale() <= 0;
    }

    /** A value as Jolokia would read it as text: "" for none. */
    private static String text(Object v) {
        return v == null ? "" : v instanceof String s ? s : PlainTree.toJson(v);
    }

    /** Host headers a DNS-rebinding page cannot produce, or names the operator vouches for. */
    boolean isAcceptedHost(String hostHeader) {
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            return h.indexOf(']') > 0; // an IPv6 literal
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return IPV4.matcher(h).matches() || isLocalhostName(h) || hostNames.contains(h);
    }

    private static boolean isLocalhostName(String h) {
        return h.equals("localhost") || h.endsWith(".localhost");
    }

    /** Whether a browser Origin is a page on this machine's loopback. */
    static boolean isLoopbackOrigin(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        int scheme = o.indexOf("://");
        if (scheme < 0) {
            return false; // "null" (sandboxed pages, file:) and garbage
        }
        String h = o.substring(scheme + 3);
        if (h.startsWith("[")) {
            return h.startsWith("[::1]");
        }
        int colon = h.indexOf(':');
        h = colon >= 0 ? h.substring(0, colon) : h;
        return isLocalhostName(h) || (IPV4.matcher(h).matches() && h.startsWith("127."));
    }

    private void preflight(HttpExchange ex) throws IOException {
        String origin = ex.getRequestHeaders().getFirst("Origin");
        if (origin == null) {
            ex.getResponseHeaders().set("Allow", "GET, POST, OPTIONS");
            send(ex, 204, null, false);
            return;
        }
        if (!isLoopbackOrigin(origin)) {
            refuse(ex, "FOREIGN_ORIGIN", 403, "origin '" + origin + "' may not call this endpoint");
            return;
        }
        var h = ex.getResponseHeaders();
        h.set("Access-Control-Allow-Origin", origin);
        h.set("Access-Control-Allow-Methods", "GET, POST");
        h.set("Access-Control-Allow-Headers", "Content-Type, Authorization");
        h.set("Access-Control-Allow-Credentials", "true");
        h.set("Access-Control-Max-Age", "3600");
        h.set("Vary", "Origin");
        send(ex, 204, null, false);
    }

    private void refuse(HttpExchange ex, String reason, int status, String message) throws IOException {
        REFUSED.get(reason).incrementAndGet();
        long now = System.currentTimeMillis();
        Long last = LAST_LOG.get(reason);
        if (last == null || now - last > 60_000) {
            LAST_LOG.put(reason, now);
            LOG.warn("{}: refused a request from {}: {} (counted in the Daemon MBean's HttpRequestsRefused; "
                    + "logged once a minute)", endpoint, ex.getRemoteAddress(), message);
        }
        String json = "{\"status\":" + status + ",\"error_type\":\"" + reason + "\",\"error\":\""
                + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        // close: the rest of an oversize body is not read (the JDK drains at most 64 KiB of it)
        send(ex, status, json, true);
    }

    private static void send(HttpExchange ex, int status, String json, boolean close) throws IOException {
        if (close) {
            ex.getResponseHeaders().set("Connection", "close");
        }
        byte[] b = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        if (json != null) {
            ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        }
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
        ex.close();
    }
}
