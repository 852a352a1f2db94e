package io.huatuo.jmx.edge;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK HTTP server as the Jolokia and Prometheus endpoints run it: a real accept backlog, a
 * bounded pool of worker threads, and the JDK's own request, idle and connection limits.
 *
 * <p>The JDK reads its limits once, from system properties, when its server classes first load
 * (JDK 17's {@code sun.net.httpserver.ServerConfig}); they hold for every server in the JVM. Each
 * one we need is set here before the first server is created, unless the operator set it already
 * ({@code -D...} in the JVM options wins):
 * <ul>
 * <li>{@code sun.net.httpserver.maxReqTime} (JDK default: none): seconds from the first byte of a
 * request until its headers and body are in; a connection that takes longer is closed. This is
 * what frees a worker held by a half-sent request.
 * <li>{@code jdk.httpserver.maxConnections} (JDK default: none): open connections per server;
 * beyond it new connections are closed at once, so a flood cannot take the daemon's descriptors.
 * <li>{@code sun.net.httpserver.idleInterval} (JDK default 30 s, kept): a connection that sends
 * nothing, right after accept or between keep-alive requests, is closed after this.
 * <li>{@code sun.net.httpserver.drainAmount} (JDK default 64 KiB): how much of a request body nobody
 * read (a refused oversize upload) is read and discarded before the connection closes. Closing with
 * unread data makes the kernel send a reset, which can reach the client before it has read the 413;
 * 4 MiB lets a client that sent a few MB read its refusal (still bounded by maxReqTime).
 * </ul>
 * Response time is deliberately not bounded ({@code maxRspTime}): Jolokia's SSE notification
 * streams are responses that last as long as the client listens.
 */
final class HttpLimits {
    private static final Logger LOG = LoggerFactory.getLogger(HttpLimits.class);
    /** Worker threads per endpoint: a request holds one while it is read and answered. */
    static final int THREADS = 16;
    /** Pending connections the kernel queues before accept (the Prometheus client's own server used 3). */
    static final int BACKLOG = 64;
    static final Map<String, String> JDK_DEFAULTS = jdkDefaults();

    private HttpLimits() {
    }

    private static Map<String, String> jdkDefaults() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("sun.net.httpserver.maxReqTime", "10");
        m.put("jdk.httpserver.maxConnections", "100");
        m.put("sun.net.httpserver.idleInterval", "30");
        m.put("sun.net.httpserver.drainAmount", String.valueOf(4L << 20));
        return m;
    }

    /** Sets every limit the operator has not set; idempotent. Must run before the first HttpServer exists. */
    static synchronized void applyJdkDefaults() {
        for (Map.Entry<String, String> e : JDK_DEFAULTS.entrySet()) {
            if (System.getProperty(e.getKey()) == null) {
                System.setProperty(e.getKey(), e.getValue());
            }
        }
    }

    /** @return the limits in force, as the log line shows them */
    static String describe() {
        StringBuilder sb = new StringBuilder();
        JDK_DEFAULTS.keySet().forEach(k -> sb.append(sb.length() == 0 ? "" : ", ")
                .append(k.substring(k.lastIndexOf('.') + 1)).append('=').append(System.getProperty(k)));
        return sb + ", threads=" + THREADS;
    }

    /** A server on {@code address} with the limits above; stop it with {@link #stop}. */
    static HttpServer create(InetSocketAddress address, String threadName) throws IOException {
        applyJdkDefaults();
        HttpServer http = HttpServer.create(address, BACKLOG);
        // Up to THREADS workers, started on demand and gone after a minute idle; more requests wait
        // in the queue (its length is bounded by the connection limit).
        ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, threadName);
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        http.setExecutor(pool);
        LOG.debug("{}: {}", threadName, describe());
        return http;
    }

    /** Stops the server and its workers. */
    static void stop(HttpServer http) {
        http.stop(0);
        if (http.getExecutor() instanceof ExecutorService pool) {
            pool.shutdownNow();
        }
    }
}
