package io.huatuo.jmx.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BtfIT {
    @BeforeEach
    void requireKernel() {
        Kernel.assumeRootAndBpf();
    }

    @Test
    void skbDropReasonEnumHasNoSocket() {
        if (!Kernel.atLeast(5, 17)) { // drop reasons appeared in 5.17
            BpfException e = assertThrows(BpfException.class, () -> Btf.vmlinuxEnum("skb_drop_reason"));
            assertTrue(e.getMessage().contains("enum skb_drop_reason not found"), e.getMessage());
            return;
        }
        Map<String, Long> reasons = Btf.vmlinuxEnum("skb_drop_reason");

        assertTrue(reasons.containsKey("SKB_DROP_REASON_NO_SOCKET"), reasons.keySet().toString());
        assertEquals(0L, reasons.get("SKB_NOT_DROPPED_YET"));
        assertTrue(reasons.size() > 10);
    }

    @Test
    void preemptCountHasAPerCpuOffset() {
        if (!Kernel.hasPercpuBtf()) { // e.g. Debian 11's 5.10: its BTF has no per-CPU variables
            BpfException e = assertThrows(BpfException.class, () -> Btf.vmlinuxPercpuVarOffset("runqueues"));
            assertTrue(e.getMessage().contains(".data..percpu"), e.getMessage());
            return;
        }
        assertTrue(Btf.vmlinuxPercpuVarOffset("runqueues") > 0);
        long preempt;
        try {
            preempt = Btf.vmlinuxPercpuVarOffset("__preempt_count");
        } catch (BpfException e) { // x86 6.2-6.14: a member of the per-CPU struct pcpu_hot
            preempt = Btf.vmlinuxPercpuVarOffset("pcpu_hot") + Btf.vmlinuxStruct("pcpu_hot").offsetOf("preempt_count");
        }
        assertTrue(preempt > 0);
    }

    @Test
    void tracepointsAreFoundByName() {
        assertTrue(Btf.vmlinuxHasTracepoint("kfree_skb"));
        assertFalse(Btf.vmlinuxHasTracepoint("no_such_tracepoint"));
    }

    @Test
    void unknownNamesAreClearErrors() {
        BpfException e = assertThrows(BpfException.class, () -> Btf.vmlinuxEnum("no_such_enum"));
        assertEquals("vmlinux BTF: enum no_such_enum not found", e.getMessage());
        assertThrows(BpfException.class, () -> Btf.vmlinuxPercpuVarOffset("no_such_var"));
    }

    @Test
    void bpfIsAvailableOnThisKernel() {
        assertTrue(Bpf.isAvailable());
        assertEquals(null, Bpf.unavailabilityCause());
        Bpf.ensureAvailable();
        assertFalse(Bpf.kernelRelease().isEmpty());
    }

    /** The tick the programs count jiffies in: the kernel's own jiffies (/proc/timer_list) over a second agree. */
    @Test
    void tickIsTheLengthOfAJiffy() throws Exception {
        long tick = Bpf.tickNanos();
        long[] start = jiffiesAt();
        Thread.sleep(1000);
        long[] end = jiffiesAt();
        long span = end[1] - start[1];
        double measured = span / (double) (end[0] - start[0]);
        System.out.printf("tick %d ns; jiffies over %d ms: %.0f ns each%n", tick, span / 1_000_000, measured);
        // each end is off by less than a tick plus the time its read took: within that over the span
        double slack = 2.0 * tick + end[2] + start[2];
        assertEquals(tick, measured, slack * tick / span, "ns per jiffy");
    }

    /** jiffies, the clock halfway through reading them, and how long the read took (ns). */
    private static long[] jiffiesAt() throws IOException {
        long before = System.nanoTime();
        long jiffies = Files.readAllLines(Path.of("/proc/timer_list")).stream()
                .filter(l -> l.startsWith("jiffies: ")).mapToLong(l -> Long.parseLong(l.substring(9).trim()))
                .findFirst().orElseThrow();
        long after = System.nanoTime();
        return new long[] {jiffies, before + (after - before) / 2, after - before};
    }
}
