package io.huatuo.jmx.tracer.softirq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoftirqTest {
    @Test
    void aTicksStackStartsAtTheInterruptedFrame() {
        long[] ips = {0xa1, 0xa2, 0xa3, 0xb1, 0xb2}; // bpf, hrtimer_interrupt, entry, interrupted, its caller
        assertArrayEquals(new long[] {0xb1, 0xb2}, Softirq.fromInterruptedFrame(ips, 0xb1));
        assertArrayEquals(ips, Softirq.fromInterruptedFrame(ips, 0), "interrupted instruction unknown: all kept");
        assertArrayEquals(ips, Softirq.fromInterruptedFrame(ips, 0xc1), "not in the stack: all kept");
        assertArrayEquals(new long[0], Softirq.fromInterruptedFrame(new long[0], 0xb1));
    }

    @Test
    void nohzFullCpusAreReadFromSysfs(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("nohz_full");
        Files.writeString(f, "(null)\n");
        assertEquals("", Softirq.nohzFullCpus(f), "the kernel prints (null) when nohz_full= is not set");
        Files.writeString(f, "\n");
        assertEquals("", Softirq.nohzFullCpus(f));
        Files.writeString(f, "2-7\n");
        assertEquals("2-7", Softirq.nohzFullCpus(f));
        assertEquals("", Softirq.nohzFullCpus(dir.resolve("absent")), "kernels without NO_HZ_FULL have no file");
    }
}
