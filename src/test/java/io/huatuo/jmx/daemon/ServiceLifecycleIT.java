package io.huatuo.jmx.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.bpf.Bpf;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.ProcFds;
import io.huatuo.jmx.testing.TestDaemon;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** Start and stop inside one live JVM: after close() this process holds no BPF program, link or map. */
class ServiceLifecycleIT {
    @Test
    void closeLeavesNoBpfObjectInThisProcess() throws Exception {
        Kernel.assumeRootAndBpf();
        assertTrue(Bpf.isAvailable());
        Map<String, Integer> before = ProcFds.bpfOfThisProcess();
        TestDaemon daemon = TestDaemon.start("");
        Map<String, Integer> running = ProcFds.bpfOfThisProcess();
        assertTrue(running.getOrDefault("bpf_link", 0) > before.getOrDefault("bpf_link", 0),
                "links held while running: " + running);
        assertTrue(running.getOrDefault("bpf-prog", 0) > before.getOrDefault("bpf-prog", 0), running.toString());
        daemon.close();
        daemon.service.close(); // idempotent
        assertEquals(before, ProcFds.bpfOfThisProcess(), "after close, the same BPF fds as before start");
        assertTrue(!ManagementFactory.getPlatformMBeanServer().isRegistered(new ObjectName("huatuo:type=Daemon")),
                "MBeans unregistered");
    }

    @Test
    void everyRegisteredTracerIsThereAndTheOnesThatCannotRunSayWhy() throws Exception {
        Kernel.assumeRootAndBpf();
        // what cannot work on the test machines, and the start of its Probe; every other tracer must run
        // (the QEMU guests of ./dev.sh test-kernels have a bonding module: lacp runs there)
        Path deps = Path.of("/lib/modules", Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                "modules.dep");
        boolean bonding = Files.exists(Path.of("/sys/module/bonding"))
                || Files.exists(deps) && Files.readString(deps).contains("/bonding.ko");
        Map<String, String> unavailableHere = bonding ? Map.of() : Map.of("lacp", "no bonding driver: ");
        try (TestDaemon daemon = TestDaemon.start("")) {
            String[] names = (String[]) daemon.mbsc.getAttribute(new ObjectName("huatuo:type=Daemon"), "Tracers");
            assertEquals(TracerRegistry.names(), List.of(names));
            for (String n : names) {
                String state = (String) daemon.attribute(n, "State");
                if (unavailableHere.containsKey(n)) {
                    assertEquals("UNAVAILABLE", state, n);
                    assertTrue(((String) daemon.attribute(n, "Probe")).startsWith(unavailableHere.get(n)), n);
                    assertEquals(false, daemon.attribute(n, "Enabled"), n);
                } else {
                    assertEquals("RUNNING", state, n);
                    assertEquals(true, daemon.attribute(n, "Enabled"), n);
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
            assertTrue(((String) daemon.attribute("dropwatch", "Probe")).startsWith("tp_btf/kfree_skb"));
        }
    }
}
