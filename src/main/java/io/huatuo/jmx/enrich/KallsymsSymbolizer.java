package io.huatuo.jmx.enrich;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns kernel instruction pointers into the stack text of the event schema, from /proc/kallsyms.
 *
 * <p>Each frame is {@code symbol/address [module]}: the address is the symbol's start address as
 * 16 lowercase hex digits and the module is {@code kernel} for the core image, else the name
 * kallsyms shows in brackets ({@code xfs}, {@code bpf}, ...). An address that resolves to no
 * symbol keeps the same shape with a {@code ?} name and its own raw address:
 * {@code ?/ffffffffc0a1b2c4 [unknown]}, so every line matches one pattern.
 *
 * <p>The table is read lazily on first use (the caller keeps that off its hot path), and
 * {@link #releaseIfUnused} drops it once no lookup needed it for {@value #RELEASE_AFTER_MILLIS} ms:
 * it is the largest object in the daemon's heap (about 2.3 MB for 60k symbols), while stacks only
 * come with anomalies; the next stack reads the file again (about 90 ms). When an address resolves
 * to nothing (a module or BPF program loaded since), the file is read again, at most once every
 * {@value #RELOAD_INTERVAL_MILLIS} ms; an address still unresolved right after a reload does not
 * trigger another one. A kept frame in a BPF program reloads at the same pace: programs come and go
 * (e.g. a CNI's on every endpoint change), and an address in one loaded since the last read resolves
 * to the program below it, under the wrong name. If kallsyms shows only zero addresses (kptr_restrict) or cannot be read, the
 * symbolizer is unavailable, says why, and prints every frame raw; it retries at the same pace.
 *
 * <p>Thread-safe: readers share an immutable snapshot that a reload replaces.
 */
public final class KallsymsSymbolizer {
    public static final Path DEFAULT_PATH = Path.of("/proc/kallsyms");
    public static final long RELOAD_INTERVAL_MILLIS = 10_000;
    /** A table no lookup used for this long may be dropped ({@link #releaseIfUnused}). */
    public static final long RELEASE_AFTER_MILLIS = 300_000;
    /** Module shown for an address that resolves to no symbol. */
    public static final String UNKNOWN_MODULE = "unknown";

    private static final Logger log = LoggerFactory.getLogger(KallsymsSymbolizer.class);
    private static final int MAX_KNOWN_MISSES = 1024;

    /** Name prefixes of the frames BPF and the perf path put on top of a captured stack. */
    private static final String[] BPF_PREFIXES = {
        "bpf_prog_", "__bpf_prog_", "___bpf_prog_run", "bpf_trampoline_", "bpf_dispatcher_",
        "bpf_trace_run", "__bpf_trace_", "trace_call_bpf", "perf_trace_",
        "bpf_get_stack", "__bpf_get_stack", "____bpf_get_stack",
        "bpf_overflow_handler", "__perf_event_overflow", "perf_swevent_", "perf_event_output",
    };

    /** One read of kallsyms: the table, or why there is none. */
    private record Snapshot(SymbolTable table, String unavailableReason, long loadedAtMillis, Set<Long> knownMisses) {
        static Snapshot of(SymbolTable table, long now) {
            return new Snapshot(table, "", now, ConcurrentHashMap.newKeySet());
        }

        static Snapshot unavailable(String reason, long now) {
            return new Snapshot(null, reason, now, Set.of());
        }
    }

    private final Path path;
    private final Path modules; // /proc/modules with /proc/kallsyms, else none (fixtures)
    private final LongSupplier clockMillis;
    private final ReentrantLock loadLock = new ReentrantLock();
    private volatile Snapshot snapshot; // null until first use
    private final AtomicLong loadCount = new AtomicLong();
    private final AtomicLong releaseCount = new AtomicLong();
    private volatile long lastUseMillis;
    private volatile boolean hideAddresses;

    /** Symbolizer over /proc/kallsyms. */
    public KallsymsSymbolizer() {
        this(DEFAULT_PATH);
    }

    /**
     * Writes every kernel-half address (ffff...) as 16 zeros, exactly as {@link KernelAddresses#hide}
     * would make of the text, without rendering it first and copying it again (every stack of every
     * event when addresses are hidden). Call before first use.
     *
     * @return this
     */
    public KallsymsSymbolizer hidingAddresses(boolean hide) {
        this.hideAddresses = hide;
        return this;
    }

    /** Symbolizer over a kallsyms-format file (tests use fixtures). */
    public KallsymsSymbolizer(Path kallsyms) {
        this(kallsyms, System::currentTimeMillis);
    }

    /** As {@link #KallsymsSymbolizer(Path)}, with the clock that paces reloads. */
    public KallsymsSymbolizer(Path kallsyms, LongSupplier clockMillis) {
        this(kallsyms, kallsyms.equals(DEFAULT_PATH) ? Path.of("/proc/modules") : null, clockMillis);
    }

    /** As {@link #KallsymsSymbolizer(Path, LongSupplier)}, with each module's range from a /proc/modules-format file. */
    public KallsymsSymbolizer(Path kallsyms, Path modules, LongSupplier clockMillis) {
        this.path = Objects.requireNonNull(kallsyms, "kallsyms");
        this.modules = modules;
        this.clockMillis = Objects.requireNonNull(clockMillis, "clockMillis");
    }

    /**
     * The stack text for {@code ips[0..count)}, innermost first, one frame per line joined by "\n".
     * The leading run of BPF and perf machinery frames (and unresolved addresses among them) is
     * dropped; everything from the first other frame on is kept as is. A zero IP ends the stack
     * (stack maps pad with zeros). Returns "" for an empty stack.
     */
    public String stack(long[] ips, int count) {
        int n = Math.min(Math.max(count, 0), ips.length);
        for (int i = 0; i < n; i++) {
            if (ips[i] == 0) {
                n = i;
                break;
            }
        }
        return n == 0 ? "" : render(ips, n, true);
    }

    /** One frame for a single address (e.g. a drop location), with the same reload rules; nothing stripped. */
    public String frame(long ip) {
        return render(new long[] {ip}, 1, false);
    }

    /** Start address of the named text symbol, if kallsyms lists it (e.g. a timer callback to match). */
    public OptionalLong addressOf(String symbol) {
        SymbolTable t = current().table();
        return t == null ? OptionalLong.empty() : t.addressOf(symbol);
    }

    /** Whether symbols can be resolved; reads kallsyms on first call. */
    public boolean isAvailable() {
        return current().table() != null;
    }

    /** Why symbols cannot be resolved, or empty when they can; reads kallsyms on first call. */
    public Optional<String> unavailabilityReason() {
        Snapshot s = current();
        return s.table() == null ? Optional.of(s.unavailableReason()) : Optional.empty();
    }

    /** Text symbols in the current table (0 if unavailable); reads kallsyms on first call. */
    public int symbolCount() {
        SymbolTable t = current().table();
        return t == null ? 0 : t.size();
    }

    /** How many times kallsyms has been read (first load plus reloads). */
    public long loadCount() {
        return loadCount.get();
    }

    /** How many times {@link #releaseIfUnused} dropped the table. */
    public long releaseCount() {
        return releaseCount.get();
    }

    /**
     * Drops the table if no lookup used it for {@value #RELEASE_AFTER_MILLIS} ms; the next lookup reads
     * kallsyms again. An unavailable symbolizer keeps its state (it retries on its own pace).
     *
     * @return whether a table was dropped (the caller may then collect the heap)
     */
    public boolean releaseIfUnused() {
        Snapshot s = snapshot;
        if (s == null || s.table() == null || clockMillis.getAsLong() - lastUseMillis < RELEASE_AFTER_MILLIS
                || !loadLock.tryLock()) {
            return false;
        }
        try {
            if (snapshot != s) {
                return false;
            }
            snapshot = null;
            releaseCount.incrementAndGet();
            log.debug("kallsyms: table dropped after {} s unused", RELEASE_AFTER_MILLIS / 1000);
            return true;
        } finally {
            loadLock.unlock();
        }
    }

    /**
     * Why kernel stacks would show raw addresses, read from the first text symbol only (cheap, for a
     * warning at start without keeping a table); empty when its address shows.
     */
    public Optional<String> checkAddressesShown() {
        try {
            return Optional.ofNullable(SymbolTable.firstTextSymbolProblem(path));
        } catch (IOException | RuntimeException e) {
            return Optional.of("cannot read " + path + ": " + e);
        }
    }

    private String render(long[] ips, int n, boolean stripBpf) {
        Snapshot s = current();
        if (s.table() == null) {
            return rawStack(ips, n);
        }
        int[] found = resolveAll(s.table(), ips, n);
        int first = firstKept(s.table(), found, stripBpf);
        if (hasNewMiss(s, ips, found) || hasBpfProgramFrame(s.table(), found, first)) {
            Snapshot fresh = reloadIfDue(s);
            if (fresh != null) {
                if (fresh.table() == null) {
                    return rawStack(ips, n);
                }
                s = fresh;
                found = resolveAll(s.table(), ips, n);
                rememberMisses(s, ips, found);
                first = firstKept(s.table(), found, stripBpf);
            }
        }
        SymbolTable t = s.table();
        StringBuilder sb = new StringBuilder(64 * (n - first));
        for (int i = first; i < n; i++) {
            if (i > first) {
                sb.append('\n');
            }
            appendFrame(sb, t, found[i], ips[i]);
        }
        return sb.toString();
    }

    /** The first frame shown: past the leading BPF and perf machinery (and misses among it) if stripped. */
    private static int firstKept(SymbolTable t, int[] found, boolean stripBpf) {
        int first = 0;
        while (stripBpf && first < found.length
                && (found[first] < 0 || isBpfMachinery(t.name(found[first]), t.module(found[first])))) {
            first++;
        }
        return first;
    }

    /**
     * Whether a frame from {@code first} on (below the stripped BPF machinery) lies in a BPF program. Such an
     * address always resolves (to the nearest program below it), also when its own program was
     * loaded after the table was read and so is named after another one: a reason to read again,
     * at the same pace as a miss.
     */
    private static boolean hasBpfProgramFrame(SymbolTable t, int[] found, int first) {
        for (int i = first; i < found.length; i++) {
            if (found[i] >= 0 && "bpf".equals(t.module(found[i]))) {
                return true;
            }
        }
        return false;
    }

    /** True for frames that BPF or the perf sampling path add above the code under study. */
    static boolean isBpfMachinery(String name, String module) {
        if ("bpf".equals(module)) {
            return true; // JITed programs, trampolines, dispatchers
        }
        for (String prefix : BPF_PREFIXES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private Snapshot current() {
        lastUseMillis = clockMillis.getAsLong();
        Snapshot s = snapshot;
        if (s != null) {
            if (s.table() == null) {
                Snapshot retried = reloadIfDue(s); // unavailable: retry at the reload pace
                return retried != null ? retried : snapshot;
            }
            return s;
        }
        loadLock.lock();
        try {
            if (snapshot == null) {
                snapshot = read();
            }
            return snapshot;
        } finally {
            loadLock.unlock();
        }
    }

    /**
     * Reads kallsyms again if the snapshot {@code seen} is old enough and still current. Returns the
     * new snapshot, or null if this caller did not read (too soon, or another thread is reading or
     * has just read; the caller then keeps what it has and the next call sees the new table).
     */
    private Snapshot reloadIfDue(Snapshot seen) {
        if (clockMillis.getAsLong() - seen.loadedAtMillis() < RELOAD_INTERVAL_MILLIS || !loadLock.tryLock()) {
            return null;
        }
        try {
            if (snapshot != seen) {
                return null;
            }
            Snapshot s = read();
            snapshot = s;
            return s;
        } finally {
            loadLock.unlock();
        }
    }

    private Snapshot read() {
        long now = clockMillis.getAsLong();
        loadCount.incrementAndGet();
        Snapshot previous = snapshot;
        try {
            SymbolTable table = SymbolTable.load(path);
            table.readModuleRanges(modules);
            if (previous == null || previous.table() == null) {
                log.debug("kallsyms: {} text symbols from {}", table.size(), path);
            } else {
                log.debug("kallsyms: reloaded {} text symbols from {}", table.size(), path);
            }
            return Snapshot.of(table, now);
        } catch (IOException | RuntimeException e) {
            String reason = e instanceof SymbolTable.ZeroAddressesException
                    ? e.getMessage()
                    : "cannot read " + path + ": " + e;
            if (previous == null || !reason.equals(previous.unavailableReason())) {
                log.warn("kernel stacks will show raw addresses: {}", reason);
            }
            return Snapshot.unavailable(reason, now);
        }
    }

    private static int[] resolveAll(SymbolTable t, long[] ips, int n) {
        int[] found = new int[n];
        for (int i = 0; i < n; i++) {
            found[i] = t.find(ips[i]);
        }
        return found;
    }

    private static boolean hasNewMiss(Snapshot s, long[] ips, int[] found) {
        for (int i = 0; i < found.length; i++) {
            if (found[i] < 0 && !s.knownMisses().contains(ips[i])) {
                return true;
            }
        }
        return false;
    }

    private static void rememberMisses(Snapshot s, long[] ips, int[] found) {
        for (int i = 0; i < found.length; i++) {
            if (found[i] < 0) {
                rememberMiss(s, ips[i]);
            }
        }
    }

    // Bounded: past the limit a persistent miss may trigger one extra reload per interval.
    private static void rememberMiss(Snapshot s, long ip) {
        if (s.knownMisses().size() < MAX_KNOWN_MISSES) {
            s.knownMisses().add(ip);
        }
    }

    private String rawStack(long[] ips, int n) {
        StringBuilder sb = new StringBuilder(40 * n);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append('\n');
            }
            appendFrame(sb, null, -1, ips[i]);
        }
        return sb.toString();
    }

    private void appendFrame(StringBuilder sb, SymbolTable t, int idx, long ip) {
        if (idx < 0) {
            sb.append("?/");
            appendHex16(sb, ip);
            sb.append(" [").append(UNKNOWN_MODULE).append(']');
        } else {
            t.appendName(sb, idx);
            sb.append('/');
            appendHex16(sb, t.address(idx));
            sb.append(" [").append(t.module(idx)).append(']');
        }
    }

    private void appendHex16(StringBuilder sb, long v) {
        boolean zeros = hideAddresses && v >>> 48 == 0xffff; // a kernel-half address, hidden
        for (int shift = 60; shift >= 0; shift -= 4) {
            sb.append(zeros ? '0' : Character.forDigit((int) (v >>> shift) & 0xf, 16));
        }
    }
}
