package io.huatuo.jmx.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.TestDaemon;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The daemon never reports itself: what its own endpoints and their clients cause in the kernel
 * (a Jolokia SSE stream closed by its client, scrapes and JMX reads on short connections, a
 * Prometheus scrape that hits the port while the daemon restarts) is counted in OwnTrafficIgnored
 * and never becomes a dropwatch or netrecvlat event.
 */
class OwnTrafficIT {
    private static final Pattern PORT = Pattern.compile("\"[sd]port\": (\\d+)");

    @Test
    void ownEndpointsAndTheirClientsAreCountedNotReported() throws Exception {
        Kernel.assumeRootAndBpf();
        int jmx = freePort();
        int jolokia = freePort();
        int prometheus = freePort();
        Set<Integer> ours = Set.of(jmx, jolokia, prometheus);
        Path dir = Files.createTempDirectory("huatuo-own");
        String yaml = "dataDir: " + dir + "\njmx:\n  port: " + jmx + "\njolokia:\n  port: " + jolokia
                + "\nprometheus:\n  port: " + prometheus + "\ndns:\n  enabled: false\n"
                + "tracers:\n  dropwatch:\n    maxEventsPerSecond: 100000\n  netrecvlat:\n    maxEventsPerSecond: 100000\n";
        HuatuoService daemon = new HuatuoService(HuatuoConfig.parse(yaml, "test", TracerRegistry.ALL), null);
        AtomicBoolean scraping = new AtomicBoolean(true);
        AtomicLong requests = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        long ignored = 0;
        try {
            daemon.start();
            for (int port : List.of(prometheus, jolokia)) {
                String path = port == prometheus ? "/metrics" : "/jolokia/read/huatuo:type=Daemon/Uptime";
                Thread t = new Thread(() -> {
                    while (scraping.get()) {
                        try {
                            get(port, path);
                            requests.incrementAndGet();
                        } catch (Exception e) {
                            refused.incrementAndGet(); // the restart: nothing listens for a moment
                        }
                    }
                }, "scraper-" + port);
                t.start();
                clients.add(t);
            }
            for (int i = 0; i < 5; i++) {
                closeAnSseStream(jolokia);
            }
            Thread.sleep(500);
            ignored += own(daemon);
            // restart under the scrapes: the old daemon stops, a new one starts on the same ports
            daemon.close();
            daemon = new HuatuoService(HuatuoConfig.parse(yaml, "test", TracerRegistry.ALL), null);
            daemon.start();
            Thread.sleep(1500);
            scraping.set(false);
            for (Thread t : clients) {
                t.join(10_000);
            }
            for (int i = 0; i < 3; i++) {
                closeAnSseStream(jolokia);
            }
            Thread.sleep(1000); // the pipeline writes the record files
            ignored += own(daemon);
        } finally {
            scraping.set(false);
            daemon.close();
        }
        Set<Integer> reported = new TreeSet<>();
        for (String tracer : List.of("dropwatch", "netrecvlat")) {
            Path record = dir.resolve("record").resolve(tracer);
            if (Files.exists(record)) {
                Matcher m = PORT.matcher(Files.readString(record));
                while (m.find()) {
                    int p = Integer.parseInt(m.group(1));
                    if (ours.contains(p)) {
                        reported.add(p);
                    }
                }
            }
        }
        System.out.printf("own traffic: %d requests, %d refused during the restart, 8 SSE streams closed; "
                + "OwnTrafficIgnored %d; events on our ports %s%n", requests.get(), refused.get(), ignored, reported);
        TestDaemon.deleteTree(dir);
        assertEquals(Set.of(), reported, "events on the daemon's own ports " + ours);
        assertTrue(requests.get() > 50, "the scrapers ran: " + requests.get());
        assertTrue(ignored > 0, "the kernel saw drops or delays on our ports and they were counted: " + ignored);
    }

    /** OwnTrafficIgnored of dropwatch and netrecvlat. */
    private static long own(HuatuoService daemon) {
        long n = 0;
        for (String t : List.of("dropwatch", "netrecvlat")) {
            for (var a : daemon.tracer(t).attributes()) {
                if (a.name().equals("OwnTrafficIgnored")) {
                    n += (Long) a.getter().get();
                }
            }
        }
        return n;
    }

    /** One HTTP/1.0 request on a connection of its own, closed by the server after the answer. */
    private static void get(int port, String path) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.getInputStream().readAllBytes();
        }
    }

    /** Registers a Jolokia notification client, opens its SSE stream, reads its start and hangs up. */
    private static void closeAnSseStream(int port) throws Exception {
        String id = post(port, "{\"type\":\"notification\",\"command\":\"register\"}").replaceAll(
                "(?s).*\"id\":\"([^\"]+)\".*", "$1");
        post(port, "{\"type\":\"notification\",\"command\":\"add\",\"client\":\"" + id
                + "\",\"mode\":\"sse\",\"mbean\":\"huatuo:type=Tracer,name=dropwatch\"}");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(("GET /jolokia/notification/open/" + id + "/sse HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            s.setSoTimeout(3000);
            in.read(new byte[512]); // the response head: the stream is open
            s.setSoLinger(true, 0); // hang up hard, as a killed client does
        }
        Thread.sleep(300); // the server's next write meets the closed connection
    }

    private static String post(int port, String json) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(3000);
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(("POST /jolokia/ HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
