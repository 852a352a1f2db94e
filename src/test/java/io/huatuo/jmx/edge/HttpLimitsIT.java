package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.huatuo.jmx.testing.DaemonProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jolokia and Prometheus under hostile clients, against the real daemon JVM with the packaged heap
 * limit and -XX:+ExitOnOutOfMemoryError: oversize and bulk requests, slow and silent connections,
 * foreign Host headers and CORS preflights. Needs no root (every tracer is off).
 */
class HttpLimitsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** One full read of a tracer MBean (every attribute), 64 bytes of JSON. */
    private static final String FULL_READ = "{\"type\": \"read\", \"mbean\": \"huatuo:type=Tracer,name=dropwatch\"}";
    @TempDir
    static Path dir;
    private static DaemonProcess daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = DaemonProcess.start(dir, "", "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    /** A new client each time: a pooled connection the server closed as idle would fail the next request. */
    private static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static String bulk(int items) {
        return "[" + String.join(",", java.util.Collections.nCopies(items, FULL_READ)) + "]";
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return client().send(HttpRequest.newBuilder(URI.create(daemon.jolokiaUrl())).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return client().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The status line of a GET with this Host header (the JDK client does not let a caller set Host). */
    private static String getWithHost(int port, String path, String host) throws Exception {
        return raw(port, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n", new byte[0]);
    }

    private static void assertAnswers() throws Exception {
        assertTrue(daemon.process.isAlive(), "daemon alive:\n" + daemon.output());
        assertEquals(200, get(daemon.jolokiaUrl() + "version").statusCode());
        assertEquals(200, get(daemon.prometheusUrl()).statusCode());
    }

    private static long refused(String reason) throws Exception {
        JsonNode r = JSON.readTree(get(daemon.jolokiaUrl() + "read/huatuo:type=Daemon/HttpRequestsRefused").body());
        return r.get("value").get(reason).asLong();
    }

    /** Sends the head and as much of the body as the server takes; returns the status line. */
    private static String raw(int port, String head, byte[] body) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.flush();
                } catch (IOException e) {
                    // the server closed while we were still sending: expected for a refused body
                }
            });
            writer.start();
            String status = readLine(s.getInputStream());
            writer.join(20_000);
            return status;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            sb.append((char) c);
        }
        return sb.toString().trim();
    }

    @Test
    void aBulkReadOf2_5MBIsRefusedWith413AndTheDaemonLives() throws Exception {
        String body = bulk(40_000);
        assertTrue(body.length() > 2_500_000, "the reported attack's request: " + body.length() + " bytes");
        long before = refused("BODY_TOO_LARGE");
        HttpResponse<String> r = post(body);
        System.out.println("2.5 MB bulk read: HTTP " + r.statusCode() + " " + r.body());
        assertEquals(413, r.statusCode());
        assertTrue(r.body().contains("jolokia.maxRequestBytes"), r.body());
        // the same body chunked: no Content-Length to refuse up front, it is cut off while read
        byte[] chunked = chunked(body.getBytes(StandardCharsets.UTF_8));
        String status = raw(daemon.jolokiaPort, "POST /jolokia/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n", chunked);
        assertEquals("HTTP/1.1 413 Request Entity Too Large", status);
        assertEquals(before + 2, refused("BODY_TOO_LARGE"));
        assertAnswers();
    }

    private static byte[] chunked(byte[] data) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < data.length; i += 8192) {
            int n = Math.min(8192, data.length - i);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(data, i, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    @Test
    void bulkRequestsAreBoundedByItemsAndTheLargestAllowedOneIsServed() throws Exception {
        HttpResponse<String> r = post(bulk(101));
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("bulk request of 101 items; at most 100 are allowed (jolokia.maxBulkRequests)"),
                r.body());
        // the largest allowed request, full reads of the biggest MBean, five at once: served, heap survives
        List<Thread> threads = new ArrayList<>();
        List<Integer> codes = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 5; i++) {
            Thread t = new Thread(() -> {
                try {
                    codes.add(post(bulk(100)).statusCode());
                } catch (Exception e) {
                    codes.add(-1);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertEquals(List.of(200, 200, 200, 200, 200), codes);
        String deep = "[".repeat(5000) + "]".repeat(5000);
        r = post(deep);
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("NESTING_TOO_DEEP"), r.body());
        assertAnswers();
    }

    @Test
    void hugeExponentsInWritesAreRefusedAsWrittenNotExpanded() throws Exception {
        // eleven bytes each; as a BigInteger 1e99999999 holds a worker for minutes and fills the heap:
        // as many at once as there are workers, anonymous, and every one is refused and counted at once
        String write = "{\"type\":\"write\",\"mbean\":\"huatuo:type=Tracer,name=dropwatch\","
                + "\"attribute\":\"MaxEventsPerSecond\",\"value\":1e99999999}";
        long refusedBefore = refused("NOT_A_WHOLE_NUMBER");
        List<Thread> threads = new ArrayList<>();
        List<String> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < HttpLimits.THREADS; i++) {
            Thread t = new Thread(() -> {
                try {
                    HttpResponse<String> r = post(write);
                    answers.add(r.statusCode() + " " + r.body());
                } catch (Exception e) {
                    answers.add(e.toString());
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertEquals(HttpLimits.THREADS, answers.size());
        for (String a : answers) {
            assertTrue(a.startsWith("400 ") && a.contains("MaxEventsPerSecond: expects a whole number of at most 64 bits,"
                    + " got 1E+99999999"), a);
        }
        assertEquals(refusedBefore + HttpLimits.THREADS, refused("NOT_A_WHOLE_NUMBER"));
        assertAnswers();
    }

    /** Half-sent headers, half-sent bodies, idle keep-alive and silent connections on one port. */
    private static List<Socket> slowClients(int port, String path, int each) throws Exception {
        List<Socket> held = new ArrayList<>();
        for (int i = 0; i < each; i++) {
            Socket headers = new Socket("127.0.0.1", port);
            headers.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                    .getBytes(StandardCharsets.ISO_8859_1));
            Socket body = new Socket("127.0.0.1", port);
            body.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n"
                    + "\r\n[{\"type\":").getBytes(StandardCharsets.ISO_8859_1));
            Socket keepAlive = new Socket("127.0.0.1", port);
            keepAlive.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(readLine(keepAlive.getInputStream()).contains(" 200 "));
            held.addAll(List.of(headers, body, keepAlive, new Socket("127.0.0.1", port)));
        }
        return held;
    }

    @Test
    void slowAndSilentClientsDoNotLockOutEitherEndpoint() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            held.addAll(slowClients(daemon.jolokiaPort, "/jolokia/version", 4));
            held.addAll(slowClients(daemon.prometheusPort, "/metrics", 4));
            Thread.sleep(500); // the server has dispatched every slow request to a worker by now
            long t0 = System.nanoTime();
            assertAnswers();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("with " + held.size() + " slow connections held: both endpoints answered in " + ms + " ms");
            assertTrue(ms < 3000, "answered in " + ms + " ms");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void moreHalfSentRequestsThanWorkersAreCutOffByTheRequestTimeout() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < HttpLimits.THREADS + 8; i++) {
                Socket s = new Socket("127.0.0.1", daemon.jolokiaPort);
                s.getOutputStream().write("GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                held.add(s);
            }
            Thread.sleep(500);
            long t0 = System.nanoTime();
            assertEquals(200, get(daemon.jolokiaUrl() + "version").statusCode());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println(held.size() + " half-sent requests: answered after " + ms + " ms");
            assertTrue(ms < 14_000, "sun.net.httpserver.maxReqTime=10 s frees the workers: " + ms + " ms");
            held.get(0).setSoTimeout(5000);
            assertEquals(-1, held.get(0).getInputStream().read(), "the server closed the half-sent request");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void foreignHostHeadersAndForeignPreflightsAreRefusedAndCounted() throws Exception {
        long hostBefore = refused("FOREIGN_HOST");
        long originBefore = refused("FOREIGN_ORIGIN");
        // a page at http://evil.example:PORT/ whose name was re-pointed at 127.0.0.1 (DNS rebinding)
        int j = daemon.jolokiaPort;
        int p = daemon.prometheusPort;
        assertEquals("HTTP/1.1 403 Forbidden", getWithHost(j, "/jolokia/version", "evil.example:" + j));
        assertEquals("HTTP/1.1 403 Forbidden", getWithHost(p, "/metrics", "evil.example:" + p));
        assertEquals("HTTP/1.1 200 OK", getWithHost(p, "/metrics", "localhost:" + p));
        assertEquals("HTTP/1.1 200 OK", getWithHost(j, "/jolokia/version", "127.0.0.1"));
        String preflight = "OPTIONS %s HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: %s\r\n"
                + "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n";
        assertEquals("HTTP/1.1 403 Forbidden", raw(daemon.jolokiaPort, preflight.formatted("/jolokia/", "http://evil.example"),
                new byte[0]));
        assertEquals("HTTP/1.1 403 Forbidden", raw(daemon.prometheusPort, preflight.formatted("/metrics", "null"), new byte[0]));
        assertEquals("HTTP/1.1 204 No Content", raw(daemon.jolokiaPort,
                preflight.formatted("/jolokia/", "http://127.0.0.1:3000"), new byte[0]));
        assertEquals(hostBefore + 2, refused("FOREIGN_HOST"));
        assertEquals(originBefore + 2, refused("FOREIGN_ORIGIN"));
        String metrics = get(daemon.prometheusUrl()).body();
        assertTrue(metrics.contains("huatuo_daemon_http_requests_refused_total{reason=\"FOREIGN_HOST\"}"), metrics);
    }

    @Test
    void anOperatorsOwnRequestTimeoutIsKept(@TempDir Path other) throws Exception {
        try (DaemonProcess d = DaemonProcess.start(other, "", "", "-Dsun.net.httpserver.maxReqTime=2")) {
            try (Socket s = new Socket("127.0.0.1", d.jolokiaPort)) {
                s.getOutputStream().write("GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                s.setSoTimeout(15_000);
                long t0 = System.nanoTime();
                assertEquals(-1, s.getInputStream().read());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("-Dsun.net.httpserver.maxReqTime=2: half-sent request closed after " + ms + " ms");
                assertTrue(ms < 5000, "closed after " + ms + " ms, not the default 10 s");
            }
        }
    }
}
