package io.huatuo.jmx.tracer.netdev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.Notification;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * netdev end to end: a veth pair with unique names in the daemon's own network namespace (link
 * messages are delivered only there), watched through include globs. Admin down on one end is
 * seen as admin down there and carrier loss on the peer, then both come back; every event must
 * arrive over JMX within one second of the command.
 */
class NetdevIT {
    private static final String TAG = "hj3n" + ProcessHandle.current().pid() % 100000;
    private static final String A = TAG + "a";
    private static final String B = TAG + "b";
    private static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        Shell.run("ip", "link", "del", A); // a leftover of a killed run
        daemon = TestDaemon.start("  netdev:\n    include: [\"" + TAG + "*\"]\n");
        Shell.check("ip", "link", "add", A, "type", "veth", "peer", "name", B);
    }

    @AfterAll
    static void stop() throws Exception {
        Shell.run("ip", "link", "del", A);
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void adminDownThenPeerCarrierLossThenUpAgain() throws Exception {
        assertEquals("RUNNING", daemon.attribute("netdev", "State"));
        BlockingQueue<Notification> q = daemon.subscribe("netdev");
        Shell.check("ip", "link", "set", A, "up");
        Shell.check("ip", "link", "set", B, "up");
        List<CompositeData> up = collect(q, 3000, e -> true);
        assertTrue(up.stream().anyMatch(e -> e.get("ifname").equals(A) && has(e, Netdev.CARRIER_UP)), "A up: " + up);
        Thread.sleep(300);
        q.clear();
        long adminDown = daemon.counter("netdev", "AdminDownCount");
        long carrierDown = daemon.counter("netdev", "CarrierDownCount");
        long adminUp = daemon.counter("netdev", "AdminUpCount");
        long carrierUp = daemon.counter("netdev", "CarrierUpCount");

        long t0 = System.nanoTime();
        Shell.check("ip", "link", "set", A, "down");
        CompositeData aDown = TestDaemon.await(q, 2000, e -> A.equals(e.get("ifname")));
        long aMs = (System.nanoTime() - t0) / 1_000_000;
        CompositeData bDown = TestDaemon.await(q, 2000, e -> B.equals(e.get("ifname")));
        long bMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("netdev: admin down seen after %d ms (%s), peer carrier down after %d ms (%s)%n", aMs,
                aDown.get("linkstatus"), bMs, bDown.get("linkstatus"));
        assertEquals("linkStatusAdminDown, linkStatusCarrierDown", aDown.get("linkstatus"));
        assertEquals("DOWN", aDown.get("operstate"));
        assertEquals(false, aDown.get("start"));
        assertTrue(((String) aDown.get("mac")).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}"), "mac " + aDown.get("mac"));
        assertTrue((Integer) aDown.get("index") > 0);
        assertEquals("linkStatusCarrierDown", bDown.get("linkstatus"), "the peer kept IFF_UP and lost its carrier");
        assertEquals("LOWERLAYERDOWN", bDown.get("operstate"));
        long bound = 1000L * Kernel.timeScale();
        assertTrue(aMs < bound && bMs < bound, "within " + bound + " ms: " + aMs + ", " + bMs + " ms");

        Shell.check("ip", "link", "set", A, "up");
        List<CompositeData> back = collect(q, 1500, e -> true);
        String aStatus = String.join(", ", back.stream().filter(e -> A.equals(e.get("ifname")))
                .map(e -> (String) e.get("linkstatus")).toList());
        String bStatus = String.join(", ", back.stream().filter(e -> B.equals(e.get("ifname")))
                .map(e -> (String) e.get("linkstatus")).toList());
        System.out.printf("netdev: up again: %s: [%s], %s: [%s]%n", A, aStatus, B, bStatus);
        assertEquals("linkStatusAdminUp, linkStatusCarrierUp", aStatus);
        assertEquals("linkStatusCarrierUp", bStatus);

        assertEquals(adminDown + 1, daemon.counter("netdev", "AdminDownCount"));
        assertEquals(carrierDown + 2, daemon.counter("netdev", "CarrierDownCount"));
        assertEquals(adminUp + 1, daemon.counter("netdev", "AdminUpCount"));
        assertEquals(carrierUp + 2, daemon.counter("netdev", "CarrierUpCount"));
        assertEquals(0L, daemon.counter("netdev", "MalformedMessages"));

        Path record = daemon.dataDir.resolve("record/netdev");
        String text = Files.readString(record);
        assertTrue(text.contains("\"ifname\": \"" + A + "\"") && text.contains("linkStatusAdminDown"), text);
    }

    private static boolean has(CompositeData e, String status) {
        return ((String) e.get("linkstatus")).contains(status);
    }

    /** Every notification within the wait that matches. */
    private static List<CompositeData> collect(BlockingQueue<Notification> q, long millis,
            java.util.function.Predicate<CompositeData> match) throws InterruptedException {
        List<CompositeData> found = new ArrayList<>();
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            Notification n = q.poll(Math.max(1, end - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            if (n != null && match.test((CompositeData) n.getUserData())) {
                found.add((CompositeData) n.getUserData());
            }
        }
        return found;
    }
}
