package io.huatuo.jmx.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.Notification;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

/**
 * Quiet on benign load: 20 s of loopback iperf3 with 2 streams and 4,000 HTTP requests at
 * concurrency 4 (ab against python's http.server), all in a network namespace of our own, report
 * no dropwatch event there with the default configuration. The drops TCP makes of duplicates on the
 * way (TCP_OLD_DATA, TCP_OLD_SEQUENCE, ...) are still counted in DropsByReason.
 */
class BenignLoadIT {
    @Test
    void loopbackIperfAndHttpRequestsReportNoDrops() throws Exception {
        Kernel.assumeRootAndBpf();
        for (String tool : List.of("/usr/bin/iperf3", "/usr/bin/ab")) {
            if (!Files.isExecutable(Path.of(tool))) {
                String why = tool + " is missing (scripts/packages.txt lists iperf3 and apache2-utils)";
                if (Kernel.isCi()) {
                    throw new AssertionError(why);
                }
                org.junit.jupiter.api.Assumptions.abort(why);
            }
        }
        try (TestDaemon daemon = TestDaemon.start("  dropwatch:\n    maxEventsPerSecond: 100000\n");
                NetnsPair net = new NetnsPair()) {
            long netns = Long.parseLong(net.run(net.a, "stat", "-L", "-c", "%i", "/proc/self/ns/net").output().trim());
            List<String> excluded = List.of((String[]) daemon.attribute("dropwatch", "ExcludedReasons"));
            Map<String, Long> before = dropsByReason(daemon);
            BlockingQueue<Notification> q = daemon.subscribe("dropwatch");

            Path www = Files.createTempDirectory("huatuo-benign");
            Files.writeString(www.resolve("index.html"), "x".repeat(2048));
            net.start(net.a, "iperf3", "-s", "-B", "127.0.0.1", "-p", "5301");
            net.start(net.a, "python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", www.toString(), "8301");
            net.waitForListener(net.a, 5301);
            net.waitForListener(net.a, 8301);
            Process iperf = new ProcessBuilder("ip", "netns", "exec", net.a, "iperf3", "-c", "127.0.0.1", "-p", "5301",
                    "-P", "2", "-t", "20").redirectErrorStream(true).start();
            String iperfOut;
            Shell.Result ab;
            try {
                ab = net.run(net.a, "ab", "-q", "-n", "4000", "-c", "4", "http://127.0.0.1:8301/index.html");
                iperfOut = new String(iperf.getInputStream().readAllBytes());
                assertTrue(iperf.waitFor(60, TimeUnit.SECONDS), "iperf3 ends");
            } finally {
                iperf.destroyForcibly();
            }
            TestDaemon.deleteTree(www);
            assertEquals(0, ab.exit(), ab.output());
            assertTrue(ab.output().contains("Complete requests:      4000"), ab.output());
            assertTrue(ab.output().contains("Failed requests:        0"), ab.output());
            assertEquals(0, iperf.exitValue(), iperfOut);
            Thread.sleep(1000); // the last drops through the pipeline

            List<String> ours = new ArrayList<>();
            for (Notification n; (n = q.poll()) != null; ) {
                if (n.getUserData() instanceof CompositeData cd && Long.valueOf(netns).equals(cd.get("netns"))) {
                    ours.add(n.getMessage());
                }
            }
            Map<String, Long> counted = new TreeMap<>();
            dropsByReason(daemon).forEach((reason, count) -> {
                long d = count - before.getOrDefault(reason, 0L);
                if (d > 0) {
                    counted.put(reason + (excluded.contains(reason) ? " (excluded)" : ""), d);
                }
            });
            String summary = iperfOut.lines().filter(l -> l.contains("SUM") && l.contains("receiver")).findFirst()
                    .orElse("").replaceAll("\\s+", " ");
            System.out.printf("benign load: iperf3 %s; ab: 4000 requests; dropwatch events in our namespace: %d; "
                    + "drops counted on the host meanwhile by reason: %s%n", summary, ours.size(), counted);
            assertEquals(List.of(), ours, "dropwatch events caused by benign load");
            assertTrue(counted.keySet().stream().anyMatch(r -> r.endsWith("(excluded)")),
                    "excluded drops are still counted in DropsByReason: " + counted);
        }
    }

