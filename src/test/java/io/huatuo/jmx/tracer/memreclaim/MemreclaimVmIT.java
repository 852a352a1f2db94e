package io.huatuo.jmx.tracer.memreclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.MemoryCgroup;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.management.Attribute;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

/**
 * memreclaim on cgroup v2 with memory.high, where a container's tasks reclaim (and are throttled)
 * above the high boundary without any hard limit: dd streams a file through
 * {@code system.slice/docker-<id>.scope} (the systemd cgroup driver's layout) with memory.high at
 * 32 MiB, and the stall is reported with the container. Needs the unified hierarchy
 * ({@code *VmIT}: the QEMU guests of {@code ./dev.sh test-kernels}; the test machines have v1 memory).
 */
class MemreclaimVmIT {
    @Test
    void memoryHighReclaimInASystemdScopeIsAttributedToItsContainer() throws Exception {
        Kernel.assumeRootAndBpf();
        assertFalse(MemoryCgroup.IS_V1, "memory.high needs the cgroup v2 memory controller");
        byte[] raw = new byte[32];
        ThreadLocalRandom.current().nextBytes(raw);
        String id = HexFormat.of().formatHex(raw);
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "huatuo-memreclaim-high-");
        ObjectName bean = new ObjectName("huatuo:type=Tracer,name=memreclaim");
        try (TestDaemon daemon = TestDaemon.start("");
             MemoryCgroup cg = new MemoryCgroup("huatuo-memreclaim-high")) {
            String scope = cg.create("/system.slice/docker-" + id + ".scope");
            cg.high(scope, 32L << 20);
            BlockingQueue<Notification> q = daemon.subscribe("memreclaim");
            daemon.mbsc.setAttribute(bean, new Attribute("ThresholdMillis", 1L));
            // 96 MiB written synchronously then read back: three times the boundary in page cache
            Path file = dir.resolve("data");
            Process w = cg.start(scope, "dd", "if=/dev/zero", "of=" + file, "bs=1M", "count=96", "oflag=dsync");
            assertTrue(w.waitFor(180, TimeUnit.SECONDS), "dd write ends");
            Process r = cg.start(scope, "dd", "if=" + file, "of=/dev/null", "bs=1M");
            assertTrue(r.waitFor(180, TimeUnit.SECONDS), "dd read ends");
            assertEquals(0, w.exitValue() + r.exitValue(), "dd succeeds above memory.high (throttled, never killed)");
            CompositeData e = TestDaemon.await(q, 20_000, cd -> cd != null && scope.equals(cd.get("memcg")));
            System.out.println("memreclaim memory.high: " + e.get("comm") + " " + e.get("deltatime") + " ns in "
                    + e.get("calls") + " calls, memcg " + e.get("memcg"));
            assertEquals("dd", e.get("comm"));
            assertEquals("memcg", e.get("kind"));
            assertEquals(id.substring(0, 12), e.get("container_id"));
            assertEquals("docker", e.get("container_type"));
            assertTrue((Long) e.get("deltatime") > 1_000_000L, "more than 1 ms in reclaim: " + e.get("deltatime"));
            assertEquals(0, cg.oomKills(scope), "memory.high never kills");
        } finally {
            Shell.run("rm", "-rf", dir.toString());
        }
    }
}
