package io.huatuo.jmx.tracer.tcp_retransmit;

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
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.management.Attribute;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * tcp_retransmit end to end: a connection in a pair of network namespaces whose receiver's ACKs nft
 * drops for a while, so the sender retransmits on timeouts; read back through a real JMX remote
 * connection, the notification and the record file, and checked against what the receiver saw on
 * the wire and the sender's own counters.
 */
class TcpRetransmitIT {
    private static final String NAME = TcpRetransmit.NAME;
    private static TestDaemon daemon;
    private static NetnsPair net;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        daemon = TestDaemon.start("");
        net = new NetnsPair();
    }

    @AfterAll
    static void stop() throws Exception {
        if (net != null) {
            net.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void tracerRunsOnTheTracepointShapeOfThisKernel() throws Exception {
        assertEquals("RUNNING", daemon.attribute(NAME, "State"));
        // the tracepoint gained err in 6.17
        String expected = kernelAtLeast(6, 17) ? "tp_btf/tcp_retransmit_skb (sk, skb, err)"
                : "tp_btf/tcp_retransmit_skb (sk, skb)";
        assertEquals(expected, daemon.attribute(NAME, "Probe"));
    }

    @Test
    void timeoutsWhileTheReceiversAcksAreDroppedAreReportedWithTheSegment() throws Exception {
        int port = 8080;
        BlockingQueue<Notification> q = daemon.subscribe(NAME);
        long retransSegsBefore = retransSegs(net.a);
        long missedBefore = daemon.counter(NAME, "MissedProgramRuns");
        net.start(net.b, "python3", NetnsPair.script("tcp_server.py"), net.addrB, String.valueOf(port));
        net.waitForListener(net.b, port);
        Sniffer sniffer = Sniffer.start(port);
        Process client = net.start(net.a, "python3", NetnsPair.script("tcp_client.py"), net.addrB,
                String.valueOf(port), "0.05", "60");
        List<CompositeData> ours;
        List<long[]> wire;
        int clientPort;
        long retransSegs;
        try {
            net.waitForEstablished(net.b, port);
            Thread.sleep(300);
            clientPort = clientPort(port);
            // no ACKs until the sender has timed out twice (200 ms, then 400 ms here; longer in a slow VM)
            try (Rule r = drop("output", "tcp sport " + port)) {
                awaitRetransSegs(retransSegsBefore + 2);
            }
            awaitNothingToRetransmit(port); // an ACK the rule ate just before it went means one more timeout
            retransSegs = retransSegs(net.a) - retransSegsBefore;
            wire = sniffer.stop();
            ours = collect(q, retransmitted(wire).size(), cd -> net.addrB.equals(cd.get("tcp_daddr"))
                    && Integer.valueOf(port).equals(cd.get("tcp_dport")));
        } finally {
            client.destroyForcibly();
            sniffer.process().destroyForcibly();
        }
        List<long[]> again = retransmitted(wire);
        long missed = daemon.counter(NAME, "MissedProgramRuns") - missedBefore;
        System.out.println("tcp_retransmit: " + ours.size() + " events, " + again.size() + " retransmissions of "
                + wire.size() + " segments on the wire, RetransSegs +" + retransSegs + ", runs the kernel skipped +"
                + missed + "; first: " + (ours.isEmpty() ? "-" : ours.get(0).values()));
        int skipped = 0;
        if (ours.size() < again.size() && again.size() - ours.size() <= missed) {
            // the kernel skipped the program (already running on that CPU) and counted it in MissedProgramRuns:
            // reported to the operator, not lost silently; compare the retransmissions that were traced
            Set<Long> traced = ours.stream().map(cd -> (Long) cd.get("tcp_seq")).collect(Collectors.toSet());
            again = again.stream().filter(w -> traced.contains(w[0])).toList();
            skipped = retransmitted(wire).size() - again.size();
        }

        assertTrue(ours.size() >= 2, "at least two timeouts without ACKs: " + ours);
        // veth carries GSO packets whole: one packet on the wire per skb the kernel retransmitted
        assertEquals(again.size(), ours.size(), "one event per retransmission the receiver saw; wire "
                + wire.stream().map(java.util.Arrays::toString).toList() + ", ours "
                + ours.stream().map(cd -> cd.get("tcp_seq") + "-" + cd.get("tcp_end_seq") + " err " + cd.get("err"))
                        .toList() + ", RetransSegs +" + retransSegs + ", missed runs +" + missed + ", counts "
                + daemon.settledCounts(NAME));
        for (int i = 0; i < ours.size(); i++) {
            assertEquals(again.get(i)[0], ours.get(i).get("tcp_seq"), "the segment as the receiver saw it");
            assertEquals(again.get(i)[1], ours.get(i).get("tcp_ack_seq"), "with the ACK number it carried");
            assertEquals((again.get(i)[0] + again.get(i)[2]) & 0xffffffffL, ours.get(i).get("tcp_end_seq"));
        }
        long lastTotal = 0;
        int maxRetransmits = 0;
        for (CompositeData e : ours) {
            assertEquals(net.addrA, e.get("tcp_saddr"));
            assertEquals(clientPort, e.get("tcp_sport"));
            assertEquals("ESTABLISHED", e.get("tcp_state"));
            assertEquals("data", e.get("phase"));
            assertEquals(4, e.get("ca_state"), "a timeout puts the socket in Loss");
            assertEquals("RTO", e.get("tcp_reason"));
            assertEquals(0, e.get("err"));
            assertTrue(((String) e.get("tcp_flags")).contains("ACK"), e.toString());
            assertTrue((Long) e.get("total_retrans") > lastTotal, "the socket's count grows: " + ours);
            assertTrue((Integer) e.get("icsk_retransmits") >= maxRetransmits, "timeouts in a row: " + ours);
            assertEquals(netnsInode(net.a), e.get("net_namespace_inum"));
            assertEquals(NAME, e.get("tracer_name"));
            lastTotal = (Long) e.get("total_retrans");
            maxRetransmits = (Integer) e.get("icsk_retransmits");
        }
        if (skipped == 0) {
            assertEquals(1, ours.get(0).get("icsk_retransmits"), "the first timeout counts itself: " + ours);
            assertEquals(retransSegs, lastTotal, "total_retrans of a fresh socket is the namespace's RetransSegs");
        } else {
            assertTrue(lastTotal <= retransSegs, "total_retrans within the namespace's RetransSegs: " + ours);
        }

        String text = daemon.awaitRecord(NAME, "\"tcp_daddr\": \"" + net.addrB + "\"");
        assertTrue(text.contains("\"tcp_reason\": \"RTO\"") && text.contains("\"tcp_dport\": " + port), text);
        assertTrue(text.contains("\"tracer_data\": {"), text);
        assertTrue((Long) daemon.attribute(NAME, "LastEventTime") > 0);
    }

    @Test
    void aSynThatGetsNoAnswerIsRetriedInTheConnectPhase() throws Exception {
        int port = 8081;
        BlockingQueue<Notification> q = daemon.subscribe(NAME);
        try (Rule r = drop("input", "tcp dport " + port)) {
            net.run(net.a, "nc", "-z", "-w2", net.addrB, String.valueOf(port));
            CompositeData e = TestDaemon.await(q, 5000, cd -> net.addrB.equals(cd.get("tcp_daddr"))
                    && Integer.valueOf(port).equals(cd.get("tcp_dport")));
            assertEquals("SYN_SENT", e.get("tcp_state"));
            assertEquals("connect", e.get("phase"));
            assertTrue(((String) e.get("tcp_flags")).startsWith("SYN"), e.toString());
            assertEquals((Long) e.get("tcp_seq") + 1, e.get("tcp_end_seq"), "a SYN takes one sequence number");
            assertEquals(0, e.get("err"));
        }
    }

    @Test
    void manyConnectionsAreCountedExactlyWhileDetailsAreRateLimited() throws Exception {
        int port = 8082;
        int connections = 20;
        ObjectName tracer = new ObjectName("huatuo:type=Tracer,name=" + NAME);
        daemon.mbsc.setAttribute(tracer, new Attribute("MaxEventsPerSecond", 2L));
        Process clients = null;
        try {
            net.start(net.b, "python3", NetnsPair.script("tcp_server.py"), net.addrB, String.valueOf(port));
            net.waitForListener(net.b, port);
            clients = net.start(net.a, "python3", NetnsPair.script("tcp_client.py"), net.addrB,
                    String.valueOf(port), "0.05", "60", String.valueOf(connections));
            awaitEstablished(port, connections);
            TestDaemon.Counts before = daemon.settledCounts(NAME);
            long retransSegsBefore = retransSegs(net.a);
            long t0 = System.nanoTime();
            try (Rule r = drop("output", "tcp sport " + port)) {
                awaitRetransSegs(retransSegsBefore + 2 * connections);
            }
            Thread.sleep(500); // the first ACK through ends the timeouts
            long retransSegs = retransSegs(net.a) - retransSegsBefore;
            TestDaemon.Counts delta = daemon.settledCounts(NAME).minus(before);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long occ = delta.occurrences();
            long ev = delta.events();
            long rl = delta.rateLimited();
            long lost = delta.lost();
            System.out.printf("tcp_retransmit flood: RetransSegs=%d occurrences=%d events=%d ratelimited=%d lost=%d "
                    + "in %.2f s%n", retransSegs, occ, ev, rl, lost, seconds);

            // other connections on the host may retransmit too, never fewer
            assertTrue(occ >= retransSegs, "every retransmission counted: " + occ + " < " + retransSegs);
            assertEquals(occ, ev + rl + lost, "every occurrence is reported, rate limited or lost");
            assertTrue(ev > 0 && ev <= 2 * (Math.ceil(seconds) + 3), "EventCount within the rate limit: " + ev);
            assertTrue(rl > 0, "the rate limit did suppress details");
        } finally {
            if (clients != null) {
                clients.destroyForcibly();
            }
            daemon.mbsc.setAttribute(tracer, new Attribute("MaxEventsPerSecond", 100L));
        }
    }

    @Test
    void disablingDetachesAndNothingIsCounted() throws Exception {
        ObjectName tracer = new ObjectName("huatuo:type=Tracer,name=" + NAME);
        daemon.mbsc.setAttribute(tracer, new Attribute("Enabled", false));
        try {
            assertEquals("DISABLED", daemon.attribute(NAME, "State"));
            long occ = daemon.counter(NAME, "OccurrenceCount");
            long before = retransSegs(net.a);
            try (Rule r = drop("input", "tcp dport 8083")) {
                net.run(net.a, "nc", "-z", "-w2", net.addrB, "8083");
            }
            assertTrue(retransSegs(net.a) > before, "the kernel did retransmit the SYN");
            assertEquals(occ, daemon.counter(NAME, "OccurrenceCount"), "nothing counted while detached");
        } finally {
            daemon.mbsc.setAttribute(tracer, new Attribute("Enabled", true));
        }
        assertEquals("RUNNING", daemon.attribute(NAME, "State"));
    }

    /** An nft rule in namespace b, removed on close. */
    private interface Rule extends AutoCloseable {
        @Override
        void close();
    }

    /** Drops what {@code match} matches in a chain ({@code input}, {@code output}) of namespace b. */
    private static Rule drop(String hook, String match) {
        String table = "hjrt" + Integer.toHexString(match.hashCode());
        net.nft(net.b, "table inet " + table + " {\n  chain c {\n    type filter hook " + hook + " priority 0;\n    "
                + match + " drop\n  }\n}\n");
        return () -> net.run(net.b, "nft", "delete", "table", "inet", table);
    }

    /** The client's local port of the one connection to {@code port} in namespace a. */
    private static int clientPort(int port) {
        String out = net.run(net.a, "ss", "-Htn", "state", "established", "( dport = :" + port + " )").output();
        Matcher m = Pattern.compile(Pattern.quote(net.addrA) + ":(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }

    private static void awaitEstablished(int port, int n) throws InterruptedException {
        String out = "";
        for (int i = 0; i < 300; i++) { // python starts slowly on a loaded machine
            out = net.run(net.a, "ss", "-Htn", "state", "established", "( dport = :" + port + " )").output();
            if (out.lines().filter(l -> !l.isBlank()).count() >= n) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("fewer than " + n + " connections established:\n" + out);
    }

    /** Tcp RetransSegs of a namespace (/proc/net/snmp is per network namespace). */
    private static long retransSegs(String ns) {
        List<String> lines = net.run(ns, "cat", "/proc/net/snmp").output().lines()
                .filter(l -> l.startsWith("Tcp:")).toList();
        List<String> names = List.of(lines.get(0).split("\\s+"));
        return Long.parseLong(lines.get(1).split("\\s+")[names.indexOf("RetransSegs")]);
    }

    /** The inode of a named network namespace: the kernel's ns.inum. */
    private static long netnsInode(String ns) {
        return Long.parseLong(Shell.check("stat", "-L", "-c", "%i", "/run/netns/" + ns).trim());
    }

    private static boolean kernelAtLeast(int major, int minor) {
        Matcher m = Pattern.compile("(\\d+)\\.(\\d+)").matcher(System.getProperty("os.version"));
        assertTrue(m.find());
        int maj = Integer.parseInt(m.group(1));
        return maj > major || (maj == major && Integer.parseInt(m.group(2)) >= minor);
    }

    /**
     * The segments of {@code wire} ({seq, ack, payload length, flags}, in arrival order) whose first byte the
     * receiver had already been sent: the retransmissions. A new segment that arrives after a later one (veth
     * hands packets to per-CPU backlogs, so two sends from two CPUs can swap) is new data, not a retransmission.
     */
    private static List<long[]> retransmitted(List<long[]> wire) {
        List<long[]> again = new ArrayList<>();
        List<long[]> seen = new ArrayList<>(); // [start, end) of the data seen, relative to the first segment
        Long base = null;
        for (long[] s : wire) {
            if (s[2] == 0) {
                continue;
            }
            if (base == null) {
                base = s[0];
            }
            long from = (s[0] - base) & 0xffffffffL;
            if (seen.stream().anyMatch(r -> r[0] <= from && from < r[1])) {
                again.add(s);
            }
            seen.add(new long[] {from, from + s[2]});
        }
        return again;
    }

    /** The matching notifications, once {@code expected} have arrived or 20 s have passed. */
    private static List<CompositeData> collect(BlockingQueue<Notification> q, long expected,
            java.util.function.Predicate<CompositeData> match) throws InterruptedException {
        List<CompositeData> out = new ArrayList<>();
        long end = System.currentTimeMillis() + 20_000;
        while (out.size() < expected && System.currentTimeMillis() < end) {
            Notification n = q.poll(Math.max(1, end - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            if (n != null && n.getUserData() instanceof CompositeData cd && match.test(cd)) {
                out.add(cd);
            }
        }
        Notification n;
        while ((n = q.poll(300, TimeUnit.MILLISECONDS)) != null) { // and any that should not be there
            if (n.getUserData() instanceof CompositeData cd && match.test(cd)) {
                out.add(cd);
            }
        }
        return out;
    }

    /** Waits until the sender's connection to {@code port} has no retransmitted segment left unacknowledged. */
    private static void awaitNothingToRetransmit(int port) throws InterruptedException {
        long end = System.currentTimeMillis() + 30_000;
        String out;
        do {
            out = net.run(net.a, "ss", "-Htni", "state", "established", "( dport = :" + port + " )").output();
            if (out.contains("retrans:0/")) {
                return;
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < end);
        throw new AssertionError("retransmissions still outstanding after 30 s:\n" + out);
    }

    /** Waits until namespace a's RetransSegs reaches {@code atLeast} (at most 30 s). */
    private static void awaitRetransSegs(long atLeast) throws InterruptedException {
        long end = System.currentTimeMillis() + 30_000;
        while (retransSegs(net.a) < atLeast) {
            assertTrue(System.currentTimeMillis() < end, "the sender never retransmitted " + atLeast + " segments");
            Thread.sleep(50);
        }
    }

    /** tcp_sniff.py in namespace b: the segments arriving for a port, as the receiver's NIC saw them. */
    private record Sniffer(Process process, Path output) {
        static Sniffer start(int port) throws Exception {
            Path out = Files.createTempFile("huatuo-sniff", ".txt");
            out.toFile().deleteOnExit();
            Process p = new ProcessBuilder("ip", "netns", "exec", net.b, "python3", NetnsPair.script("tcp_sniff.py"),
                    "veth0", String.valueOf(port), "120")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            for (int i = 0; i < 600 && !Files.readString(out).startsWith("ready"); i++) { // python starts slowly
                Thread.sleep(50);
            }
            if (!Files.readString(out).startsWith("ready")) {
                p.destroyForcibly();
                throw new AssertionError("sniffer start: " + Files.readString(out));
            }
            return new Sniffer(p, out);
        }

        /** Stops the sniffer: {seq, ack, payload length, flags} of each segment it saw (it prints them at once). */
        List<long[]> stop() throws Exception {
            try {
                process.destroy();
                assertTrue(process.waitFor(10, TimeUnit.SECONDS), "sniffer ends");
                List<long[]> segs = new ArrayList<>();
                for (String l : Files.readAllLines(output)) {
                    String[] f = l.trim().split(" ");
                    if (f.length == 4) {
                        segs.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                            Long.parseLong(f[3])});
                    }
                }
                return segs;
            } finally {
                process.destroyForcibly();
                Files.deleteIfExists(output);
            }
        }
    }
}
