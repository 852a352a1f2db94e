package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A handler made at the first request, over the JDK's HTTP server and client on loopback. */
class OnFirstRequestTest {
    private final HttpClient client = HttpClient.newHttpClient();
    private HttpServer server;
    private ExecutorService workers;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (workers != null) {
            workers.shutdownNow();
        }
    }

    private URI serve(OnFirstRequest handler) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        workers = Executors.newFixedThreadPool(16);
        server.setExecutor(workers);
        server.createContext("/metrics", handler);
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
    }

    private static HttpHandler answering(String body) {
        return ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        };
    }

    @Test
    void concurrentFirstRequestsAreAllServedByTheOneHandlerMadeForThem() throws Exception {
        AtomicInteger made = new AtomicInteger();
        CountDownLatch slowStart = new CountDownLatch(1);
        OnFirstRequest lazy = new OnFirstRequest("test", () -> {
            made.incrementAndGet();
            slowStart.await(); // every request below arrives while the handler is being made
            return answering("metrics " + made.get());
        });
        URI uri = serve(lazy);
        assertFalse(lazy.isMade(), "nothing is made before a request");
        ExecutorService clients = Executors.newFixedThreadPool(12);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                answers.add(clients.submit(() -> client.send(HttpRequest.newBuilder(uri).build(),
                        HttpResponse.BodyHandlers.ofString())));
            }
            Thread.sleep(300);
            assertFalse(lazy.isMade());
            slowStart.countDown();
            for (Future<HttpResponse<String>> a : answers) {
                assertEquals(200, a.get().statusCode());
                assertEquals("metrics 1", a.get().body());
            }
        } finally {
            clients.shutdownNow();
        }
        assertEquals(1, made.get());
        assertTrue(lazy.isMade());
        assertEquals("metrics 1", client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void aHandlerThatCannotBeMadeAnswers500WithoutItsCauseAndNoRequestMakesItTryAgain() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        OnFirstRequest lazy = new OnFirstRequest("prometheus", () -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("rules broken");
        });
        URI uri = serve(lazy);
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(500, r.statusCode());
            assertEquals("prometheus: could not start; the daemon's log says why\n", r.body(), "the cause is not told");
        }
        assertEquals(1, attempts.get());
        assertFalse(lazy.isMade());
    }
}
