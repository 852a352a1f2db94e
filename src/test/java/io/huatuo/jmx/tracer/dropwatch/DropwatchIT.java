package io.huatuo.jmx.tracer.dropwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.ProcFds;
import io.huatuo.jmx.testing.TestDaemon;
import java.util.concurrent.BlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.Attribute;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * dropwatch end to end: real TCP drops provoked in a pair of network namespaces, read back through
 * a real JMX remote connection, the notification and the record file.
 */
class DropwatchIT {
    private static final Pattern EVENT_TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} [+-]\\d{4}");
    private static TestDaemon daemon;
    private static NetnsPair net;
    /** Kernels before 5.17 have no drop reasons: drops come without one, matched by address alone. */
    private static final boolean REASONS = Kernel.hasDropReasons();

    private static boolean reasonIs(CompositeData cd, String reason) {
        return REASONS ? reason.equals(cd.get("reason")) : "".equals(cd.get("reason"));
    }

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
    void tracerRunsOnTheTpBtfProbe() throws Exception {
        assertEquals("RUNNING", daemon.attribute("dropwatch", "State"));
        // the kernel's shape of the tracepoint: rx_sk since 6.11, the reason since 5.17
        String probe = (String) daemon.attribute("dropwatch", "Probe");
        assertEquals(Kernel.atLeast(6, 11) ? "tp_btf/kfree_skb" : REASONS ? "tp_btf/kfree_skb (no rx_sk: before 6.11)"
                : "tp_btf/kfree_skb (no drop reasons: before 5.17)", probe);
        assertEquals(true, daemon.attribute("dropwatch", "Enabled"));
    }

    @Test
    void synToClosedPortIsReportedOverJmxNotificationAndRecord() throws Exception {
        BlockingQueue<Notification> q = daemon.subscribe("dropwatch");
        long before = daemon.counter("dropwatch", "EventCount");
        long t0 = System.nanoTime();
        net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
        CompositeData e = TestDaemon.await(q, 5000,
                cd -> reasonIs(cd, "NO_SOCKET") && net.addrB.equals(cd.get("daddr"))
                        && Integer.valueOf(9).equals(cd.get("dport")));
        long latencyMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("dropwatch NO_SOCKET: notification " + latencyMs + " ms after nc started");

        assertEquals(net.addrA, e.get("saddr"));
        assertTrue((Integer) e.get("sport") > 0, "sport");
        assertEquals("", e.get("state"), "a SYN to a closed port has no socket");
        assertEquals(REASONS ? "no_socket" : "common_drop", e.get("type"));
        assertEquals("dropwatch", e.get("tracer_name"));
        assertEquals("auto", e.get("tracer_type"));
        assertEquals("test", e.get("region"));
        assertTrue(EVENT_TIME.matcher((String) e.get("time")).matches(), "time format: " + e.get("time"));
        assertTrue((Long) e.get("netns") > 0, "netns");
        assertTrue((Integer) e.get("pkt_len") >= 20, "pkt_len");
        String stack = (String) e.get("stack");
        assertTrue(stack.contains("tcp_v4_rcv/"), "stack names tcp_v4_rcv:\n" + stack);
        assertTrue(stack.lines().allMatch(l -> l.matches("\\S+/[0-9a-f]{16} \\[\\S+\\]")), "frame format:\n" + stack);
        assertFalse(stack.lines().findFirst().orElse("").startsWith("bpf_"), "BPF frames removed:\n" + stack);

        assertTrue(daemon.counter("dropwatch", "EventCount") > before, "EventCount rises");
        // LastEvent holds the same flat data, unless a drop elsewhere on the host came after ours
        CompositeData last = (CompositeData) daemon.attribute("dropwatch", "LastEvent");
        assertEquals(e.getCompositeType(), last.getCompositeType());
        if (net.addrB.equals(last.get("daddr"))) {
            assertEquals(e.get("uploaded_time"), last.get("uploaded_time"));
        }
        assertTrue((Long) daemon.attribute("dropwatch", "LastEventTime") > 0);

        // other drops on the host land in the same file: wait for ours
        String text = daemon.awaitRecord("dropwatch", "\"daddr\": \"" + net.addrB + "\"");
        assertTrue(text.contains(REASONS ? "\"reason\": \"NO_SOCKET\"" : "\"reason\": \"\"") && text.contains("\"dport\": 9"),
                text);
        assertTrue(Pattern.compile("(?m)^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d Host=\\S+ Region=test$").matcher(text).find(),
                "record header line:\n" + text);
        assertTrue(text.contains("\"tracer_data\": {"), text);
    }

    @Test
    void netfilterDropOnEstablishedConnectionHasStateAndStack() throws Exception {
        BlockingQueue<Notification> q = daemon.subscribe("dropwatch");
        net.start(net.b, "python3", NetnsPair.script("tcp_server.py"), net.addrB, "8080");
        net.waitForListener(net.b, 8080);
        Process client = net.start(net.a, "python3", NetnsPair.script("tcp_client.py"), net.addrB, "8080", "0.2", "20");
        // The rule below drops bare ACKs: installed before the handshake's last ACK, it would leave the
        // server side a request socket (NEW_SYN_RECV). A loaded machine can take seconds to start python.
        net.waitForEstablished(net.b, 8080);
        assertTrue(client.isAlive(), "client connected");
        net.nft(net.b, """
                table inet hjdrop {
                  chain input {
                    type filter hook input priority 0;
                    tcp dport 8080 tcp flags & (fin|syn|rst) == 0 drop
                  }
                }
                """);
        try {
            CompositeData e = TestDaemon.await(q, 5000,
                    cd -> reasonIs(cd, "NETFILTER_DROP") && Integer.valueOf(8080).equals(cd.get("dport")));
            assertEquals("ESTABLISHED", e.get("state"));
            assertEquals(REASONS ? "netfilter_drop" : "common_drop", e.get("type"));
            assertEquals(net.addrA, e.get("saddr"));
            assertEquals(net.addrB, e.get("daddr"));
            assertTrue((Long) e.get("seq") > 0 && (Long) e.get("ack_seq") > 0, "seq/ack_seq");
            assertTrue(((String) e.get("stack")).contains("nft_do_chain"), (String) e.get("stack"));
            assertEquals("veth0", e.get("ifname"));
        } finally {
            net.run(net.b, "nft", "delete", "table", "inet", "hjdrop");
            client.destroyForcibly();
        }
    }

    @Test
    void floodIsCountedExactlyWhileDetailsAreRateLimited() throws Exception {
        ObjectName dw = new ObjectName("huatuo:type=Tracer,name=dropwatch");
        daemon.mbsc.setAttribute(dw, new Attribute("MaxEventsPerSecond", 50L));
        net.nft(net.b, """
                table inet hjflood {
                  chain input {
                    type filter hook input priority 0;
                    tcp dport 9999 counter drop
                  }
                }
                """);
        try {
            TestDaemon.Counts before = daemon.settledCounts("dropwatch");
            long reasonBefore = REASONS ? netfilterDrops() : 0;
            long t0 = System.nanoTime();
            String sent = net.run(net.a, "python3", NetnsPair.script("syn_flood.py"), net.addrB, "9999", "30000").output().trim();
            double seconds = (System.nanoTime() - t0) / 1e9;
            TestDaemon.Counts delta = daemon.settledCounts("dropwatch").minus(before);
            long nftPackets = nftCounter();
            long reasonDelta = REASONS ? netfilterDrops() - reasonBefore : -1;
            long occ = delta.occurrences();
            long ev = delta.events();
            long rl = delta.rateLimited();
            long lost = delta.lost();
            System.out.printf("dropwatch flood: sent=%s nft=%d reason=%d occurrences=%d events=%d ratelimited=%d lost=%d in %.2f s%n",
                    sent, nftPackets, reasonDelta, occ, ev, rl, lost, seconds);

            assertEquals("30000", sent);
            assertTrue(nftPackets >= 30000, "nft saw the flood: " + nftPackets);
            if (REASONS) {
                assertEquals(nftPackets, reasonDelta, "NETFILTER_DROP count equals the nft counter exactly");
            } else { // no reasons to count them apart: every one of them is an occurrence, with the host's own
                assertTrue(occ >= nftPackets, "every nft drop counted: " + occ + " occurrences, " + nftPackets + " dropped");
            }
            assertEquals(occ, ev + rl + lost, "every occurrence is reported, rate limited or lost");
            assertTrue(ev > 0, "some details got through");
            assertTrue(ev <= 50 * (Math.ceil(seconds) + 3), "EventCount within the rate limit: " + ev);
            assertTrue(rl > 0, "the rate limit did suppress details");
        } finally {
            net.run(net.b, "nft", "delete", "table", "inet", "hjflood");
            daemon.mbsc.setAttribute(dw, new Attribute("MaxEventsPerSecond", 100L));
        }
    }

    @Test
    void badThresholdWriteIsRefusedWithMessage() throws Exception {
        ObjectName dw = new ObjectName("huatuo:type=Tracer,name=dropwatch");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> daemon.mbsc.setAttribute(dw, new Attribute("MaxEventsPerSecond", 0L)));
        assertTrue(String.valueOf(e.getMessage()).contains("MaxEventsPerSecond"), e.toString());
        assertEquals(100L, daemon.attribute("dropwatch", "MaxEventsPerSecond"));
    }

    @Test
    void disablingDetachesAndEnablingReattaches() throws Exception {
        ObjectName dw = new ObjectName("huatuo:type=Tracer,name=dropwatch");
        int linksBefore = ProcFds.links(ProcessHandle.current().pid());
        daemon.mbsc.setAttribute(dw, new Attribute("Enabled", false));
        try {
            assertEquals("DISABLED", daemon.attribute("dropwatch", "State"));
            assertEquals(linksBefore - 1, ProcFds.links(ProcessHandle.current().pid()), "dropwatch's link is gone");
            long occ = daemon.counter("dropwatch", "OccurrenceCount");
            net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
            Thread.sleep(300);
            assertEquals(occ, daemon.counter("dropwatch", "OccurrenceCount"), "nothing counted while detached");
        } finally {
            daemon.mbsc.setAttribute(dw, new Attribute("Enabled", true));
        }
        assertEquals("RUNNING", daemon.attribute("dropwatch", "State"));
        assertEquals(linksBefore, ProcFds.links(ProcessHandle.current().pid()), "re-attached");
    }

    private long netfilterDrops() throws Exception {
        CompositeData byReason = (CompositeData) daemon.attribute("dropwatch", "DropsByReason");
        return (Long) byReason.get("NETFILTER_DROP");
    }

    private long nftCounter() {
        String out = net.run(net.b, "nft", "list", "table", "inet", "hjflood").output();
        Matcher m = Pattern.compile("counter packets (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }
}
