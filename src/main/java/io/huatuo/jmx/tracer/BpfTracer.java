package io.huatuo.jmx.tracer;

import io.huatuo.jmx.bpf.Bpf;
import io.huatuo.jmx.bpf.BpfContract;
import io.huatuo.jmx.bpf.BpfLink;
import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.bpf.BpfObject.RunStats;
import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.tracer.HuatuoBpf.HuatuoCounters;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tracer backed by one BPF object ({@code bpf/<tracer>.bpf.c}) that holds one program per probe,
 * the shared counters, rate limit and ring (bpf/include/huatuo.h). Probes are tried in order: the
 * first that loads and attaches wins and is shown in {@code Probe}; if none does, the tracer is
 * UNAVAILABLE and {@code Probe} lists why each failed. Names and record readers come from the
 * object's generated {@code <Tracer>Bpf} class, whose {@link BpfContract} is checked after each load.
 */
public abstract class BpfTracer extends Tracer {
    private static final Logger LOG = LoggerFactory.getLogger(BpfTracer.class);

    /**
     * One way of hooking the kernel: the programs to load and attach together, and how the probe is
     * shown in the {@code Probe} attribute. {@code ownMaps}: maps only this probe's programs use, cut to
     * one entry when another probe is loaded, so that they take no memory for nothing.
     */
    protected record Probe(String description, List<String> programs, List<String> ownMaps) {
        public Probe(String description, String... programs) {
            this(description, List.of(programs), List.of());
        }

        public Probe withOwnMaps(String... maps) {
            return new Probe(description, programs, List.of(maps));
        }
    }

    private final BpfContract contract;
    private BpfObject object;
    private Probe active;
    private List<BpfLink> links; // null while detached
    private String pollerFailure; // why the ring poller stopped, null while it runs
    private volatile long maxEventsPerSecond;
    private long ownNetns;
    private int[] ownPorts = new int[0];
    /** Length of own_ports in bpf/include/huatuo_own.h. */
    private static final int OWN_PORTS = 8;
    /** Largest ring {@link #ringBytes} sizes: user space maps it twice, so it counts twice in RSS. */
    static final int MAX_RING_BYTES = 4 << 20;
    /** The ring buffer's header before each record (BPF_RINGBUF_HDR_SZ). */
    private static final int RING_RECORD_HEADER = 8;
    protected TracerContext context;

    /** @param contract the object's generated contract ({@code <Tracer>Bpf.CONTRACT}) */
    protected BpfTracer(Schema schema, BpfContract contract) {
        super(schema);
        this.contract = contract;
        setKernelCost(KernelCost.notMeasured("not measured yet"));
    }

    /** The probes in order of preference. */
    protected abstract List<Probe> probes();

    /** The largest record the ring carries. */
    protected abstract int maxRecordBytes();

    /** Sets .rodata knobs and initial globals; may throw IllegalArgumentException for bad config. */
    protected void beforeLoad(BpfObject obj) {
    }

    /** Reads layouts, writes maps and live globals. */
    protected void afterLoad(BpfObject obj) {
    }

    /** Programs loaded with every probe but attached on demand (e.g. task iterators). */
    protected List<String> alwaysLoaded() {
        return List.of();
    }

    /**
     * Attaches a probe's programs; override for programs that need more than an auto-attach (e.g.
     * perf_event programs on every CPU). On failure, close what was attached and throw.
     */
    protected List<BpfLink> attach(BpfObject obj, Probe p) {
        List<BpfLink> attached = new ArrayList<>();
        try {
            for (String program : p.programs()) {
                attached.add(obj.attach(program));
            }
        } catch (RuntimeException e) {
            attached.forEach(BpfLink::close);
            throw e;
        }
        return attached;
    }

    /** Prepares decoding from an opened (not necessarily loaded) object, for decoder tests on captured bytes. */
    final void prepareDecoder(TracerContext ctx, BpfObject opened) {
        this.context = ctx;
        contract.check(opened);
        beforeLoad(opened);
        afterLoad(opened);
    }

    /** Refuses a record shorter than the struct the decoder reads. */
    protected final void requireRecordBytes(int length, int expected) {
        if (length < expected) {
            throw new IllegalArgumentException(name() + " record of " + length + " bytes, expected " + expected);
        }
    }

    /** Decodes one record into its event, on the poller thread; must be cheap. Throws on a record it cannot decode. */
    protected abstract PendingEvent decode(ByteBuffer buf, int offset, int length);

    /* A record that cannot be decoded is lost like one the ring had no room for: counted, then logged by the poller. */
    private void acceptRecord(ByteBuffer buf, int offset, int length) {
        PendingEvent e;
        try {
            e = decode(buf, offset, length);
        } catch (RuntimeException ex) {
            countLostInDaemon();
            throw ex;
        }
        emit(e);
    }

    protected final BpfObject object() {
        return object;
    }