    /**
     * The most common teardown: the client closes first, its orphaned socket waits in FIN_WAIT2 as a
     * TIME_WAIT socket, the server closes later and its FIN reaches that socket, which answers it; the
     * kernel then frees the FIN without a reason (NOT_SPECIFIED). Reported with excludeTimeWait: false,
     * counted only by default.
     */
    @Test
    void aServerClosingAfterItsClientIsNotADrop() throws Exception {
        Kernel.assumeRootAndBpf();
        for (boolean exclude : new boolean[] {false, true}) {
            try (TestDaemon daemon = TestDaemon.start("  dropwatch:\n    maxEventsPerSecond: 100000\n"
                    + "    excludeTimeWait: " + exclude + "\n"); NetnsPair net = new NetnsPair()) {
                long netns = Long.parseLong(net.run(net.a, "stat", "-L", "-c", "%i", "/proc/self/ns/net").output().trim());
                long unspecified = dropsByReason(daemon).getOrDefault("NOT_SPECIFIED", 0L);
                BlockingQueue<Notification> q = daemon.subscribe("dropwatch");
                net.start(net.a, "python3", "-c", "import socket, time\n"
                        + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                        + "s.bind(('127.0.0.1', 8302)); s.listen(16)\n"
                        + "while True:\n    c, _ = s.accept(); c.recv(100); time.sleep(0.2); c.close()\n");
                net.waitForListener(net.a, 8302);
                Shell.Result clients = net.run(net.a, "python3", "-c", "import socket, time\n"
                        + "for i in range(10):\n"
                        + "    c = socket.create_connection(('127.0.0.1', 8302)); c.send(b'x'); c.close(); time.sleep(0.3)\n");
                assertEquals(0, clients.exit(), clients.output());
                Thread.sleep(1000);
                List<String> ours = new ArrayList<>();
                for (Notification n; (n = q.poll()) != null; ) {
                    if (n.getUserData() instanceof CompositeData cd && Long.valueOf(netns).equals(cd.get("netns"))) {
                        ours.add(n.getMessage());
                    }
                }
                long counted = dropsByReason(daemon).getOrDefault("NOT_SPECIFIED", 0L) - unspecified;
                System.out.printf("late FINs to closed clients, excludeTimeWait %s: %d NOT_SPECIFIED drops counted, "
                        + "%d reported in our namespace%s%n", exclude, counted, ours.size(),
                        ours.isEmpty() ? "" : ", e.g. " + ours.get(0));
                assertTrue(counted >= 10, "the kernel freed the late FINs: " + counted);
                if (exclude) {
                    assertEquals(List.of(), ours, "TIME_WAIT handling reported as drops");
                } else {
                    assertTrue(ours.stream().anyMatch(m -> m.startsWith("dropwatch reason=NOT_SPECIFIED state=TIME_WAIT")),
                            "reported when not excluded: " + ours);
                }
            }
        }
    }

    /**
     * A segment that neither opens a connection nor carries data and finds no socket (NO_SOCKET) is a
     * late ACK, FIN or RST of a connection already closed: on loopback under load, e.g. an iperf3
     * server's last ACK waiting in another CPU's backlog while the client's reset closed its socket.
     * Crafted segments to a closed port on the peer namespace: with excludeLateSegments (the default)
     * the bare FIN, RST and ACK are counted only, the SYN and the segment with data are reported; with
     * excludeLateSegments: false all five are reported. Without drop reasons (before 5.17) nothing can
     * be told apart and all are reported.
     */
    @Test
    void lateSegmentsOfClosedConnectionsAreCountedAndSynsAndDataReported() throws Exception {
        Kernel.assumeRootAndBpf();
        boolean reasons = Kernel.hasDropReasons();
        Map<Integer, String> segments = new TreeMap<>(Map.of(31001, "S 0", 31002, "FA 0", 31003, "R 0",
                31004, "PA 10", 31005, "A 0"));
        for (boolean exclude : new boolean[] {false, true}) {
            try (TestDaemon daemon = TestDaemon.start("  dropwatch:\n    maxEventsPerSecond: 100000\n"
                    + "    excludeLateSegments: " + exclude + "\n"); NetnsPair net = new NetnsPair()) {
                assertEquals(exclude, daemon.attribute("dropwatch", "ExcludeLateSegments"));
                long noSocket = reasons ? dropsByReason(daemon).getOrDefault("NO_SOCKET", 0L) : 0;
                BlockingQueue<Notification> q = daemon.subscribe("dropwatch");
                for (Map.Entry<Integer, String> seg : segments.entrySet()) {
                    List<String> args = new ArrayList<>(List.of("python3", NetnsPair.script("tcp_segment.py"),
                            net.addrB, "9", seg.getKey().toString()));
                    args.addAll(List.of(seg.getValue().split(" ")));
                    Shell.Result sent = net.run(net.a, args.toArray(String[]::new));
                    assertEquals(0, sent.exit(), sent.output());
                }
                // until the last one, or half a second without a notification once the one with data came
                Map<Integer, String> reported = new TreeMap<>();
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (System.nanoTime() < deadline && !reported.containsKey(31005)) {
                    Notification n = q.poll(500, TimeUnit.MILLISECONDS); // all five were sent before
                    if (n == null && reported.containsKey(31004)) {
                        break;
                    }
                    if (n != null && n.getUserData() instanceof CompositeData cd && net.addrB.equals(cd.get("daddr"))
                            && Integer.valueOf(9).equals(cd.get("dport"))) {
                        assertEquals(reasons ? "NO_SOCKET" : "", cd.get("reason"), n.getMessage());
                        reported.put((Integer) cd.get("sport"), segments.get((Integer) cd.get("sport")));
                    }
                }
                long counted = reasons ? dropsByReason(daemon).getOrDefault("NO_SOCKET", 0L) - noSocket : -1;
                System.out.printf("crafted segments to a closed port, excludeLateSegments %s: reported %s, "
                        + "NO_SOCKET drops counted %d%n", exclude, reported.values(), counted);
                if (exclude && reasons) {
                    assertEquals(Map.of(31001, "S 0", 31004, "PA 10"), reported, "only the SYN and the data reported");
                } else {
                    assertEquals(segments, reported, "every segment reported");
                }
                if (reasons) { // the peer's resets to our raw sender's ports are NO_SOCKET drops in net.a too
                    assertTrue(counted >= segments.size(), "every drop counted: " + counted);
                }
            }
        }
    }

    private static Map<String, Long> dropsByReason(TestDaemon daemon) throws Exception {
        CompositeData cd = (CompositeData) daemon.attribute("dropwatch", "DropsByReason");
        Map<String, Long> m = new TreeMap<>();
        for (String k : cd.getCompositeType().keySet()) {
            m.put(k, (Long) cd.get(k));
        }
        return m;
    }
}
