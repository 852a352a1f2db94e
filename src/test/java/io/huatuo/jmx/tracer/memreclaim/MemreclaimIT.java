package io.huatuo.jmx.tracer.memreclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.MemoryCgroup;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.management.Attribute;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * memreclaim end to end: dd streams a file on the ext4 root disk from a memory cgroup limited to
 * 32 MiB, so the cgroup reclaims its own page cache all the time. With the default threshold (900 ms
 * within 1 s) nothing is reported; lowered over JMX at run time, the stalled dd is reported.
 */
class MemreclaimIT {
    private static final ObjectName BEAN = name();
    private static TestDaemon daemon;
    private static Path dir;

    private static ObjectName name() {
        try {
            return new ObjectName("huatuo:type=Tracer,name=memreclaim");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        assertEquals("0", Files.readString(Path.of("/proc/sys/vm/panic_on_oom")).trim(),
                "vm.panic_on_oom must be 0: should the 32 MiB cgroup run out, an OOM must not panic the machine");
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "huatuo-test-");
        String fs = Shell.check("stat", "-f", "-c", "%T", dir.toString()).trim();
        assertTrue(!fs.equals("tmpfs"), "the file must be on disk (shmem cannot be reclaimed without swap), got " + fs);
        daemon = TestDaemon.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (dir != null) {
            Shell.run("rm", "-rf", dir.toString());
        }
    }

    /**
     * Writes a 256 MiB file and reads it back, inside the cgroup; both must succeed. Each block is
     * written synchronously: cgroup v1 does not throttle a memcg's dirty pages, so a buffered
     * writer can fill the limit with pages it cannot reclaim yet and be OOM-killed.
     */
    private static void ddIn(MemoryCgroup cg, String path) throws Exception {
        Path file = dir.resolve("data");
        Process w = cg.start(path, "dd", "if=/dev/zero", "of=" + file, "bs=1M", "count=256", "oflag=dsync");
        assertTrue(w.waitFor(120, TimeUnit.SECONDS), "dd write ends");
        assertEquals(0, w.exitValue(), new String(w.getInputStream().readAllBytes()));
        Process r = cg.start(path, "dd", "if=" + file, "of=/dev/null", "bs=1M");
        assertTrue(r.waitFor(120, TimeUnit.SECONDS), "dd read ends");
        assertEquals(0, r.exitValue(), new String(r.getInputStream().readAllBytes()));
        Files.delete(file);
    }

    private static List<CompositeData> drain(BlockingQueue<Notification> q, String memcg) {
        List<CompositeData> mine = new ArrayList<>();
        for (Notification n; (n = q.poll()) != null; ) {
            CompositeData cd = (CompositeData) n.getUserData();
            if (cd != null && memcg.equals(cd.get("memcg"))) {
                mine.add(cd);
            }
        }
        return mine;
    }

    @Test
    void memcgReclaimIsReportedOnlyOnceTheThresholdIsLoweredOverJmx() throws Exception {
        assertEquals("RUNNING", daemon.attribute("memreclaim", "State"));
        assertEquals(900L, daemon.attribute("memreclaim", "ThresholdMillis"));
        assertEquals(1000L, daemon.attribute("memreclaim", "WindowMillis"));
        BlockingQueue<Notification> q = daemon.subscribe("memreclaim");
        String id = String.format("%016x%016x%016x%016x", ThreadLocalRandom.current().nextLong(),
                ThreadLocalRandom.current().nextLong(), ThreadLocalRandom.current().nextLong(),
                ThreadLocalRandom.current().nextLong());
        try (MemoryCgroup cg = new MemoryCgroup("huatuo-test-reclaim")) {
            String path = cg.create("/docker/" + id);
            cg.limit(path, 32L << 20);

            ddIn(cg, path);
            Thread.sleep(300);
            assertEquals(List.of(), drain(q, path), "short reclaim stalls stay under the default 900 ms / 1 s");

            daemon.mbsc.setAttribute(BEAN, new Attribute("ThresholdMillis", 1L));
            assertEquals(1L, daemon.attribute("memreclaim", "ThresholdMillis"));
            ddIn(cg, path);
            CompositeData e = TestDaemon.await(q, 10_000, cd -> cd != null && path.equals(cd.get("memcg")));
            System.out.println("memreclaim: " + e.get("comm") + " pid " + e.get("pid") + " kind " + e.get("kind")
                    + " deltatime " + e.get("deltatime") + " ns in " + e.get("calls") + " calls, memcg " + e.get("memcg"));
            assertEquals("dd", e.get("comm"));
            assertEquals("memcg", e.get("kind"));
            assertTrue((Long) e.get("deltatime") > 1_000_000L, "more than 1 ms in reclaim: " + e.get("deltatime"));
            assertTrue((Integer) e.get("calls") >= 1);
            assertTrue((Integer) e.get("pid") > 0);
            assertEquals(id.substring(0, 12), e.get("container_id"));
            assertEquals("docker", e.get("container_type"));
        } finally {
            daemon.mbsc.setAttribute(BEAN, new Attribute("ThresholdMillis", 900L));
        }
    }

    @Test
    void badThresholdsAreRefusedWithAMessageNamingTheAttribute() throws Exception {
        Exception e = assertThrows(Exception.class,
                () -> daemon.mbsc.setAttribute(BEAN, new Attribute("WindowMillis", 10L)));
        assertTrue(String.valueOf(rootMessage(e)).contains("WindowMillis must be at least ThresholdMillis"),
                rootMessage(e));
        e = assertThrows(Exception.class, () -> daemon.mbsc.setAttribute(BEAN, new Attribute("ThresholdMillis", 0L)));
        assertTrue(String.valueOf(rootMessage(e)).contains("ThresholdMillis must be between 1 and 3600000"),
                rootMessage(e));
        assertEquals(1000L, daemon.attribute("memreclaim", "WindowMillis"));
        assertEquals(900L, daemon.attribute("memreclaim", "ThresholdMillis"));
    }

    private static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
