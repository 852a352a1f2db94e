package io.huatuo.jmx.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.huatuo.jmx.testing.Kernel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BpfObjectIT {
    private static final int RING = 7;
    private static final long MY_PID = ProcessHandle.current().pid();
    private static final Path TRACEFS = Path.of("/sys/kernel/tracing");
    private static final Path DEBUGFS_TRACING = Path.of("/sys/kernel/debug/tracing/events");

    private ShimFixture shim;

    @BeforeEach
    void open() {
        Kernel.assumeRootAndBpf();
        shim = new ShimFixture();
    }

    @AfterEach
    void close() {
        if (shim != null) {
            shim.close();
        }
    }

    @Test
    void testRunRecordReachesDrainWithRingIdAndContent() {
        shim.load(RING);

        assertEquals(1, shim.object.testRun("shim_emit"));

        List<ShimEvent> events = shim.drainAll(ShimFixture.buffer(4096));
        assertEquals(1, events.size());
        ShimEvent e = events.get(0);
        assertEquals(List.of(RING), shim.ringIds);
        assertEquals(ShimEvent.TEST_RUN, e.kind());
        assertEquals(MY_PID, e.pid());
        assertEquals(0, e.seq());
        assertFalse(e.comm().isEmpty());
    }

    @Test
    void rodataKnobSetBeforeLoadIsSeenByTheProgram() {
        shim.object.setGlobalLong("knob", 0x1122334455667788L);
        shim.load(RING);

        shim.object.testRun("shim_emit");

        assertEquals(0x1122334455667788L, shim.drainAll(ShimFixture.buffer(4096)).get(0).knob());
        assertEquals(0x1122334455667788L, shim.object.getGlobalLong("knob"));
    }

    @Test
    void bssGlobalWrittenAfterLoadIsSeenByTheRunningProgram() {
        shim.load(RING);

        shim.object.setGlobalLong("bss_value", 42);
        shim.object.testRun("shim_emit");
        shim.object.setGlobalLong("bss_value", 43);
        shim.object.testRun("shim_emit");

        List<ShimEvent> events = shim.drainAll(ShimFixture.buffer(4096));
        assertEquals(List.of(42L, 43L), events.stream().map(ShimEvent::bssValue).collect(Collectors.toList()));
        // and what the program writes is read live
        assertEquals(2, shim.object.getGlobalLong("emitted_total"));
    }

    @Test
    void mapSizeSetBeforeLoadIsTheLoadedMapsAndRefusedAfter() {
        assertEquals(1, shim.object.maxEntries("counters")); // as compiled
        shim.object.setMaxEntries("counters", 3);
        assertEquals(3, shim.object.maxEntries("counters"));
        assertThrows(BpfException.class, () -> shim.object.setMaxEntries("no_such_map", 1));
        assertThrows(BpfException.class, () -> shim.object.maxEntries("no_such_map"));
        shim.load(RING);

        assertEquals(3, shim.object.map("counters").maxEntries());
        assertThrows(IllegalStateException.class, () -> shim.object.setMaxEntries("counters", 1));
        assertThrows(IllegalStateException.class, () -> shim.object.maxEntries("counters"));
    }

    @Test
    void rodataWriteAfterLoadIsRefused() {
        shim.object.setGlobalLong("knob", 5);
        shim.load(RING);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> shim.object.setGlobalLong("knob", 6));

        assertTrue(e.getMessage().startsWith("shim_test: set global knob: .rodata is read-only once loaded"),
                e.getMessage());
        assertEquals(5, shim.object.getGlobalLong("knob"));
    }

    @Test
    void perCpuCountersAreSummedOverAllCpus() {
        shim.load(RING);
        StructLayout counters = shim.object.structLayout("shim_counters");

        for (int i = 0; i < 10; i++) {
            shim.object.testRun("shim_emit");
        }

        long[] sums = shim.object.map("counters").sumPerCpuU64(0);
        assertEquals(counters.size() / 8, sums.length);
        assertEquals(10, sums[counters.offsetOf("test_runs", 8) / 8]);
        assertEquals(10, sums[counters.offsetOf("records", 8) / 8]);
        assertEquals(0, sums[counters.offsetOf("lost", 8) / 8]);
    }

    @Test
    void perCpuValuesRoundTripOneSlotPerPossibleCpu() {
        shim.load(RING);
        BpfMap counters = shim.object.map("counters");
        int cpus = BpfMap.possibleCpus();
        assertEquals(BpfMap.TYPE_PERCPU_ARRAY, counters.type());
        assertTrue(counters.isPerCpu());
        assertEquals(4, counters.keySize());
        assertEquals(40, counters.valueSize());
        assertEquals(1, counters.maxEntries());
        assertEquals(40 * cpus, counters.valueBufferSize());

        ByteBuffer value = ByteBuffer.allocate(counters.valueBufferSize()).order(ByteOrder.nativeOrder());
        for (int cpu = 0; cpu < cpus; cpu++) {
            value.putLong(cpu * 40, cpu + 1);
        }
        byte[] key = new byte[4];
        counters.update(key, value.array(), BpfMap.UPDATE_ANY);

        assertEquals((long) cpus * (cpus + 1) / 2, counters.sumPerCpuU64(0)[0]);
        byte[] back = new byte[counters.valueBufferSize()];
        assertTrue(counters.lookup(key, back));
        assertArrayEquals(value.array(), back);
        assertFalse(counters.lookup(new byte[] {1, 0, 0, 0}, back));
        assertThrows(IllegalArgumentException.class, () -> counters.lookup(key, new byte[40 * cpus - 8]));
    }

    @Test
    void unknownMapIsNamedWithTheObjectsMaps() {
        shim.load(RING);

        BpfException e = assertThrows(BpfException.class, () -> shim.object.map("nope"));

        assertTrue(e.getMessage().startsWith("shim_test: map nope: no such map (maps: "), e.getMessage());
        assertTrue(e.getMessage().contains("events"), e.getMessage());
    }

    @Test
    void attachedProgramFiresWhenJavaStartsAProcess() throws Exception {
        shim.load(RING);
        shim.object.setGlobalInt("exec_parent_tgid", (int) MY_PID);
        shim.object.attach("shim_exec");

        long child = runTrue();

        ShimEvent e = shim.drainUntil(r -> r.pid() == child && r.comm().equals("true"), 5000);
        assertEquals(ShimEvent.EXEC_BTF, e.kind());
    }

    /**
     * A run the kernel skips because the program is already running on that CPU is counted in its
     * recursion_misses (raw and BTF tracepoints since 6.7) and read here: each exec of a child faults on an
     * unmapped kernel address, shim_fault_again runs on that fault and faults again itself.
     */
    @Test
    void aNestedRunTheKernelSkipsIsCountedAsMissed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Kernel.atLeast(6, 7), "kernels before 6.7 do not count them");
        shim.object.setAutoload("shim_fault_trigger", true);
        shim.object.setAutoload("shim_fault_again", true);
        shim.load(RING);
        shim.object.setGlobalInt("exec_parent_tgid", (int) MY_PID);
        try (BpfLink again = shim.object.attach("shim_fault_again");
                BpfLink trigger = shim.object.attach("shim_fault_trigger")) {
            BpfObject.RunStats before = shim.object.runStats("shim_fault_again");
            for (int i = 0; i < 3; i++) {
                runTrue();
            }
            BpfObject.RunStats after = shim.object.runStats("shim_fault_again");
            System.out.println("nested runs skipped: " + (after.missedRuns() - before.missedRuns()) + " for 3 execs");
            // one per exec at least; the children's own kernel-mode page faults run it too
            assertTrue(after.missedRuns() - before.missedRuns() >= 3, before + " -> " + after);
            assertEquals(0, shim.object.runStats("shim_fault_trigger").missedRuns(), "never nested");
        }
    }

    @Test
    void autoloadSelectsTheClassicTracepointFallback() throws Exception {
        shim.object.setAutoload("shim_exec", false);
        shim.object.setAutoload("shim_exec_tp", true);
        shim.load(RING);
        shim.object.setGlobalInt("exec_parent_tgid", (int) MY_PID);
        boolean mounted = mountTracefsIfMissing();
        try {
            shim.object.attach("shim_exec_tp");
        } finally {
            if (mounted) {
                run("umount", TRACEFS.toString());
            }
        }

        long child = runTrue();

        ShimEvent e = shim.drainUntil(r -> r.pid() == child && r.comm().equals("true"), 5000);
        assertEquals(ShimEvent.EXEC_TP, e.kind());
        IllegalStateException notLoaded = assertThrows(IllegalStateException.class,
                () -> shim.object.attach("shim_exec"));
        assertEquals("shim_test: attach program shim_exec: the program was not loaded (its autoload was off)",
                notLoaded.getMessage());
    }

    @Test
    void classicTracepointWithoutTracefsSaysSo() {
        assumeFalse(Files.isDirectory(TRACEFS.resolve("events")) || Files.isDirectory(DEBUGFS_TRACING),
                "tracefs is mounted here");
        shim.object.setAutoload("shim_exec_tp", true);
        shim.load(RING);

        BpfException e = assertThrows(BpfException.class, () -> shim.object.attach("shim_exec_tp"));

        assertTrue(e.getMessage().startsWith("shim_test: attach program shim_exec_tp: No such file or directory"
                + " (errno 2); tracefs is not mounted"), e.getMessage());
        assertTrue(e.log().contains("sched/sched_process_exec"), e.log());
    }

    @Test
    void iteratorOutputListsThisProcess() {
        shim.load(RING);

        String text = new String(shim.object.readIterator("shim_tasks"), StandardCharsets.UTF_8);

        assertTrue(text.lines().anyMatch(l -> l.startsWith(MY_PID + " ")), text);
        // (this kernel's task iterator starts after pid 1)
        assertTrue(text.lines().anyMatch(l -> l.equals("2 kthreadd")), text);
    }

    @Test
    void perfEventAttachesOnEveryCpuSamplesAndClosesItsFds() throws Exception {
        shim.load(RING);
        BpfMap counters = shim.object.map("counters");
        int samples = shim.object.structLayout("shim_counters").offsetOf("samples", 8) / 8;
        List<Integer> cpus = onlineCpus();
        long perfFdsBefore = perfEventFds();

        List<BpfLink> links = new ArrayList<>();
        for (int cpu : cpus) {
            links.add(shim.object.attachPerfEvent("shim_sample", cpu, BpfObject.PERF_TYPE_SOFTWARE,
                    BpfObject.PERF_COUNT_SW_CPU_CLOCK, 1_000_000));
        }
        assertEquals(perfFdsBefore + cpus.size(), perfEventFds());
        Thread.sleep(300);
        links.forEach(BpfLink::close);
        Thread.sleep(20); // lets a sample already running on another CPU finish
        long afterClose = counters.sumPerCpuU64(0)[samples];
        Thread.sleep(100);

        assertTrue(afterClose > 0, "samples: " + afterClose);
        assertEquals(afterClose, counters.sumPerCpuU64(0)[samples], "no samples once closed");
        assertEquals(perfFdsBefore, perfEventFds());
        assertTrue(links.stream().noneMatch(BpfLink::isOpen));
    }

    @Test
    void verifierRejectionCarriesTheLogAndNamesObjectAndProgram() {
        shim.object.setAutoload("shim_reject", true);

        BpfException e = assertThrows(BpfException.class, () -> shim.object.load());

        assertEquals("shim_test: load program shim_reject: Permission denied (errno 13)", e.getMessage());
        assertEquals(13, e.errno());
        assertTrue(e.log().contains("invalid mem access"), e.log());
        assertThrows(IllegalStateException.class, () -> shim.object.attach("shim_exec"));
    }

    @Test
    void closeIsIdempotentAndLeavesNoProgramsOrLinks() throws Exception {
        Set<Long> before = shimProgramIds();
        shim.load(RING);
        BpfLink exec = shim.object.attach("shim_exec");
        shim.object.attachPerfEvent("shim_sample", 0, BpfObject.PERF_TYPE_SOFTWARE,
                BpfObject.PERF_COUNT_SW_CPU_CLOCK, 10_000_000);
        Set<Long> mine = shimProgramIds();
        mine.removeAll(before);
        assertTrue(mine.size() >= 4, "loaded programs: " + mine);
        Set<Long> linked = linkedProgramIds();
        linked.retainAll(mine);
        assertFalse(linked.isEmpty(), "links of the attached programs");

        exec.close();
        shim.close();
        shim.close();

        assertFalse(exec.isOpen());
        long deadline = System.nanoTime() + 5_000_000_000L;
        Set<Long> left;
        do {
            // programs are freed after an RCU grace period
            left = shimProgramIds();
            left.retainAll(mine);
            Set<Long> stillLinked = linkedProgramIds();
            stillLinked.retainAll(mine);
            left.addAll(stillLinked);
        } while (!left.isEmpty() && System.nanoTime() < deadline && sleep(50));
        assertEquals(Set.of(), left, "programs or links of the closed object");
    }

    private static long runTrue() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/true").start();
        assertEquals(0, p.waitFor());
        return p.pid();
    }

    /** Mounts tracefs for a classic tracepoint; returns whether this test mounted it (and must unmount it). */
    private static boolean mountTracefsIfMissing() throws IOException, InterruptedException {
        if (Files.isDirectory(TRACEFS.resolve("events")) || Files.isDirectory(DEBUGFS_TRACING)) {
            return false;
        }
        run("mount", "-t", "tracefs", "nodev", TRACEFS.toString());
        return true;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }

    private static List<Integer> onlineCpus() throws IOException {
        List<Integer> cpus = new ArrayList<>();
        for (String range : Files.readString(Path.of("/sys/devices/system/cpu/online")).trim().split(",")) {
            String[] ends = range.split("-");
            for (int c = Integer.parseInt(ends[0]); c <= Integer.parseInt(ends[ends.length - 1]); c++) {
                cpus.add(c);
            }
        }
        return cpus;
    }

    private static long perfEventFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:[perf_event]");
                } catch (IOException e) {
                    return false; // the fd of the listing itself
                }
            }).count();
        }
    }

    /** Ids of loaded programs whose name starts with "shim_". */
    private static Set<Long> shimProgramIds() throws IOException, InterruptedException {
        Set<Long> ids = new HashSet<>();
        for (JsonNode p : bpftool("prog", "show")) {
            if (p.path("name").asText().startsWith("shim_")) {
                ids.add(p.get("id").asLong());
            }
        }
        return ids;
    }

    private static Set<Long> linkedProgramIds() throws IOException, InterruptedException {
        Set<Long> ids = new HashSet<>();
        for (JsonNode l : bpftool("link", "show")) {
            ids.add(l.path("prog_id").asLong());
        }
        return ids;
    }

    private static JsonNode bpftool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bpftool", "-j"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor(), "bpftool " + String.join(" ", args));
        return new ObjectMapper().readTree(out);
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
