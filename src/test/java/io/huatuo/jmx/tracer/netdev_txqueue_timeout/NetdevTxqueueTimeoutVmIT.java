package io.huatuo.jmx.tracer.netdev_txqueue_timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.stream.Stream;
import javax.management.Notification;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real transmit queue timeout, in a guest only (failsafe leaves *VmIT out on the host): the guest
 * has a virtio-net NIC with MAC {@value #STALLED_NIC_MAC} whose QEMU backend is a socket to a peer
 * that never reads, so once the host's socket buffers are full QEMU stops taking packets off the
 * NIC's ring. The test moves that NIC into a namespace of its own, sends UDP until the ring fills
 * and the driver stops the queue, and waits for the kernel's watchdog (5 s for virtio-net) to fire.
 * Debian's 6.1 and 6.12 virtio-net modules have the watchdog (an ndo_tx_timeout, virtnet_tx_timeout);
 * 5.10's has none: there the queue stays stuck without a timeout, and the test checks that nothing is
 * reported.
 */
class NetdevTxqueueTimeoutVmIT {
    /** The MAC the kernel matrix gives the stalled NIC. */
    static final String STALLED_NIC_MAC = "52:54:00:ee:00:01";
    private static final String NAME = NetdevTxqueueTimeout.NAME;
    private static final String NS = "hjstall";
    private String nic;
    private TestDaemon daemon;
    private Process blast;

    @BeforeEach
    void setUp() throws Exception {
        Kernel.assumeRootAndBpf();
        nic = nicWithMac(STALLED_NIC_MAC);
        if (nic == null) {
            String why = "no NIC with MAC " + STALLED_NIC_MAC + " (a virtio-net NIC whose backend never drains)";
            if (Kernel.isCi()) {
                Assertions.fail("guest test cannot run (CI=true): " + why);
            }
            Assumptions.abort(why);
        }
        Shell.check("ip", "netns", "add", NS);
        Shell.check("ip", "link", "set", nic, "netns", NS);
        Shell.check("ip", "-n", NS, "addr", "add", "10.99.0.15/24", "dev", nic);
        Shell.check("ip", "-n", NS, "link", "set", nic, "up");
        // a neighbour that never answers ARP would hold the packets in the stack, not on the NIC
        Shell.check("ip", "-n", NS, "neigh", "add", "10.99.0.2", "lladdr", "52:54:00:ee:00:02", "dev", nic);
        daemon = TestDaemon.start("");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (blast != null) {
            blast.destroyForcibly().waitFor();
        }
        if (daemon != null) {
            daemon.close();
        }
        Shell.run("ip", "-n", NS, "link", "set", nic, "down"); // a device that is down has no watchdog
        Shell.run("ip", "netns", "del", NS); // the NIC goes back to the guest's own namespace
    }

    @Test
    void aQueueWhoseRingIsNeverDrainedTimesOut() throws Exception {
        // every matrix kernel has the tracepoint: "nothing reported" below means something only if it runs
        assertEquals("RUNNING", daemon.attribute(NAME, "State"), () -> "Probe: " + probe());
        BlockingQueue<Notification> q = daemon.subscribe(NAME);
        TestDaemon.Counts before = daemon.settledCounts(NAME);
        blast = new ProcessBuilder("ip", "netns", "exec", NS, "python3", NetnsPair.script("udp_blast.py"), "10.99.0.2",
                "9", "120").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long t0 = System.nanoTime();
        if (!Kernel.hasSymbol("virtnet_tx_timeout")) {
            // this kernel's virtio-net has no watchdog: the queue hangs, and no one may say it timed out
            // (15 s: three times the 5 s after which a virtio-net watchdog fires where there is one)
            Thread.sleep(15_000);
            assertEquals("0", inNs("cat", "/sys/class/net/" + nic + "/queues/tx-0/tx_timeout"));
            assertEquals(0, daemon.settledCounts(NAME).minus(before).occurrences(), "nothing reported");
            System.out.println("netdev_txqueue_timeout: " + nic + " stuck 15 s, no watchdog in this kernel's virtio-net");
            return;
        }
        CompositeData e = TestDaemon.await(q, 120_000, cd -> nic.equals(cd.get("device_name")));
        System.out.printf("netdev_txqueue_timeout: %s after %.1f s: %s%n", nic, (System.nanoTime() - t0) / 1e9,
                e.values());

        assertEquals("virtio_net", e.get("driver_name"));
        assertEquals(0, e.get("queue_index"));
        assertTrue((Integer) e.get("tx_queues") >= 1, e.toString());
        assertEquals(Integer.parseInt(inNs("cat", "/sys/class/net/" + nic + "/ifindex")), e.get("ifindex"));
        assertEquals(Long.parseLong(Shell.check("stat", "-L", "-c", "%i", "/run/netns/" + NS).trim()),
                e.get("net_namespace_inum"));
        long sysfs = Long.parseLong(inNs("cat", "/sys/class/net/" + nic + "/queues/tx-0/tx_timeout"));
        long reported = (Long) e.get("queue_timeouts");
        assertTrue(reported >= 1 && reported <= sysfs, "queue_timeouts " + reported + ", sysfs now " + sysfs);
        assertEquals(NAME, e.get("tracer_name"));

        String record = daemon.awaitRecord(NAME, "\"device_name\": \"" + nic + "\"");
        assertTrue(record.contains("\"driver_name\": \"virtio_net\""), record);
        TestDaemon.Counts delta = daemon.settledCounts(NAME).minus(before);
        assertTrue(delta.occurrences() >= 1 && delta.events() >= 1, delta.toString());
    }

    private String probe() {
        try {
            return String.valueOf(daemon.attribute(NAME, "Probe"));
        } catch (Exception e) {
            return e.toString();
        }
    }

    private String inNs(String... cmd) {
        String[] full = Stream.concat(Stream.of("ip", "netns", "exec", NS), Stream.of(cmd)).toArray(String[]::new);
        return Shell.check(full).trim();
    }

    /** The network device (in this namespace) with that MAC, or null. */
    private static String nicWithMac(String mac) throws IOException {
        try (Stream<Path> links = Files.list(Path.of("/sys/class/net"))) {
            for (Path p : links.toList()) {
                Path address = p.resolve("address");
                if (Files.exists(address) && Files.readString(address).trim().equalsIgnoreCase(mac)) {
                    return p.getFileName().toString();
                }
            }
        }
        return null;
    }
}
