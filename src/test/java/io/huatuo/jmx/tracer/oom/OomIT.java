package io.huatuo.jmx.tracer.oom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.MemoryCgroup;
import io.huatuo.jmx.testing.TestDaemon;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.management.Notification;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * oom end to end: real OOM kills in memory cgroups limited to 64 MiB (cgroup v1 on the test machines,
 * v2 in the QEMU guests of ./dev.sh test-kernels), with host-style, Docker-style and Kubernetes
 * (containerd) paths of both cgroup drivers, read back over a real JMX connection.
 */
class OomIT {
    private static final long LIMIT = 64L << 20;
    private static final String ALLOC_256M = "a = b'x' * (256 << 20)";
    private static TestDaemon daemon;
    /**
     * Since 5.15 the console tracepoint sees each printk in the printing task; before, only lines that
     * reach a console, printed by whichever task holds it (5.10 measured): the oom-kill line's
     * constraint and oom_memcg stay empty there.
     */
    private static final boolean KILL_LINE = Kernel.atLeast(5, 15);

    private static String fromKillLine(String value) {
        return KILL_LINE ? value : "";
    }

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        assertEquals("0", Files.readString(Path.of("/proc/sys/vm/panic_on_oom")).trim(),
                "vm.panic_on_oom must be 0: an OOM would panic (and reboot) the machine");
        daemon = TestDaemon.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static String hex64() {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 64) {
            sb.append(String.format("%016x", ThreadLocalRandom.current().nextLong()));
        }
        return sb.substring(0, 64);
    }

    /** Waits for the oom notification matching {@code match}; prints the kill-to-notification latency. */
    private static CompositeData await(BlockingQueue<Notification> q, String what, Predicate<CompositeData> match)
            throws InterruptedException {
        long end = System.currentTimeMillis() + 15_000;
        StringBuilder seen = new StringBuilder();
        while (System.currentTimeMillis() < end) {
            Notification n = q.poll(Math.max(1, end - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            if (n == null) {
                break;
            }
            long received = System.currentTimeMillis();
            CompositeData cd = (CompositeData) n.getUserData();
            if (match.test(cd)) {
                assertEquals("huatuo.oom", n.getType());
                System.out.println("oom " + what + ": notification received " + (received - n.getTimeStamp())
                        + " ms after the kill (mark_victim)");
                assertTrue(received - n.getTimeStamp() < 1000L * Kernel.timeScale(),
                        "within " + Kernel.timeScale() + " s of the kill (one on a real machine)");
                return cd;
            }
            seen.append("\n  ").append(n.getMessage());
        }
        throw new AssertionError("no oom notification for " + what + " within 15 s; seen:" + seen);
    }

    /** Runs a 256 MiB allocation in {@code path} (limited to 64 MiB); returns its pid, which is killed. */
    private static long allocateIn(MemoryCgroup cg, String path) throws Exception {
        cg.limit(path, LIMIT);
        Process p = cg.start(path, "python3", "-c", ALLOC_256M);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "allocator ends");
        assertEquals(137, p.exitValue(), "the allocator is SIGKILLed by the OOM killer");
        assertEquals(1, cg.oomKills(path), "the kernel counts one OOM kill in " + path);
        return p.pid();
    }

    @Test
    void hostOomIsReportedWithTriggerVictimAndConstraint() throws Exception {
        BlockingQueue<Notification> q = daemon.subscribe("oom");
        long host = daemon.counter("oom", "HostOomCount");
        long container = daemon.counter("oom", "ContainerOomCount");
        try (MemoryCgroup cg = new MemoryCgroup("huatuo-test-host")) {
            long pid = allocateIn(cg, cg.top);
            CompositeData e = await(q, "host", cd -> cg.top.equals(cd.get("victim_memcg")));
            assertEquals((int) pid, e.get("victim_pid"));
            assertEquals((int) pid, e.get("trigger_pid"), "a lone allocator triggers its own kill");
            assertEquals("python3", e.get("victim_process_name"));
            assertEquals("python3", e.get("trigger_process_name"));
            assertEquals(cg.top, e.get("trigger_memcg"));
            assertTrue(((String) e.get("victim_memcg_css")).matches("0x[0-9a-f]{16}"), (String) e.get("victim_memcg_css"));
            assertEquals(e.get("victim_memcg_css"), e.get("trigger_memcg_css"));
            assertEquals(fromKillLine("CONSTRAINT_MEMCG"), e.get("constraint"));
            assertEquals(fromKillLine(cg.top), e.get("oom_memcg"));
            long totalVm = (Long) e.get("victim_total_vm_kb");
            long anonRss = (Long) e.get("victim_anon_rss_kb");
            assertTrue(anonRss > 32 << 10 && anonRss <= 64 << 10, "anon rss in kB near the 64 MiB limit: " + anonRss);
            assertTrue(totalVm >= anonRss, "total_vm " + totalVm + " >= anon_rss " + anonRss);
            assertEquals("", e.get("container_id"), "a host process has no container");
            assertEquals("", e.get("victim_container_id"));
            assertEquals("", e.get("trigger_container_id"));
            assertEquals("oom", e.get("tracer_name"));
        }
        assertEquals(host + 1, daemon.counter("oom", "HostOomCount"));
        assertEquals(container, daemon.counter("oom", "ContainerOomCount"));
        String record = daemon.awaitRecord("oom", "\"constraint\": \"" + fromKillLine("CONSTRAINT_MEMCG") + "\"");
        assertTrue(record.contains("\"tracer_data\": {"), record);
    }

    @Test
    void dockerContainerOomIsAttributedToTheContainer() throws Exception {
        BlockingQueue<Notification> q = daemon.subscribe("oom");
        long host = daemon.counter("oom", "HostOomCount");
        long container = daemon.counter("oom", "ContainerOomCount");
        String id = hex64();
        try (MemoryCgroup cg = new MemoryCgroup("huatuo-test-docker")) {
            String path = cg.create("/docker/" + id);
            allocateIn(cg, path);
            CompositeData e = await(q, "docker", cd -> path.equals(cd.get("victim_memcg")));
            assertEquals(id.substring(0, 12), e.get("container_id"));
            assertEquals("docker", e.get("container_type"));
            assertEquals("", e.get("container_level"), "no QoS class outside Kubernetes");
            assertEquals(id.substring(0, 12), e.get("victim_container_id"));
            assertEquals(id.substring(0, 12), e.get("trigger_container_id"));
            assertEquals(fromKillLine(path), e.get("oom_memcg"));
        }
        assertEquals(container + 1, daemon.counter("oom", "ContainerOomCount"));
        assertEquals(host, daemon.counter("oom", "HostOomCount"));
        String record = daemon.awaitRecord("oom", "ContainerID=" + id.substring(0, 12));
        assertTrue(record.contains("ContainerType=docker"), record);
    }

    @Test
    void kubepodsContainerOomHasContainerdTypeAndQosClass() throws Exception {
        BlockingQueue<Notification> q = daemon.subscribe("oom");
        long container = daemon.counter("oom", "ContainerOomCount");
        String id = hex64();
        try (MemoryCgroup cg = new MemoryCgroup("huatuo-test-k8s")) {
            String path = cg.create("/kubepods/burstable/pod" + UUID.randomUUID() + "/" + id);
            allocateIn(cg, path);
            CompositeData e = await(q, "kubepods", cd -> path.equals(cd.get("victim_memcg")));
            assertEquals(id.substring(0, 12), e.get("container_id"));
            assertEquals("containerd", e.get("container_type"));
            assertEquals("burstable", e.get("container_level"));
            assertEquals(id.substring(0, 12), e.get("victim_container_id"));
        }
        assertEquals(container + 1, daemon.counter("oom", "ContainerOomCount"));
    }

    /** The scopes Docker and the kubelet create with the systemd cgroup driver (cgroup v2's usual layout). */
    @Test
    void systemdDriverScopesAreAttributedToTheirContainers() throws Exception {
        BlockingQueue<Notification> q = daemon.subscribe("oom");
        long container = daemon.counter("oom", "ContainerOomCount");
        String dockerId = hex64();
        String criId = hex64();
        String pod = UUID.randomUUID().toString().replace('-', '_');
        try (MemoryCgroup cg = new MemoryCgroup("huatuo-test-systemd")) {
            String docker = cg.create("/system.slice/docker-" + dockerId + ".scope");
            allocateIn(cg, docker);
            CompositeData d = await(q, "docker scope", cd -> docker.equals(cd.get("victim_memcg")));
            assertEquals(dockerId.substring(0, 12), d.get("container_id"));
            assertEquals("docker", d.get("container_type"));
            assertEquals(fromKillLine(docker), d.get("oom_memcg"));

            String cri = cg.create("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + pod
                    + ".slice/cri-containerd-" + criId + ".scope");
            allocateIn(cg, cri);
            CompositeData k = await(q, "cri-containerd scope", cd -> cri.equals(cd.get("victim_memcg")));
            assertEquals(criId.substring(0, 12), k.get("container_id"));
            assertEquals("containerd", k.get("container_type"));
            assertEquals("burstable", k.get("container_level"));
            assertEquals(criId.substring(0, 12), k.get("trigger_container_id"));
        }
        assertEquals(container + 2, daemon.counter("oom", "ContainerOomCount"));
    }

    @Test
    void victimInOneContainerTriggerInAnother() throws Exception {
        BlockingQueue<Notification> q = daemon.subscribe("oom");
        String hogId = hex64();
        String trigId = hex64();
        try (MemoryCgroup cg = new MemoryCgroup("huatuo-test-pair")) {
            cg.limit(cg.top, LIMIT); // the shared parent runs out, not either container
            String hogPath = cg.create("/docker/" + hogId);
            String trigPath = cg.create("/docker/" + trigId);
            Process hog = cg.start(hogPath, "python3", "-c",
                    "import sys, time\na = b'h' * (40 << 20)\nprint('ready', flush=True)\ntime.sleep(60)");
            BufferedReader out = new BufferedReader(new InputStreamReader(hog.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine(), "the hog holds its memory");
            Process trigger = cg.start(trigPath, "python3", "-c",
                    "import time\nc = []\nfor i in range(40):\n    c.append(b't' * (1 << 20))\n    time.sleep(0.01)");
            CompositeData e = await(q, "sibling", cd -> hogPath.equals(cd.get("victim_memcg")));
            assertTrue(hog.waitFor(10, TimeUnit.SECONDS), "hog killed");
            assertEquals(137, hog.exitValue());
            assertTrue(trigger.waitFor(30, TimeUnit.SECONDS), "trigger finishes");
            assertEquals(0, trigger.exitValue(), "the trigger survives");
            assertEquals((int) hog.pid(), e.get("victim_pid"));
            assertEquals((int) trigger.pid(), e.get("trigger_pid"));
            assertNotEquals(e.get("victim_pid"), e.get("trigger_pid"));
            assertEquals(trigPath, e.get("trigger_memcg"));
            assertNotEquals(e.get("victim_memcg"), e.get("trigger_memcg"));
            assertEquals("0x0000000000000000", e.get("victim_memcg_css"), "kernel pointers hidden by default");
            assertEquals(hogId.substring(0, 12), e.get("victim_container_id"));
            assertEquals(trigId.substring(0, 12), e.get("trigger_container_id"));
            assertEquals(hogId.substring(0, 12), e.get("container_id"), "the envelope is the victim's container");
            assertEquals(fromKillLine(cg.top), e.get("oom_memcg"), "the parent hit its limit");
        }
    }
}