    @Override
    public synchronized void start(TracerContext ctx, boolean enabled) {
        this.context = ctx;
        this.maxEventsPerSecond = checkMaxEventsPerSecond(ctx.config().tracer(name()).maxEventsPerSecond());
        if (!Bpf.isAvailable()) {
            setState(TracerState.UNAVAILABLE, "BPF unavailable: " + Bpf.unavailabilityCause());
            return;
        }
        List<String> failures = new ArrayList<>();
        for (Probe p : probes()) {
            BpfObject obj = null;
            try {
                obj = BpfObject.openResource(contract.object());
                for (Probe other : probes()) {
                    for (String program : other.programs()) {
                        obj.setAutoload(program, false);
                    }
                    if (!other.equals(p)) {
                        for (String map : other.ownMaps()) {
                            obj.setMaxEntries(map, 1);
                        }
                    }
                }
                for (String program : p.programs()) {
                    obj.setAutoload(program, true);
                }
                for (String program : alwaysLoaded()) {
                    obj.setAutoload(program, true);
                }
                obj.setGlobalLong(HuatuoBpf.Globals.MAX_EVENTS_PER_SEC, maxEventsPerSecond);
                sizeRing(obj);
                beforeLoad(obj);
                obj.load();
                contract.check(obj); // the generated readers match this object, or the probe stops here
                afterLoad(obj);
                if (ownTrafficNames() != null) {
                    writeOwnTraffic(obj);
                }
                List<BpfLink> l = attach(obj, p); // attached even when disabled: proves the probe works
                if (!enabled) {
                    l.forEach(BpfLink::close);
                    l = null;
                }
                ctx.poller().register(name(), obj.map(HuatuoBpf.Maps.EVENTS), maxRecordBytes(), this::acceptRecord,
                        this::pollerStopped);
                this.object = obj;
                this.active = p;
                this.links = l;
                setState(enabled ? TracerState.RUNNING : TracerState.DISABLED, p.description());
                LOG.info("{}: using {}{}", name(), p.description(), enabled ? "" : " (disabled)");
                return;
            } catch (IllegalArgumentException e) {
                closeQuietly(obj);
                throw e;
            } catch (Exception | LinkageError e) {
                closeQuietly(obj);
                failures.add(p.description() + ": " + e.getMessage());
                LOG.debug("{}: probe {} failed", name(), p.description(), e);
            }
        }
        setState(TracerState.UNAVAILABLE, String.join("; ", failures));
        LOG.warn("{}: unavailable: {}", name(), probe());
    }

    /**
     * An object's ring holds 2 s of records at the default rate limit (bpf/include/huatuo.h). An operator
     * who raises {@code maxEventsPerSecond} lets more through, and the ring is what absorbs the daemon's
     * pauses (a collection, a busy CPU) meanwhile: it gets room for 100 ms of records at the configured
     * limit. Sized at start: raising MaxEventsPerSecond at runtime keeps the ring.
     */
    private void sizeRing(BpfObject obj) {
        int compiled = obj.maxEntries(HuatuoBpf.Maps.EVENTS);
        int bytes = ringBytes(compiled, maxEventsPerSecond, maxRecordBytes());
        if (bytes != compiled) {
            obj.setMaxEntries(HuatuoBpf.Maps.EVENTS, bytes);
            LOG.info("{}: ring buffer {} KiB for maxEventsPerSecond {}", name(), bytes >> 10, maxEventsPerSecond);
        }
    }

    /**
     * @return {@code compiled}, or the power of two (the kernel's rule for rings) that holds 100 ms of
     *         records at {@code eventsPerSecond} if that is larger, at most {@link #MAX_RING_BYTES}
     */
    static int ringBytes(int compiled, long eventsPerSecond, int recordBytes) {
        long need = eventsPerSecond * (RING_RECORD_HEADER + ((recordBytes + 7) & ~7L)) / 10;
        long bytes = compiled;
        while (bytes < need && bytes < MAX_RING_BYTES) {
            bytes <<= 1;
        }
        return (int) bytes;
    }

    /**
     * The poller that reads this tracer's ring died: FAILED, with the reason in {@code Probe}. The
     * probes stay attached, so OccurrenceCount keeps counting (and LostEvents the records nobody reads).
     */
    private synchronized void pollerStopped(String reason) {
        pollerFailure = reason + "; OccurrenceCount still counts, events are lost";
        if (object != null) {
            setState(TracerState.FAILED, pollerFailure);
        }
    }

    @Override
    public synchronized void setEnabled(boolean enabled) {
        if (object == null) {
            throw new IllegalArgumentException(name() + " is " + state() + ": " + probe());
        }
        if (enabled && pollerFailure != null) {
            throw new IllegalStateException(name() + " is FAILED: " + pollerFailure);
        }
        if (enabled == (links != null)) {
            return;
        }
        if (enabled) {
            try {
                links = attach(object, active);
            } catch (Exception e) {
                setState(TracerState.FAILED, active.description() + ": re-attach failed: " + e.getMessage());
                throw new IllegalStateException(probe(), e);
            }
            setState(TracerState.RUNNING, active.description());
        } else {
            links.forEach(BpfLink::close);
            links = null;
            if (pollerFailure == null) {
                setState(TracerState.DISABLED, active.description());
            }
        }
    }

