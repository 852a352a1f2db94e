package io.huatuo.jmx.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.bpf.Bpf;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.TestDaemon;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** Start and stop inside one live JVM: after close() this process holds no BPF program, link or map. */
class ServiceLifecycleIT {
    /** Counts this process's fds by anon-inode kind (bpf-prog, bpf_link, bpf-map, ...). */
    static Map<String, Integer> bpfFds() throws IOException {
        Map<String, Integer> kinds = new TreeMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("anon_inode:bpf") || target.equals("anon_inode:btf")) {
                        kinds.merge(target.substring("anon_inode:".length()), 1, Integer::sum);
                    }
                } catch (IOException e) {
                    // the fd closed while we looked
                }
            }
        }
        return kinds;
    }

    @Test
    void closeLeavesNoBpfObjectInThisProcess() throws Exception {
        Kernel.assumeRootAndBpf();
        assertTrue(Bpf.isAvailable());
        Map<String, Integer> before = bpfFds();
        TestDaemon daemon = TestDaemon.start("");
        Map<String, Integer> running = bpfFds();
        assertTrue(running.getOrDefault("bpf_link", 0) > before.getOrDefault("bpf_link", 0),
                "links held while running: " + running);
        assertTrue(running.getOrDefault("bpf-prog", 0) > before.getOrDefault("bpf-prog", 0), running.toString());
        daemon.close();
        daemon.service.close(); // idempotent
        assertEquals(before, bpfFds(), "after close, the same BPF fds as before start");
        assertTrue(!ManagementFactory.getPlatformMBeanServer().isRegistered(new ObjectName("huatuo:type=Daemon")),
                "MBeans unregistered");
    }

    @Test
    void allNineTracersAreRegisteredAndUnbuiltOnesSayWhy() throws Exception {
        Kernel.assumeRootAndBpf();
        try (TestDaemon daemon = TestDaemon.start("")) {
            String[] names = (String[]) daemon.mbsc.getAttribute(new ObjectName("huatuo:type=Daemon"), "Tracers");
            assertEquals(9, names.length);
            for (String n : names) {
                String state = (String) daemon.attribute(n, "State");
                if (List.of("dropwatch", "netrecvlat", "netdev").contains(n)) {
                    assertEquals("RUNNING", state, n);
                } else if (n.equals("lacp")) { // no bonding driver on the test machines
                    assertEquals("UNAVAILABLE", state, n);
                    assertTrue(((String) daemon.attribute(n, "Probe")).startsWith("no bonding driver: "), n);
                } else {
                    assertEquals("UNAVAILABLE", state, n);
                    assertEquals("not implemented yet", daemon.attribute(n, "Probe"), n);
                    assertEquals(false, daemon.attribute(n, "Enabled"), n);
                }
            }
            assertEquals(true, daemon.mbsc.getAttribute(new ObjectName("huatuo:type=Daemon"), "BpfAvailable"));
        }
    }

    @Test
    void disabledInConfigStartsDetached() throws Exception {
        Kernel.assumeRootAndBpf();
        try (TestDaemon daemon = TestDaemon.start("  dropwatch:\n    enabled: false\n")) {
            assertEquals("DISABLED", daemon.attribute("dropwatch", "State"));
            assertEquals("tp_btf/kfree_skb", daemon.attribute("dropwatch", "Probe"));
        }
    }
}
