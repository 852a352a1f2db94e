package io.huatuo.jmx.bpf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CO-RE BPF object (an ELF {@code .bpf.o}) through its life: open, configure (program autoload, globals),
 * {@link #load()}, attach, use its maps, {@link #close()}.
 *
 * <p>Globals are found by name in the object's BTF DATASECs (.rodata, .data, .bss) and their size is checked
 * against their BTF type. Before load any of them can be set. After load, .data and .bss are live memory shared
 * with the running programs (a write takes effect at once, a read sees what the programs wrote), while .rodata is
 * frozen: reads work, writes are refused.
 *
 * <p>Thread-safe: every method, and every method of the {@link BpfLink}s and {@link BpfMap}s it hands out,
 * synchronizes on this object, so a map lookup or a link close never races with {@link #close()}.
 */
public final class BpfObject implements AutoCloseable {
    /** {@code perf_event_attr.type} of software events. */
    public static final int PERF_TYPE_SOFTWARE = 1;
    /** {@code perf_event_attr.config} of the per-CPU clock, a timer that also fires on idle CPUs. */
    public static final int PERF_COUNT_SW_CPU_CLOCK = 0;

    private static final String RESOURCE_DIR = "/META-INF/huatuo/bpf/";
    private static final int ITERATOR_CHUNK = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(BpfObject.class);
    /** where libbpf looks up classic tracepoints: debugfs's copy first, then tracefs */
    private static final List<Path> TRACEFS = List.of(Path.of("/sys/kernel/debug/tracing/events"),
            Path.of("/sys/kernel/tracing/events"));

    private enum State { OPEN, LOADED, FAILED, CLOSED }

    private final String name;
    private final BtfData btf;
    private final List<String> programs;
    private final List<BpfLink> links = new ArrayList<>();
    private final Map<String, BpfMap> maps = new HashMap<>();
    private long handle;
    private State state = State.OPEN;

    private BpfObject(String name, long handle, BtfData btf, List<String> programs) {
        this.name = name;
        this.handle = handle;
        this.btf = btf;
        this.programs = programs;
    }

    /**
     * Opens {@code /META-INF/huatuo/bpf/<name>.bpf.o} from the classpath.
     *
     * @throws BpfException if the resource is missing or libbpf cannot open it
     */
    public static BpfObject openResource(String name) {
        String path = RESOURCE_DIR + name + ".bpf.o";
        try (InputStream in = BpfObject.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new BpfException(name + ": open: " + path + " is not on the classpath");
            }
            return open(name, in.readAllBytes());
        } catch (IOException e) {
            throw new BpfException(name + ": open: cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens an object from its ELF bytes. Opening needs no privileges; loading does.
     *
     * @param name used in every message and as libbpf's object name
     * @throws BpfException if the library cannot be loaded or libbpf rejects the ELF
     */
    public static BpfObject open(String name, byte[] elf) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(elf, "elf");
        try {
            NativeLibrary.load();
        } catch (UnsatisfiedLinkError e) {
            throw new BpfException(name + ": open: the native library is not available: " + e.getMessage(), e);
        }
        long handle = BpfNative.objectOpen(elf, name);
        try {
            byte[] rawBtf = BpfNative.objectBtf(handle);
            BtfData btf = rawBtf == null ? null : BtfData.parse(rawBtf, name);
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: opened; libbpf said: {}", name, BpfNative.takeLog());
            }
            return new BpfObject(name, handle, btf, BpfNative.objectNames(handle, false));
        } catch (RuntimeException | Error e) {
            BpfNative.objectClose(handle);
            throw e;
        }
    }

    /** The name given at open. */
    public String name() {
        return name;
    }

    /** The names of the object's programs (its C function names). */
    public List<String> programs() {
        return List.copyOf(programs);
    }

    /**
     * Chooses whether a program is loaded. Lets a tracer pick, for example, a tp_btf program or its classic
     * tracepoint fallback from one object. Programs whose SEC starts with "?" are off by default.
     *
     * @throws IllegalStateException once loaded
     */
    public synchronized void setAutoload(String program, boolean autoload) {
        String subject = "set autoload of program " + program;
        requireState(State.OPEN, subject);
        requireProgram(subject, program);
        BpfNative.programSetAutoload(handle, name + ": " + subject, program, autoload);
    }

    /**
     * Sets a map's number of entries before load, e.g. 1 for a map that only programs left unloaded use.
     *
     * @throws IllegalStateException once loaded
     */
    public synchronized void setMaxEntries(String map, int entries) {
        String subject = "set max entries of map " + map;
        requireState(State.OPEN, subject);
        BpfNative.mapSetMaxEntries(handle, name + ": " + subject, map, entries);
    }

    /**
     * A map's number of entries before load: as compiled, or as {@link #setMaxEntries} set it.
     *
     * @throws IllegalStateException once loaded (then {@link #map}'s {@code maxEntries()})
     */
    public synchronized int maxEntries(String map) {
        String subject = "max entries of map " + map;
        requireState(State.OPEN, subject);
        return BpfNative.mapInfo(handle, name + ": " + subject, map)[4];
    }

    /**
     * Sets a global variable to {@code value}, whose length must be the variable's size.
     *
     * @throws BpfException if there is no such variable or the size differs
     * @throws IllegalStateException for .rodata once loaded, or if closed or failed
     */
    public synchronized void setGlobal(String var, byte[] value) {
        String subject = "set global " + var;
        requireUsable(subject);
        BtfData.Global g = global(subject, var, value.length);
        if (state == State.LOADED && g.readOnly()) {
            throw new IllegalStateException(name + ": " + subject + ": " + g.section() + " is read-only once loaded"
                    + " (the kernel froze it and maps it read-only); set it before load()");
        }
        BpfNative.globalWrite(handle, name + ": " + subject, g.section(), g.offset(), value);
    }

    /** Sets an 8-byte global (u64, s64, pointer-sized). See {@link #setGlobal(String, byte[])}. */
    public void setGlobalLong(String var, long value) {
        setGlobal(var, ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder()).putLong(value).array());
    }

    /** Sets a 4-byte global (u32, s32, enum). See {@link #setGlobal(String, byte[])}. */
    public void setGlobalInt(String var, int value) {
        setGlobal(var, ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder()).putInt(value).array());
    }

    /**
     * Reads a global variable: its initial value before load, the live value after.
     *
     * @throws BpfException if there is no such variable
     */
    public synchronized byte[] getGlobal(String var) {
        String subject = "get global " + var;
        requireUsable(subject);
        BtfData.Global g = global(subject, var, -1);
        byte[] value = new byte[g.size()];
        BpfNative.globalRead(handle, name + ": " + subject, g.section(), g.offset(), value);
        return value;
    }

    /** Reads an 8-byte global. @throws BpfException if it is missing or not 8 bytes */
    public long getGlobalLong(String var) {
        return ByteBuffer.wrap(getGlobalOfSize(var, Long.BYTES)).order(ByteOrder.nativeOrder()).getLong();
    }

    /** Reads a 4-byte global. @throws BpfException if it is missing or not 4 bytes */
    public int getGlobalInt(String var) {
        return ByteBuffer.wrap(getGlobalOfSize(var, Integer.BYTES)).order(ByteOrder.nativeOrder()).getInt();
    }

    /**
     * Loads the programs and creates the maps; a rejected program's verifier log is in {@link BpfException#log()}.
     * A failed load cannot be retried: close the object.
     *
     * @throws BpfException naming the rejected program when libbpf says which
     */
    public synchronized void load() {
        requireState(State.OPEN, "load");
        state = State.FAILED; // until it succeeds: libbpf cannot load an object twice
        BpfNative.objectLoad(handle, name);
        state = State.LOADED;
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: loaded; libbpf said: {}", name, BpfNative.takeLog());
        }
    }

    /**
     * Attaches a program where its SEC says (tp_btf, tracepoint, raw_tp with a name, iter). A classic tracepoint
     * needs tracefs mounted (libbpf reads the tracepoint's id there); the error says so when it is not.
     *
     * @return the link; closing it (or this object) detaches the program
     */
    public synchronized BpfLink attach(String program) {
        String subject = "attach program " + program;
        requireLoadedProgram(subject, program);
        try {
            return track(new BpfLink(this, BpfNative.programAttach(handle, name + ": " + subject, program), program));
        } catch (BpfException e) {
            throw withTracefsHint(e);
        }
    }

    /**
     * Opens a perf event on one CPU (all processes) and attaches a {@code SEC("perf_event")} program to it, e.g.
     * {@code attachPerfEvent(p, cpu, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 1_000_000)} for a 1 ms clock.
     *
     * @return the link; closing it detaches the program and closes the perf event
     */
    public synchronized BpfLink attachPerfEvent(String program, int cpu, int type, long config, long samplePeriod) {
        String subject = "attach program " + program + " to perf event on cpu " + cpu;
        requireLoadedProgram(subject, program);
        if (cpu < 0 || samplePeriod <= 0) {
            throw new IllegalArgumentException(name + ": " + subject + ": bad cpu or sample period " + samplePeriod);
        }
        long link = BpfNative.programAttachPerfEvent(handle, name + ": " + subject, program, cpu, type, config,
                samplePeriod);
        return track(new BpfLink(this, link, program + " on cpu " + cpu));
    }

    /** Runs an {@code iter/...} program once and returns everything it wrote; nothing stays attached. */
    public synchronized byte[] readIterator(String program) {
        String subject = "read iterator program " + program;
        requireLoadedProgram(subject, program);
        String fullSubject = name + ": " + subject;
        long link = BpfNative.programAttach(handle, fullSubject, program);
        try {
            int fd = BpfNative.iterCreate(link, fullSubject);
            try {
                return readAll(fd, fullSubject);
            } finally {
                BpfNative.close(fd);
            }
        } finally {
            BpfNative.linkDestroy(link);
        }
    }

    /**
     * A loaded program's run statistics: its time and runs only grow while run-time statistics are on
     * ({@link Bpf#enableRunTimeStats()} or {@code kernel.bpf_stats_enabled=1}), its missed runs always.
     */
    public synchronized RunStats runStats(String program) {
        String subject = "run statistics of program " + program;
        requireLoadedProgram(subject, program);
        long[] s = BpfNative.programRunStats(handle, name + ": " + subject, program);
        return new RunStats(s[0], s[1], s[2]);
    }

    /**
     * A program's total time in its runs (ns, summed over CPUs), its number of runs, and the runs the kernel
     * skipped because the program was already running on that CPU (an interrupt or a fault inside a run hit
     * its hook again; bpf_prog_info recursion_misses, counted for tracepoint programs since 6.7, 0 before).
     */
    public record RunStats(long runTimeNs, long runs, long missedRuns) {
        public RunStats plus(RunStats o) {
            return new RunStats(runTimeNs + o.runTimeNs, runs + o.runs, missedRuns + o.missedRuns);
        }

        public RunStats minus(RunStats o) {
            return new RunStats(runTimeNs - o.runTimeNs, runs - o.runs, missedRuns - o.missedRuns);
        }
    }

    /** Runs a raw_tp program once with BPF_PROG_TEST_RUN and returns its return value. */
    public synchronized int testRun(String program) {
        String subject = "test run program " + program;
        requireLoadedProgram(subject, program);
        return BpfNative.programTestRun(handle, name + ": " + subject, program);
    }

    /**
     * A map by name; internal maps are also found by section (".bss").
     *
     * @throws BpfException if there is no such map
     */
    public synchronized BpfMap map(String map) {
        String subject = "map " + map;
        requireState(State.LOADED, subject);
        BpfMap m = maps.get(map);
        if (m == null) {
            int[] info;
            try {
                info = BpfNative.mapInfo(handle, name + ": " + subject, map);
            } catch (BpfException e) {
                if (e.errno() != 2) { // ENOENT
                    throw e;
                }
                throw new BpfException(name + ": " + subject + ": no such map (maps: "
                        + String.join(", ", BpfNative.objectNames(handle, true)) + ")");
            }
            m = new BpfMap(this, map, info[0], info[1], info[2], info[3], info[4]);
            maps.put(map, m);
        }
        return m;
    }

    /**
     * The layout of a struct as this object's BTF describes it; works in any state.
     *
     * @throws BpfException if the struct is missing or has a bitfield
     */
    public StructLayout structLayout(String structName) {
        if (btf == null) {
            throw new BpfException(name + ": struct " + structName + ": the object has no BTF");
        }
        return btf.structLayout(structName);
    }

    /** Destroys every link created through this object, then frees the object. Idempotent. */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        for (BpfLink link : List.copyOf(links)) {
            link.close();
        }
        maps.clear();
        BpfNative.objectClose(handle);
        handle = 0;
        state = State.CLOSED;
    }

    @Override
    public String toString() {
        return "BpfObject[" + name + ", " + state + "]";
    }

    // ---- package-private, for BpfLink and BpfMap (called with this object's monitor held) ----

    void forget(BpfLink link) {
        links.remove(link);
    }

    void requireLoaded(String subject) {
        requireState(State.LOADED, subject);
    }

    // ---- internals ----

    private BpfLink track(BpfLink link) {
        links.add(link);
        return link;
    }

    private byte[] getGlobalOfSize(String var, int size) {
        byte[] value = getGlobal(var);
        if (value.length != size) {
            throw new BpfException(name + ": get global " + var + ": the variable is " + value.length
                    + " bytes, not " + size);
        }
        return value;
    }

    /** Finds a global and checks its size against expectedSize (unless negative). */
    private BtfData.Global global(String subject, String var, int expectedSize) {
        BtfData.Global g = btf == null ? null : btf.global(var);
        if (g == null) {
            throw new BpfException(name + ": " + subject + ": no such variable in .rodata, .data or .bss");
        }
        if (expectedSize >= 0 && expectedSize != g.size()) {
            throw new BpfException(name + ": " + subject + ": the variable is " + g.size() + " bytes, the value "
                    + expectedSize);
        }
        return g;
    }

    private static BpfException withTracefsHint(BpfException e) {
        if (e.errno() != 2 || !e.log().contains("tracepoint") || TRACEFS.stream().anyMatch(Files::isDirectory)) {
            return e;
        }
        return new BpfException(e.getMessage() + "; tracefs is not mounted, and classic tracepoints need it"
                + " (mount -t tracefs nodev /sys/kernel/tracing)", e.errno(), e.log(), null);
    }

    private void requireProgram(String subject, String program) {
        if (!programs.contains(program)) {
            throw new BpfException(name + ": " + subject + ": no such program (programs: "
                    + String.join(", ", programs) + ")");
        }
    }

    private void requireLoadedProgram(String subject, String program) {
        requireState(State.LOADED, subject);
        requireProgram(subject, program);
        if (!BpfNative.programLoaded(handle, name + ": " + subject, program)) {
            throw new IllegalStateException(name + ": " + subject + ": the program was not loaded (its autoload was"
                    + " off)");
        }
    }

    private void requireUsable(String subject) {
        if (state == State.CLOSED || state == State.FAILED) {
            throw new IllegalStateException(name + ": " + subject + ": the object is " + state.name().toLowerCase());
        }
    }

    private void requireState(State wanted, String subject) {
        if (state != wanted) {
            String why = switch (state) {
                case OPEN -> "not loaded yet";
                case LOADED -> "already loaded";
                case FAILED -> "its load failed";
                case CLOSED -> "closed";
            };
            throw new IllegalStateException(name + ": " + subject + ": the object is " + why);
        }
    }

    private static byte[] readAll(int fd, String subject) {
        ByteBuffer chunk = ByteBuffer.allocateDirect(ITERATOR_CHUNK);
        long address = BpfNative.address(chunk);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] copy = new byte[ITERATOR_CHUNK];
        try {
            for (int n; (n = BpfNative.read(fd, subject, address, ITERATOR_CHUNK)) > 0;) {
                chunk.get(0, copy, 0, n);
                out.write(copy, 0, n);
            }
        } finally {
            Reference.reachabilityFence(chunk);
        }
        return out.toByteArray();
    }
}