    /**
     * The names of bpf/include/huatuo_own.h's global variables and counter map in this tracer's
     * object (from its generated contract), or null when the tracer sees no packets.
     */
    protected OwnTrafficNames ownTrafficNames() {
        return null;
    }

    /** See {@link #ownTrafficNames()}. */
    public record OwnTrafficNames(String netnsGlobal, String portsGlobal, String counterMap) {
    }

    @Override
    public synchronized void ignoreOwnTraffic(long netns, int[] ports) {
        if (ports.length > OWN_PORTS) {
            throw new IllegalArgumentException(name() + ": at most " + OWN_PORTS + " own ports, got " + ports.length);
        }
        ownNetns = netns;
        ownPorts = ports.clone();
        if (object != null && ownTrafficNames() != null) {
            writeOwnTraffic(object);
        }
    }

    /** The ports first, then the namespace that switches the filter on. */
    private void writeOwnTraffic(BpfObject obj) {
        ByteBuffer b = ByteBuffer.allocate(2 * OWN_PORTS).order(java.nio.ByteOrder.nativeOrder());
        for (int p : ownPorts) {
            b.putShort((short) p);
        }
        obj.setGlobal(ownTrafficNames().portsGlobal(), b.array());
        obj.setGlobalLong(ownTrafficNames().netnsGlobal(), ownNetns);
    }

    /** Packets of the daemon's own endpoints that were counted instead of reported (huatuo_own.h). */
    protected final long ownTrafficIgnored() {
        BpfObject obj = object;
        return obj == null ? 0 : obj.map(ownTrafficNames().counterMap()).sumPerCpuU64(0)[0];
    }

    /** The OwnTrafficIgnored attribute of a tracer that has {@link #ownTrafficNames()}. */
    protected final Attribute ownTrafficAttribute() {
        return Attribute.readOnly("OwnTrafficIgnored", Attribute.Type.LONG,
                "Packets to or from the daemon's own endpoint ports (JMX, Jolokia, Prometheus) in its network "
                        + "namespace that would have been reported: the daemon and its clients, counted, never reported",
                this::ownTrafficIgnored).counter("packets");
    }

    /** The shared per-CPU counters (struct huatuo_counters) summed over the CPUs; null before a load. */
    private ByteBuffer counters() {
        BpfObject obj = object;
        return obj == null ? null : obj.map(HuatuoBpf.Maps.COUNTERS).sumPerCpuU64Struct(0);
    }

    /**
     * The summed run statistics of every loaded program of the active probe (and those always loaded),
     * with the object they came from (a restart makes a new one); null before a load.
     */
    synchronized Map.Entry<BpfObject, RunStats> runStats() {
        if (object == null) {
            return null;
        }
        RunStats sum = new RunStats(0, 0, 0);
        for (String program : object.programs()) {
            if (active.programs().contains(program) || alwaysLoaded().contains(program)) {
                sum = sum.plus(object.runStats(program));
            }
        }
        return Map.entry(object, sum);
    }

    @Override
    public long missedProgramRuns() {
        Map.Entry<BpfObject, RunStats> s = runStats();
        return s == null ? 0 : s.getValue().missedRuns();
    }

    @Override
    public long occurrenceCount() {
        ByteBuffer c = counters();
        return c == null ? 0 : HuatuoCounters.occurrences(c, 0);
    }

    @Override
    public long rateLimitedEvents() {
        ByteBuffer c = counters();
        return c == null ? 0 : HuatuoCounters.rateLimited(c, 0);
    }

    @Override
    public long lostEvents() {
        ByteBuffer c = counters();
        return (c == null ? 0 : HuatuoCounters.lost(c, 0)) + super.lostEvents();
    }

    @Override
    public long maxEventsPerSecond() {
        return maxEventsPerSecond;
    }

    @Override
    public synchronized void setMaxEventsPerSecond(long value) {
        checkMaxEventsPerSecond(value);
        if (object != null) {
            object.setGlobalLong(HuatuoBpf.Globals.MAX_EVENTS_PER_SEC, value);
            int ring = object.map(HuatuoBpf.Maps.EVENTS).maxEntries();
            if (ringBytes(ring, value, maxRecordBytes()) > ring) {
                LOG.info("{}: MaxEventsPerSecond {}: the ring buffer keeps its {} KiB; maxEventsPerSecond in the "
                        + "configuration sizes it at start", name(), value, ring >> 10);
            }
        }
        maxEventsPerSecond = value;
    }

    /** Epoch milliseconds of a kernel monotonic timestamp. */
    protected final long epochMillis(long ktimeNs) {
        return context.epochMillis(ktimeNs);
    }

    protected final void emit(PendingEvent e) {
        if (!context.sink().offer(e)) {
            countLostInDaemon();
        }
    }

    @Override
    public synchronized void close() {
        if (links != null) {
            links.forEach(BpfLink::close);
            links = null;
        }
        closeQuietly(object);
        object = null;
        if (state() == TracerState.RUNNING) {
            setState(TracerState.DISABLED, "stopped");
        }
    }

    private static void closeQuietly(BpfObject obj) {
        if (obj != null) {
            try {
                obj.close();
            } catch (RuntimeException e) {
                LOG.debug("close failed", e);
            }
        }
    }
}
