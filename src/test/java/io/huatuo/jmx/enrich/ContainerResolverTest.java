package io.huatuo.jmx.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerResolverTest {
    static final String ID = "921d0ec0a20c4bd1a8b6c2a1f3e5d7c9b0a1928374655647382910aabbccddee";
    static final String ID2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static final String UID = "5f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8";
    static final String UID_SYSTEMD = UID.replace('-', '_');

    /** v1 controllers besides memory, as a docker host shows them. */
    static final String V1_OTHERS = """
            12:pids:/system.slice/containerd.service
            11:cpu,cpuacct:%1$s
            """;

    @TempDir
    Path proc;

    /** Writes /proc/<pid>/stat and /proc/<pid>/cgroup under the fixture root. */
    Path process(int pid, long startTime, String cgroup) throws IOException {
        Path dir = proc.resolve(Integer.toString(pid));
        Files.createDirectories(dir);
        // comm with spaces and parentheses: the parser must anchor on the last ')'
        Files.writeString(dir.resolve("stat"), pid + " (my (odd) proc) S 1 " + pid + " " + pid
                + " 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 " + startTime + " 1000 50 18446744073709551615\n");
        Files.writeString(dir.resolve("cgroup"), cgroup);
        return dir;
    }

    static String v1(String path) {
        return "13:memory:" + path + "\n" + V1_OTHERS.formatted(path) + "1:name=systemd:" + path + "\n0::/\n";
    }

    static String v2(String path) {
        return "0::" + path + "\n";
    }

    ContainerInfo resolveOne(String cgroup) throws IOException {
        process(100, 5000, cgroup);
        return new ContainerResolver(proc).resolve(100).orElseThrow(() -> new AssertionError("no container for " + cgroup));
    }

    void assertHost(String cgroup) throws IOException {
        process(100, 5000, cgroup);
        assertEquals(Optional.empty(), new ContainerResolver(proc).resolve(100), cgroup);
    }

    @Test
    void dockerCgroupfsV1GivesShortAndFullId() throws IOException {
        ContainerInfo c = resolveOne(v1("/docker/" + ID));

        assertEquals("921d0ec0a20c", c.id());
        assertEquals(ID, c.fullId());
        assertEquals(ContainerInfo.DOCKER, c.type());
        assertEquals("", c.level());
        assertEquals("", c.podUid());
        assertEquals("", c.hostNamespace());
        assertEquals("/docker/" + ID, c.cgroupPath());
        assertFalse(c.isKubernetes());
    }

    @Test
    void dockerSystemdScopeV2() throws IOException {
        ContainerInfo c = resolveOne(v2("/system.slice/docker-" + ID + ".scope"));

        assertEquals(ContainerInfo.DOCKER, c.type());
        assertEquals("921d0ec0a20c", c.id());
    }

    @Test
    void dockerSystemdScopeV1() throws IOException {
        assertEquals(ContainerInfo.DOCKER, resolveOne(v1("/system.slice/docker-" + ID + ".scope")).type());
    }

    @Test
    void dockerInDockerReportsTheInnerContainer() throws IOException {
        ContainerInfo c = resolveOne(v2("/docker/" + ID2 + "/docker/" + ID));

        assertEquals(ID, c.fullId());
    }

    @Test
    void containerdCgroupfsV1UnderKubepodsBesteffort() throws IOException {
        ContainerInfo c = resolveOne(v1("/kubepods/besteffort/pod" + UID + "/" + ID));

        assertEquals(ContainerInfo.CONTAINERD, c.type());
        assertEquals(ContainerInfo.BESTEFFORT, c.level());
        assertEquals(UID, c.podUid());
        assertTrue(c.isKubernetes());
    }

    @Test
    void containerdSystemdV2UnderKubepodsBurstable() throws IOException {
        ContainerInfo c = resolveOne(v2("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                + UID_SYSTEMD + ".slice/cri-containerd-" + ID + ".scope"));

        assertEquals(ContainerInfo.CONTAINERD, c.type());
        assertEquals(ContainerInfo.BURSTABLE, c.level());
        assertEquals(UID, c.podUid(), "systemd's underscores turned back into dashes");
    }

    @Test
    void kubepodsWithoutQosSegmentIsGuaranteed() throws IOException {
        ContainerInfo v1 = resolveOne(v1("/kubepods/pod" + UID + "/" + ID));
        ContainerInfo v2 = resolveOne(v2("/kubepods.slice/kubepods-pod" + UID_SYSTEMD + ".slice/cri-containerd-" + ID + ".scope"));

        assertEquals(ContainerInfo.GUARANTEED, v1.level());
        assertEquals(ContainerInfo.GUARANTEED, v2.level());
        assertEquals(UID, v1.podUid());
        assertEquals(UID, v2.podUid());
    }

    @Test
    void staticPodWithHashUidIsRecognised() throws IOException {
        ContainerInfo c = resolveOne(v1("/kubepods/burstable/pod0123456789abcdef0123456789abcdef/" + ID));

        assertEquals("0123456789abcdef0123456789abcdef", c.podUid());
        assertEquals(ContainerInfo.BURSTABLE, c.level());
    }

    @Test
    void crioSystemdV2AndCgroupfsV1() throws IOException {
        ContainerInfo v2 = resolveOne(v2("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
                + UID_SYSTEMD + ".slice/crio-" + ID + ".scope"));
        ContainerInfo v1 = resolveOne(v1("/kubepods/burstable/pod" + UID + "/crio-" + ID));

        assertEquals(ContainerInfo.CRIO, v2.type());
        assertEquals(ContainerInfo.BESTEFFORT, v2.level());
        assertEquals(ContainerInfo.CRIO, v1.type());
        assertEquals(ContainerInfo.BURSTABLE, v1.level());
    }

    @Test
    void podmanRootfulRootlessAndV1() throws IOException {
        assertEquals(ContainerInfo.PODMAN, resolveOne(v2("/machine.slice/libpod-" + ID + ".scope/container")).type());
        assertEquals(ContainerInfo.PODMAN, resolveOne(v2(
                "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope")).type());
        ContainerInfo v1 = resolveOne(v1("/machine.slice/libpod-" + ID + ".scope"));
        assertEquals(ContainerInfo.PODMAN, v1.type());
        assertEquals("", v1.level());
    }

    @Test
    void dockerRuntimeUnderKubepodsKeepsDockerType() throws IOException {
        ContainerInfo c = resolveOne(v2("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                + UID_SYSTEMD + ".slice/docker-" + ID + ".scope"));

        assertEquals(ContainerInfo.DOCKER, c.type());
        assertEquals(ContainerInfo.BURSTABLE, c.level());
    }

    @Test
    void hostProcessesResolveToEmpty() throws IOException {
        assertHost(v2("/"));
        assertHost(v2("/system.slice/sshd.service"));
        assertHost(v1("/user.slice/user-0.slice/session-3.scope"));
        assertHost(v1("/process_api/bfbf3884e63337efd5780796626744a3"));
        assertHost(v2("/machine.slice/libpod-conmon-" + ID + ".scope"));
        assertHost(v2("/system.slice/crio-conmon-" + ID + ".scope"));
        assertHost(v2("/somewhere/" + ID)); // a bare id outside docker or a pod: not guessed
    }

    @Test
    void hybridHostFindsTheIdOnTheMemoryLine() throws IOException {
        ContainerInfo c = resolveOne("5:cpu:/\n4:memory:/docker/" + ID + "\n0::/\n");

        assertEquals(ContainerInfo.DOCKER, c.type());
        assertEquals("/docker/" + ID, c.cgroupPath());
    }

    @Test
    void hostnameComesFromContainerEtcHostname() throws IOException {
        Path dir = process(100, 5000, v2("/system.slice/docker-" + ID + ".scope"));
        Files.createDirectories(dir.resolve("root/etc"));
        Files.writeString(dir.resolve("root/etc/hostname"), "  workers-7f9c.docker \n");
        Files.write(dir.resolve("environ"), "HOSTNAME=from-environ\0".getBytes());

        assertEquals("workers-7f9c.docker", new ContainerResolver(proc).resolve(100).orElseThrow().hostname());
    }

    @Test
    void hostnameFallsBackToEnvironWhenEtcHostnameIsMissingOrOdd() throws IOException {
        Path dir = process(100, 5000, v2("/system.slice/docker-" + ID + ".scope"));
        Files.write(dir.resolve("environ"), "PATH=/usr/bin\0HOSTNAME=pb-router-1\0HOME=/root\0".getBytes());
        assertEquals("pb-router-1", new ContainerResolver(proc).resolve(100).orElseThrow().hostname());

        Files.createDirectories(dir.resolve("root/etc"));
        Files.writeString(dir.resolve("root/etc/hostname"), "root:x:0:0:root:/root:/bin/bash\n");
        assertEquals("pb-router-1", new ContainerResolver(proc).resolve(100).orElseThrow().hostname());
    }

    @Test
    void hostnameSymlinkIsNotFollowed() throws IOException {
        Path dir = process(100, 5000, v2("/system.slice/docker-" + ID + ".scope"));
        Files.createDirectories(dir.resolve("root/etc"));
        Path elsewhere = Files.writeString(proc.resolve("host-secret"), "hostsecret\n");
        Files.createSymbolicLink(dir.resolve("root/etc/hostname"), elsewhere);

        assertEquals("", new ContainerResolver(proc).resolve(100).orElseThrow().hostname());
    }

    @Test
    void hostnameIsEmptyWhenUnknown() throws IOException {
        assertEquals("", resolveOne(v2("/docker/" + ID)).hostname());
    }

    @Test
    void kubernetesNamespaceComesFromServiceAccountMount() throws IOException {
        Path dir = process(100, 5000, v1("/kubepods/burstable/pod" + UID + "/" + ID));
        Path sa = dir.resolve("root/var/run/secrets/kubernetes.io/serviceaccount");
        Files.createDirectories(sa.resolve("..data"));
        Files.writeString(sa.resolve("..data/namespace"), "payments");
        Files.createSymbolicLink(sa.resolve("namespace"), Path.of("..data/namespace")); // as kubelet does

        assertEquals("payments", new ContainerResolver(proc).resolve(100).orElseThrow().hostNamespace());
    }

    @Test
    void namespaceIsNotReadOutsideKubernetes() throws IOException {
        Path dir = process(100, 5000, v2("/docker/" + ID));
        Path sa = dir.resolve("root/var/run/secrets/kubernetes.io/serviceaccount");
        Files.createDirectories(sa);
        Files.writeString(sa.resolve("namespace"), "payments");

        assertEquals("", new ContainerResolver(proc).resolve(100).orElseThrow().hostNamespace());
    }

    @Test
    void resultIsCachedWhileStartTimeIsUnchanged() throws IOException {
        Path dir = process(100, 5000, v2("/docker/" + ID));
        ContainerResolver r = new ContainerResolver(proc);
        assertEquals(ID, r.resolve(100).orElseThrow().fullId());

        Files.writeString(dir.resolve("cgroup"), v2("/docker/" + ID2));

        assertEquals(ID, r.resolve(100).orElseThrow().fullId(), "same process: answered from the cache");
    }

    @Test
    void pidReuseWithNewStartTimeIsResolvedAgain() throws IOException {
        process(100, 5000, v2("/docker/" + ID));
        ContainerResolver r = new ContainerResolver(proc);
        assertTrue(r.resolve(100).isPresent());

        process(100, 7777, v2("/system.slice/cron.service")); // pid reused by a host process

        assertEquals(Optional.empty(), r.resolve(100));
    }

    @Test
    void vanishedProcessResolvesToEmptyWithoutThrowing() throws IOException {
        Path dir = process(100, 5000, v2("/docker/" + ID));
        ContainerResolver r = new ContainerResolver(proc);
        assertTrue(r.resolve(100).isPresent());

        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }

        assertEquals(Optional.empty(), r.resolve(100));
        assertEquals(Optional.empty(), r.resolve(424242));
        assertEquals(Optional.empty(), r.resolve(0));
        assertEquals(Optional.empty(), r.resolve(-1));
        assertEquals("", r.memoryCgroupPath(100));
        assertEquals(0, r.cachedEntries());
    }

    @Test
    void cacheIsBoundedLeastRecentlyUsed() throws IOException {
        ContainerResolver r = new ContainerResolver(proc, 2);
        for (int pid = 1; pid <= 3; pid++) {
            process(pid, 5000, v2("/docker/" + ID));
            r.resolve(pid);
        }

        assertEquals(2, r.cachedEntries());
    }

    @Test
    void memoryCgroupPathPrefersV1MemoryLineThenV2() throws IOException {
        ContainerResolver r = new ContainerResolver(proc);
        process(1, 1, "5:cpu:/a\n4:blkio,memory:/kubepods/besteffort/pod" + UID + "/" + ID + "\n0::/b\n");
        process(2, 1, "0::/system.slice/docker-" + ID + ".scope\n");
        process(3, 1, "5:cpu:/a\n");

        assertEquals("/kubepods/besteffort/pod" + UID + "/" + ID, r.memoryCgroupPath(1));
        assertEquals("/system.slice/docker-" + ID + ".scope", r.memoryCgroupPath(2));
        assertEquals("", r.memoryCgroupPath(3));
    }

    @Test
    void fromCgroupPathNeedsNoProcess() {
        ContainerInfo c = ContainerResolver.fromCgroupPath(
                "/kubepods/burstable/pod" + UID + "/" + ID).orElseThrow();

        assertEquals("921d0ec0a20c", c.id());
        assertEquals(ContainerInfo.CONTAINERD, c.type());
        assertEquals(ContainerInfo.BURSTABLE, c.level());
        assertEquals("", c.hostname());
        assertEquals(Optional.empty(), ContainerResolver.fromCgroupPath("/user.slice"));
        assertEquals(Optional.empty(), ContainerResolver.fromCgroupPath(""));
        assertEquals(Optional.empty(), ContainerResolver.fromCgroupPath(null));
    }

    @Test
    void currentProcessOnThisHostIsNotInAContainer() {
        ContainerResolver r = new ContainerResolver();
        int self = (int) ProcessHandle.current().pid();

        assertEquals(Optional.empty(), r.resolve(self), "this test host is not a container");
        assertTrue(r.memoryCgroupPath(self).startsWith("/"), r.memoryCgroupPath(self));
        assertEquals(1, r.cachedEntries(), "start time was read from the real /proc/<pid>/stat");
    }

    @Test
    void capturedPathDecidesAndTheLiveProcessAddsItsHostnameOnlyWhileInThatContainer() throws IOException {
        Path dir = process(100, 5000, v1("/docker/" + ID));
        Files.createDirectories(dir.resolve("root/etc"));
        Files.writeString(dir.resolve("root/etc/hostname"), "victim.docker\n");
        ContainerResolver r = new ContainerResolver(proc);

        assertEquals("victim.docker", r.resolve(100, "/docker/" + ID).orElseThrow().hostname());
        // the pid now belongs to another container: the captured path still names the first, without a hostname
        ContainerInfo other = r.resolve(100, "/docker/" + ID2).orElseThrow();
        assertEquals(ID2, other.fullId());
        assertEquals("", other.hostname());
        // a vanished process is attributed from its path alone; a host path means no container
        assertEquals(ID, r.resolve(4242, "/kubepods/burstable/pod" + UID + "/" + ID).orElseThrow().fullId());
        assertEquals(Optional.empty(), r.resolve(100, "/user.slice"));
        // no captured path: the live process decides
        assertEquals(ID, r.resolve(100, "").orElseThrow().fullId());
    }
}
