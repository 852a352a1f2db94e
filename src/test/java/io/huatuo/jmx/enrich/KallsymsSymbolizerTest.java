package io.huatuo.jmx.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KallsymsSymbolizerTest {
    // addresses from src/test/resources/enrich/kallsyms-fixture.txt
    static final long KFREE_SKB = 0xffffffff9a0cd5c0L;
    static final long KFREE_SKB_LIST = 0xffffffff9a0cd670L;
    static final long DEV_QUEUE_XMIT = 0xffffffff9a0ea020L;
    static final long ARCH_WEAK_HOOK = 0xffffffff9a0f0000L;
    static final long BPF_TRACE_RUN4 = 0xffffffff9a10b000L;
    static final long BPF_TRACE_KFREE_SKB = 0xffffffff9a10b200L;
    static final long DO_SYSCALL_64 = 0xffffffff9a2ea9f0L;
    static final long ETEXT = 0xffffffff9a300000L;
    static final long XFS_WRITE = 0xffffffffc0f3bed0L;
    static final long NF_MOD = 0xffffffffc0f50000L;
    static final long BPF_PROG_DROPWATCH = 0xffffffffc1000000L;
    static final long BPF_TRAMPOLINE = 0xffffffffc1000800L;
    static final long NOWHERE = 0xffffffffc8000000L; // far past the last symbol

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(KallsymsSymbolizerTest.class.getResource("/enrich/" + name).toURI());
    }

    static long[] ips(long... ips) {
        return ips;
    }

    @TempDir
    Path tmp;

    @Test
    void framesShowSymbolStartAddressAndModule() throws Exception {
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"));
        long[] stack = ips(KFREE_SKB + 0x24, DEV_QUEUE_XMIT + 0x3b1, XFS_WRITE + 0x10f, NF_MOD + 1, DO_SYSCALL_64 + 0x5d);

        assertEquals("""
                kfree_skb/ffffffff9a0cd5c0 [kernel]
                __dev_queue_xmit/ffffffff9a0ea020 [kernel]
                xfs_file_buffered_aio_write/ffffffffc0f3bed0 [xfs]
                nf_hook_slow_mod/ffffffffc0f50000 [nf_tables]
                do_syscall_64/ffffffff9a2ea9f0 [kernel]""", s.stack(stack, stack.length));
    }

    /** Hiding while rendering gives exactly the text KernelAddresses.hide makes of the shown one. */
    @Test
    void hidingAddressesRendersWhatHidingTheTextWouldGive() throws Exception {
        long userHalf = 0x00007f1234567890L;
        long[][] stacks = {
            ips(KFREE_SKB + 0x24, DEV_QUEUE_XMIT + 0x3b1, XFS_WRITE + 0x10f, NF_MOD + 1, DO_SYSCALL_64 + 0x5d),
            ips(NOWHERE, BPF_TRACE_RUN4 + 0x8f, KFREE_SKB + 0x24, NOWHERE + 0x10, DO_SYSCALL_64 + 1),
            ips(KFREE_SKB, userHalf, 0xffff000000000001L, 0xfffe000000000000L),
        };
        for (String file : new String[] {"kallsyms-fixture.txt", "kallsyms-zeroed.txt"}) {
            KallsymsSymbolizer shown = new KallsymsSymbolizer(fixture(file));
            KallsymsSymbolizer hidden = new KallsymsSymbolizer(fixture(file)).hidingAddresses(true);
            for (long[] stack : stacks) {
                String text = shown.stack(stack, stack.length);
                assertTrue(text.contains("/ffff"), text);
                assertEquals(KernelAddresses.hide(text), hidden.stack(stack, stack.length), file);
            }
            assertEquals(KernelAddresses.hide(shown.frame(KFREE_SKB)), hidden.frame(KFREE_SKB), file);
            assertTrue(hidden.stack(stacks[2], 4).contains("/00007f1234567890 [unknown]"), file); // not a kernel address
        }
    }

    /** A module loaded after kallsyms was read lands above xfs: its address is a miss, not xfs's symbol. */
    @Test
    void anAddressPastItsModulesRangeIsAMissNotTheModuleBelowIt(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path modules = dir.resolve("modules");
        Files.writeString(modules, """
                nf_tables 4096 0 - Live 0xffffffffc0f50000
                xfs 61440 0 - Live 0xffffffffc0f30000
                """);
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"), modules, () -> 0L);
        long pastXfs = 0xffffffffc0f30000L + 61440 + 0x100; // within 256 KiB of xfs's last symbol
        assertEquals("xfs_file_buffered_aio_write/ffffffffc0f3bed0 [xfs]\n?/" + Long.toHexString(pastXfs) + " [unknown]",
                s.stack(ips(XFS_WRITE + 0x10f, pastXfs), 2));
    }

    @Test
    void addressAtSymbolStartResolvesToThatSymbol() throws Exception {
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"));

        assertEquals("kfree_skb_list/ffffffff9a0cd670 [kernel]", s.frame(KFREE_SKB_LIST));
        assertEquals("kfree_skb/ffffffff9a0cd5c0 [kernel]", s.frame(KFREE_SKB_LIST - 1));
    }

    @Test
    void weakSymbolsAreKeptAndDataSymbolsAndPaddingAreNot() throws Exception {
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"));

        assertEquals("arch_weak_hook/ffffffff9a0f0000 [kernel]", s.frame(ARCH_WEAK_HOOK + 8));
        assertEquals(OptionalLong.empty(), s.addressOf("kfree_skb_data"));
        assertEquals(OptionalLong.empty(), s.addressOf("xfs_ops"));
        assertEquals(OptionalLong.empty(), s.addressOf("__pfx_kfree_skb"));
        assertEquals(OptionalLong.of(KFREE_SKB), s.addressOf("kfree_skb"));
        assertEquals(17, s.symbolCount());
    }

    @Test
    void aliasAtOneAddressShowsTheFirstGlobalName() throws Exception {
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"));

        assertEquals("_stext/ffffffff9a000000 [kernel]", s.frame(0xffffffff9a000004L));
    }

    @Test
    void leadingBpfFramesAreStrippedButLaterOnesKept() throws Exception {
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"));
        long[] stack = ips(BPF_PROG_DROPWATCH + 0x5c, BPF_TRAMPOLINE + 4, BPF_TRACE_RUN4 + 0x8f,
                BPF_TRACE_KFREE_SKB + 0x10, KFREE_SKB + 0x24, BPF_TRACE_RUN4 + 0x8f, DO_SYSCALL_64 + 1);

        assertEquals("""
                kfree_skb/ffffffff9a0cd5c0 [kernel]
                bpf_trace_run4/ffffffff9a10b000 [kernel]
                do_syscall_64/ffffffff9a2ea9f0 [kernel]""", s.stack(stack, stack.length));
    }

    @Test
    void unresolvedLeadingAddressesAreStrippedAndLaterOnesShownRaw() throws Exception {
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"));
        long[] stack = ips(NOWHERE, BPF_TRACE_RUN4 + 0x8f, KFREE_SKB + 0x24, NOWHERE + 0x10, DO_SYSCALL_64 + 1);

        assertEquals("""
                kfree_skb/ffffffff9a0cd5c0 [kernel]
                ?/ffffffffc8000010 [unknown]
                do_syscall_64/ffffffff9a2ea9f0 [kernel]""", s.stack(stack, stack.length));
    }

    @Test
    void addressesPastARegionEndOrBelowTheFirstSymbolAreUnresolved() throws Exception {
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"));

        assertEquals("?/ffffffff9a300010 [unknown]", s.frame(ETEXT + 0x10));
        assertEquals("?/ffffffff80000000 [unknown]", s.frame(0xffffffff80000000L));
        // nearest symbol is 15 MiB below: more than any function is long
        assertEquals("?/ffffffff9a1f0000 [unknown]", s.frame(0xffffffff9a1f0000L));
    }

    @Test
    void stackEndsAtFirstZeroAndRespectsCount() throws Exception {
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"));
        long[] stack = ips(KFREE_SKB, DEV_QUEUE_XMIT, 0, DO_SYSCALL_64);

        assertEquals("kfree_skb/ffffffff9a0cd5c0 [kernel]\n__dev_queue_xmit/ffffffff9a0ea020 [kernel]",
                s.stack(stack, 4));
        assertEquals("kfree_skb/ffffffff9a0cd5c0 [kernel]", s.stack(stack, 1));
        assertEquals("", s.stack(stack, 0));
        assertEquals("", s.stack(new long[0], 5));
    }

    @Test
    void stackOfOnlyBpfFramesIsEmpty() throws Exception {
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"));

        assertEquals("", s.stack(ips(BPF_PROG_DROPWATCH + 1, BPF_TRACE_RUN4 + 1), 2));
    }

    @Test
    void kallsymsIsReadOnFirstUseNotAtConstruction() throws Exception {
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"));
        assertEquals(0, s.loadCount());

        s.frame(KFREE_SKB);
        s.frame(KFREE_SKB);

        assertEquals(1, s.loadCount());
    }

    @Test
    void tableUnusedForFiveMinutesIsDroppedAndReadAgainAtTheNextStack() throws Exception {
        Path file = tmp.resolve("kallsyms");
        Files.copy(fixture("kallsyms-fixture.txt"), file);
        AtomicLong now = new AtomicLong(1_000_000);
        KallsymsSymbolizer s = new KallsymsSymbolizer(file, now::get);
        assertFalse(s.releaseIfUnused(), "nothing read yet");

        assertEquals("kfree_skb/ffffffff9a0cd5c0 [kernel]", s.frame(KFREE_SKB + 1));
        now.addAndGet(KallsymsSymbolizer.RELEASE_AFTER_MILLIS - 1);
        assertFalse(s.releaseIfUnused(), "used a moment less than the limit ago");
        s.frame(KFREE_SKB); // a use restarts the wait
        now.addAndGet(KallsymsSymbolizer.RELEASE_AFTER_MILLIS - 1);
        assertFalse(s.releaseIfUnused());
        assertEquals(1, s.loadCount());

        now.addAndGet(1);
        assertTrue(s.releaseIfUnused());
        assertFalse(s.releaseIfUnused(), "dropped once");
        assertEquals(1, s.releaseCount());

        // the next stack reads the file as it is now (a module loaded meanwhile resolves)
        Files.writeString(file, "ffffffffc3000000 t ext4_da_write_begin\t[ext4]\n", StandardOpenOption.APPEND);
        assertEquals("ext4_da_write_begin/ffffffffc3000000 [ext4]\nkfree_skb/ffffffff9a0cd5c0 [kernel]",
                s.stack(ips(0xffffffffc3000000L + 0x31, KFREE_SKB + 1), 2));
        assertEquals(2, s.loadCount());
    }

    @Test
    void unavailableSymbolizerIsNotDroppedAndKeepsItsRetryPace() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000);
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-zeroed.txt"), now::get);
        assertFalse(s.isAvailable());
        now.addAndGet(KallsymsSymbolizer.RELEASE_AFTER_MILLIS * 2);

        assertFalse(s.releaseIfUnused());
        assertEquals(0, s.releaseCount());
    }

    @Test
    void startCheckReadsOnlyTheFirstTextSymbol() throws Exception {
        assertTrue(new KallsymsSymbolizer(fixture("kallsyms-fixture.txt")).checkAddressesShown().isEmpty());

        String zeroed = new KallsymsSymbolizer(fixture("kallsyms-zeroed.txt")).checkAddressesShown().orElseThrow();
        assertTrue(zeroed.contains("zero") && zeroed.contains("kptr_restrict"), zeroed);

        Path missing = tmp.resolve("no-kallsyms");
        String unreadable = new KallsymsSymbolizer(missing).checkAddressesShown().orElseThrow();
        assertTrue(unreadable.startsWith("cannot read " + missing), unreadable);

        Path noText = tmp.resolve("data-only");
        Files.writeString(noText, "ffffffff9a800000 D init_task\n0000000000000000 A fixed_percpu_data\n");
        String none = new KallsymsSymbolizer(noText).checkAddressesShown().orElseThrow();
        assertTrue(none.contains("no text symbols"), none);

        // only its first text symbol counts: the check does not read (or build) the whole table
        Path firstZero = tmp.resolve("first-zero");
        Files.writeString(firstZero, "0000000000000000 A fixed_percpu_data\n0000000000000000 T _stext\n"
                + "ffffffff9a0cd5c0 T kfree_skb\n");
        KallsymsSymbolizer s = new KallsymsSymbolizer(firstZero);
        assertTrue(s.checkAddressesShown().isPresent());
        assertEquals(0, s.loadCount());
    }

    @Test
    void missReloadsKallsymsAtMostOncePerInterval() throws Exception {
        Path file = tmp.resolve("kallsyms");
        Files.copy(fixture("kallsyms-fixture.txt"), file);
        AtomicLong now = new AtomicLong(1_000_000);
        KallsymsSymbolizer s = new KallsymsSymbolizer(file, now::get);
        long newProg = 0xffffffffc2000000L;

        assertEquals("?/ffffffffc2000040 [unknown]", s.frame(newProg + 0x40));
        assertEquals(1, s.loadCount());

        // a BPF program and a module appear after the first read
        Files.writeString(file, "ffffffffc2000000 t bpf_prog_0123456789abcdef_late\t[bpf]\n"
                + "ffffffffc3000000 t ext4_da_write_begin\t[ext4]\n", StandardOpenOption.APPEND);
        now.addAndGet(5_000);
        assertEquals("?/ffffffffc2000040 [unknown]", s.frame(newProg + 0x40), "too soon to read again");
        assertEquals(1, s.loadCount());

        now.addAndGet(6_000);
        assertEquals("bpf_prog_0123456789abcdef_late/ffffffffc2000000 [bpf]", s.frame(newProg + 0x40));
        assertEquals(2, s.loadCount());
        long[] stack = ips(0xffffffffc3000000L + 0x31, DO_SYSCALL_64 + 1);
        assertEquals("ext4_da_write_begin/ffffffffc3000000 [ext4]\ndo_syscall_64/ffffffff9a2ea9f0 [kernel]",
                s.stack(stack, 2));
        assertEquals(2, s.loadCount());
    }

    @Test
    void aKeptFrameInABpfProgramReloadsAtTheMissPaceSoALaterProgramGetsItsOwnName() throws Exception {
        Path file = tmp.resolve("kallsyms");
        Files.copy(fixture("kallsyms-fixture.txt"), file);
        AtomicLong now = new AtomicLong(1_000_000);
        KallsymsSymbolizer s = new KallsymsSymbolizer(file, now::get);
        long spinner = 0xffffffffc1003000L; // loaded after the first read, 8 KiB past the softirq program
        // a drop inside another BPF program: our program and bpf_trace_run4 on top, stripped
        long[] stack = ips(BPF_PROG_DROPWATCH + 0x5c, BPF_TRACE_RUN4 + 0x8f, KFREE_SKB + 0x24, spinner + 0x10,
                DEV_QUEUE_XMIT + 0x20);
        String stale = """
                kfree_skb/ffffffff9a0cd5c0 [kernel]
                bpf_prog_a1b2c3d4e5f60718_softirq/ffffffffc1001000 [bpf]
                __dev_queue_xmit/ffffffff9a0ea020 [kernel]""";

        assertEquals(stale, s.stack(stack, stack.length), "the table knows only the program below it");
        assertEquals(1, s.loadCount());
        Files.writeString(file, "ffffffffc1003000 t bpf_prog_00000000000000aa_spinner\t[bpf]\n",
                StandardOpenOption.APPEND);
        now.addAndGet(5_000);
        assertEquals(stale, s.stack(stack, stack.length), "too soon to read again");
        assertEquals(1, s.loadCount());
        now.addAndGet(6_000);
        assertEquals("""
                kfree_skb/ffffffff9a0cd5c0 [kernel]
                bpf_prog_00000000000000aa_spinner/ffffffffc1003000 [bpf]
                __dev_queue_xmit/ffffffff9a0ea020 [kernel]""", s.stack(stack, stack.length));
        assertEquals(2, s.loadCount());

        // BPF frames that are only the stripped machinery on top are no reason to read again
        now.addAndGet(11_000);
        long[] plain = ips(BPF_PROG_DROPWATCH + 0x5c, BPF_TRAMPOLINE + 4, BPF_TRACE_RUN4 + 0x8f, KFREE_SKB + 0x24);
        assertEquals("kfree_skb/ffffffff9a0cd5c0 [kernel]", s.stack(plain, plain.length));
        assertEquals(2, s.loadCount());
        // kept BPF frames read again at most once per interval
        s.stack(stack, stack.length);
        s.frame(spinner + 0x10);
        assertEquals(3, s.loadCount());
    }

    @Test
    void addressStillUnresolvedAfterReloadDoesNotTriggerMoreReloads() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000);
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"), now::get);
        long[] stack = ips(KFREE_SKB, NOWHERE);

        s.stack(stack, 2);
        assertEquals(1, s.loadCount());
        now.addAndGet(11_000);
        s.stack(stack, 2); // due: reads again, NOWHERE still unknown
        assertEquals(2, s.loadCount());
        now.addAndGet(11_000);
        s.stack(stack, 2);
        s.frame(NOWHERE);

        assertEquals(2, s.loadCount());
        now.addAndGet(11_000);
        s.frame(NOWHERE + 0x1000); // a different unknown address may reload again
        assertEquals(3, s.loadCount());
    }

    @Test
    void zeroedAddressesMakeSymbolizerUnavailableWithReasonAndRawFrames() throws Exception {
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-zeroed.txt"));

        assertFalse(s.isAvailable());
        String reason = s.unavailabilityReason().orElseThrow();
        assertTrue(reason.contains("zero") && reason.contains("kptr_restrict"), reason);
        assertEquals(0, s.symbolCount());
        assertEquals("?/ffffffffc1000040 [unknown]\n?/ffffffff9a0cd5e4 [unknown]",
                s.stack(ips(BPF_PROG_DROPWATCH + 0x40, KFREE_SKB + 0x24), 2));
    }

    @Test
    void missingFileMakesSymbolizerUnavailableAndItRecoversLater() throws Exception {
        Path file = tmp.resolve("kallsyms");
        AtomicLong now = new AtomicLong(1_000_000);
        KallsymsSymbolizer s = new KallsymsSymbolizer(file, now::get);

        assertFalse(s.isAvailable());
        assertTrue(s.unavailabilityReason().orElseThrow().contains(file.toString()));
        assertEquals("?/ffffffff9a0cd5c0 [unknown]", s.frame(KFREE_SKB));

        Files.copy(fixture("kallsyms-fixture.txt"), file);
        now.addAndGet(11_000);
        assertEquals("kfree_skb/ffffffff9a0cd5c0 [kernel]", s.frame(KFREE_SKB));
        assertTrue(s.isAvailable());
        assertTrue(s.unavailabilityReason().isEmpty());
    }

    @Test
    void bpfMachineryNamesAreRecognised() {
        for (String name : List.of("bpf_prog_6deef7357e7b4530_dropwatch", "bpf_trampoline_6442525312",
                "bpf_trace_run4", "bpf_trace_run12", "__bpf_trace_kfree_skb", "bpf_overflow_handler",
                "__perf_event_overflow", "perf_swevent_hrtimer", "perf_event_output_forward", "perf_trace_kfree_skb",
                "trace_call_bpf", "bpf_get_stackid_raw_tp", "____bpf_get_stack")) {
            assertTrue(KallsymsSymbolizer.isBpfMachinery(name, "kernel"), name);
        }
        assertTrue(KallsymsSymbolizer.isBpfMachinery("bpf_dispatcher_xdp_func", "bpf"));
        assertTrue(KallsymsSymbolizer.isBpfMachinery("anything", "bpf"));
        for (String name : List.of("kfree_skb", "sk_skb_reason_drop", "bpf_check", "perf_event_task_tick",
                "__hrtimer_run_queues", "tcp_v4_rcv")) {
            assertFalse(KallsymsSymbolizer.isBpfMachinery(name, "kernel"), name);
        }
    }

    @Test
    void concurrentReadersDuringReloadsSeeConsistentStacks() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000);
        KallsymsSymbolizer s = new KallsymsSymbolizer(fixture("kallsyms-fixture.txt"), now::get);
        String expected = "kfree_skb/ffffffff9a0cd5c0 [kernel]\n?/ffffffffc8000000 [unknown]";
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long unknown = NOWHERE + t * 0x1000L; // per-thread misses keep reloads going
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        now.addAndGet(50);
                        String got = s.stack(ips(KFREE_SKB + 1, unknown), 2);
                        assertEquals(expected.replace("ffffffffc8000000", Long.toHexString(unknown)), got);
                    }
                }));
            }
            for (Future<?> f : results) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(s.loadCount() > 1, "reloads happened: " + s.loadCount());
    }

    @Test
    void realKallsymsResolvesAKnownSymbol() throws IOException {
        Path real = KallsymsSymbolizer.DEFAULT_PATH;
        assumeTrue(Files.isReadable(real), "no readable /proc/kallsyms on this machine");
        // pick a global text symbol whose address no other symbol shares, straight from the file
        Map<Long, Integer> perAddress = new HashMap<>();
        List<String[]> candidates = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(real)) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split("\\s+");
                if (f.length < 3 || !"tTwW".contains(f[1])) {
                    continue;
                }
                long address = Long.parseUnsignedLong(f[0], 16);
                perAddress.merge(address, 1, Integer::sum);
                if (f[1].equals("T") && f.length == 3 && !f[2].startsWith("__pfx_") && candidates.size() < 2000) {
                    candidates.add(f);
                }
            }
        }
        assumeTrue(!(perAddress.size() == 1 && perAddress.containsKey(0L)),
                "/proc/kallsyms shows zero addresses (kptr_restrict): nothing to resolve");
        String[] known = candidates.stream()
                .filter(f -> perAddress.get(Long.parseUnsignedLong(f[0], 16)) == 1)
                .skip(candidates.size() / 2)
                .findFirst().orElseThrow();
        long address = Long.parseUnsignedLong(known[0], 16);

        KallsymsSymbolizer s = new KallsymsSymbolizer();
        assertTrue(s.isAvailable(), () -> s.unavailabilityReason().orElse(""));
        assertEquals(known[2] + "/" + known[0].toLowerCase() + " [kernel]", s.frame(address + 1));
        assertEquals(OptionalLong.of(address), s.addressOf(known[2]));
    }
}
