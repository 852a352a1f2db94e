package io.huatuo.jmx.tracer.softlockup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The soft lockup report parser on /dev/kmsg records captured from a real lockup on kernel 6.18. */
class SoftlockupParserTest {
    private static List<String> captured() throws Exception {
        try (InputStream in = SoftlockupParserTest.class.getResourceAsStream("/kmsg/softlockup-6.18.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(l -> l + "\n").toList();
        }
    }

    @Test
    void realReportGivesCpuTaskDurationAndTheStuckStackOnly() throws Exception {
        Softlockup.ReportParser p = new Softlockup.ReportParser(new AtomicLong());
        List<Softlockup.Report> done = new ArrayList<>();
        for (String r : captured()) {
            Softlockup.Report x = p.record(r, 1000);
            if (x != null) {
                done.add(x);
            }
        }
        assertEquals(1, done.size(), "the two user-written lines (PRI 8 and 12) are not reports: " + done);
        Softlockup.Report r = done.get(0);
        assertEquals(0, r.cpu());
        assertEquals(3778, r.pid());
        assertEquals("huatuo-spinner", r.comm());
        assertEquals(3, r.durationSeconds());
        assertEquals("read_tsc+0x3/0x20", r.stack().get(0), "the interrupted kernel RIP comes first");
        assertEquals("entry_SYSCALL_64_after_hwframe+0x76/0x7e", r.stack().get(r.stack().size() - 1),
                "user-mode registers after the trace are not frames");
        assertEquals(18, r.stack().size());
        assertTrue(r.stack().contains("? fdget+0xc9/0x120"));
        assertNull(p.idle(100_000), "nothing left open");
    }

    @Test
    void reportWhoseTraceNeverClosesEndsAfterTheLogGoesQuiet() throws Exception {
        Softlockup.ReportParser p = new Softlockup.ReportParser(new AtomicLong());
        List<String> lines = captured();
        for (String r : lines.subList(0, 20)) {
            assertNull(p.record(r, 1000));
        }
        assertNull(p.idle(1500), "still within the quiet time");
        Softlockup.Report r = p.idle(5000);
        assertEquals(3778, r.pid());
        assertFalse(r.stack().isEmpty());
    }

    @Test
    void onlyKernelFacilityCounts() {
        assertTrue(Softlockup.isKernel("0,772,2718817891,-;watchdog: BUG"));
        assertTrue(Softlockup.isKernel("7,1,1,-;x"));
        assertFalse(Softlockup.isKernel("8,770,2714802141,-;watchdog: BUG"), "<0> from user space is PRI 8");
        assertFalse(Softlockup.isKernel("12,771,2714803625,-;watchdog: BUG"));
        assertFalse(Softlockup.isKernel("garbage"));
        assertEquals("hello", Softlockup.text("4,1,2,-;hello\n SUBSYSTEM=x\n"));
    }

    /** A segfault report quoting a program named like a soft lockup report, as the kernel prints it. */
    private static final String SEGFAULT = "6,900,3000000000,-;watchdog: BUG: [4321]: segfault at 0 ip 000055d0c0a01139 "
            + "sp 00007ffd6f6a1e90 error 6 in watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [x:4249][55d0c0a01000+1000] "
            + "likely on CPU 1 (core 1, socket 0)\n";

    @Test
    void theReportTextElsewhereInAKernelLineIsNotAReportAndIsCounted() {
        AtomicLong refused = new AtomicLong();
        Softlockup.ReportParser p = new Softlockup.ReportParser(refused);
        assertNull(p.record(SEGFAULT, 1000));
        assertNull(p.record("4,901,3000000001,-;Code: watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [x:4249]\n", 1000));
        assertNull(p.record("12,902,3000000002,-;watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [x:4249]\n", 1000));
        assertNull(p.idle(100_000), "no report was opened");
        assertEquals(3, refused.get());
        assertNull(p.record("0,903,3000000003,-;watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [x:4249]\n", 1000));
        assertEquals(4249, p.idle(100_000).pid(), "the kernel's own line opens a report");
        assertEquals(3, refused.get());
    }

    @Test
    void aReportCountsOnlyWhenTheKernelsCountRoseForIt() {
        long[] count = {7};
        Softlockup.Confirmation c = new Softlockup.Confirmation("count", () -> count[0], 7, null);
        assertFalse(c.confirms(0), "the count did not move: forged");
        count[0] = 8;
        assertTrue(c.confirms(0));
        assertFalse(c.confirms(1), "one lockup counted, one report already accepted");
        long[] taint = {0};
        Softlockup.Confirmation t = new Softlockup.Confirmation("taint", null, -1, () -> taint[0]);
        assertFalse(t.confirms(0));
        taint[0] = 1 << 14 | 1 << 12;
        assertTrue(t.confirms(5), "taint L is sticky: every later line passes (the weaker guarantee)");
    }
}
