package io.huatuo.jmx.tracer.lacp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import javax.management.Notification;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * lacp on real 802.3ad bonds: bond A in the daemon's network namespace and bond B in another one,
 * joined by two veth pairs, negotiate LACP (fast rate); taking the peer of one of A's slaves down and
 * up again is reported with the bond, the slave, both port states and the /proc/net/bonding text.
 * Where the kernel has no bonding driver (the host test machines) the tracer must say so instead.
 */
class LacpIT {
    private static final String BOND = "hjbondA";
    private static final String PEER_NS = "hjlacp" + ProcessHandle.current().pid();
    private static TestDaemon daemon;
    private static boolean bonds;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        bonds = Lacp.missingBondingDriver() == null;
        if (bonds) {
            Shell.check("modprobe", "bonding", "max_bonds=0");
            Shell.check("modprobe", "veth");
        }
        daemon = TestDaemon.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        Shell.run("ip", "link", "del", BOND);
        for (int i = 1; i <= 2; i++) {
            Shell.run("ip", "link", "del", "hjA" + i);
        }
        Shell.run("ip", "netns", "del", PEER_NS);
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void withoutABondingDriverTheTracerSaysSo() throws Exception {
        if (bonds) {
            assertEquals("RUNNING", daemon.attribute("lacp", "State"));
            return;
        }
        assertEquals("UNAVAILABLE", daemon.attribute("lacp", "State"));
        assertTrue(((String) daemon.attribute("lacp", "Probe")).startsWith("no bonding driver: "),
                (String) daemon.attribute("lacp", "Probe"));
    }

    @Test
    void slavePeerDownAndUpAreReportedWithBondSlaveStatesAndBondingText() throws Exception {
        if (!bonds) {
            System.out.println("lacp: no bonding driver on this kernel, real bonds not tested here: "
                    + Lacp.missingBondingDriver());
            return;
        }
        Shell.check("ip", "netns", "add", PEER_NS);
        for (int i = 1; i <= 2; i++) {
            Shell.check("ip", "link", "add", "hjA" + i, "type", "veth", "peer", "name", "hjB" + i, "netns", PEER_NS);
        }
        Shell.check("ip", "link", "add", BOND, "type", "bond", "mode", "802.3ad", "lacp_rate", "fast", "miimon", "100");
        Shell.check("ip", "-n", PEER_NS, "link", "add", "hjbondB", "type", "bond", "mode", "802.3ad", "lacp_rate",
                "fast", "miimon", "100");
        for (int i = 1; i <= 2; i++) {
            Shell.check("ip", "link", "set", "hjA" + i, "master", BOND);
            Shell.check("ip", "-n", PEER_NS, "link", "set", "hjB" + i, "master", "hjbondB");
        }
        Shell.check("ip", "link", "set", BOND, "up");
        Shell.check("ip", "-n", PEER_NS, "link", "set", "hjbondB", "up");
        Path proc = Path.of("/proc/net/bonding", BOND);
        long t0 = System.nanoTime();
        while (!negotiated(Files.readString(proc))) {
            assertTrue(System.nanoTime() - t0 < 45_000_000_000L, "bonds negotiate LACP within 45 s:\n"
                    + Files.readString(proc));
            Thread.sleep(250);
        }
        System.out.printf("lacp: bonds negotiated after %.1f s%n", (System.nanoTime() - t0) / 1e9);
        Thread.sleep(2500); // the tracer's 1 s poll takes the healthy states as its baseline
        BlockingQueue<Notification> q = daemon.subscribe("lacp");
        long before = daemon.counter("lacp", "EventCount");

        Shell.check("ip", "-n", PEER_NS, "link", "set", "hjB1", "down");
        CompositeData down = TestDaemon.await(q, 15_000, cd -> "hjA1".equals(cd.get("slave"))
                && String.valueOf(cd.get("changed")).contains("lost"));
        System.out.println("lacp: peer down: " + down.get("changed") + " actor=" + down.get("actor_port_state")
                + " partner=" + down.get("partner_port_state"));
        assertEquals(BOND, down.get("bond"));
        assertTrue((Integer) down.get("actor_port_state") != 63 || (Integer) down.get("partner_port_state") != 63,
                "a state left the healthy 63");
        String content = (String) down.get("content");
        assertTrue(content.contains(proc.toString()) && content.contains("802.3ad")
                && content.contains("Slave Interface: hjA1"), content);

        Shell.check("ip", "-n", PEER_NS, "link", "set", "hjB1", "up");
        // back in sync, possibly over several changes: wait for the one that makes the actor healthy again
        CompositeData up = TestDaemon.await(q, 30_000, cd -> "hjA1".equals(cd.get("slave"))
                && String.valueOf(cd.get("changed")).contains("gained")
                && ((Integer) cd.get("actor_port_state") & 0x3c) == 0x3c);
        System.out.println("lacp: peer up: " + up.get("changed") + " actor=" + up.get("actor_port_state")
                + " partner=" + up.get("partner_port_state"));
        assertEquals(BOND, up.get("bond"));
        assertTrue(daemon.counter("lacp", "EventCount") >= before + 2, "both changes counted");

        // HUATUO's record format: a header line, then the JSON document with tracer_data
        String record = Files.readString(daemon.dataDir.resolve("record/lacp"));
        assertTrue(record.contains("\"bond\": \"" + BOND + "\"") && record.contains("\"slave\": \"hjA1\"")
                && record.contains("\"tracer_data\": {"), record);
    }

    /** Both slaves in one aggregator with a partner, every port state in sync (61/63). */
    private static boolean negotiated(String text) {
        long healthy = text.lines().filter(l -> l.matches("\\s*port state: 6[13]")).count();
        return !text.contains("Partner Mac Address: 00:00:00:00:00:00") && text.contains("Partner Mac Address:")
                && healthy >= 4;
    }
}
