package io.huatuo.jmx.tracer;

import io.huatuo.jmx.bpf.Bpf;
import io.huatuo.jmx.bpf.BpfLink;
import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.event.Schema;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tracer backed by one BPF object ({@code bpf/<tracer>.bpf.c}) that holds one program per probe,
 * the shared counters, rate limit and ring (bpf/include/huatuo.h). Probes are tried in order: the
 * first that loads and attaches wins and is shown in {@code Probe}; if none does, the tracer is
 * UNAVAILABLE and {@code Probe} lists why each failed.
 */
public abstract class BpfTracer extends Tracer {
    private static final Logger LOG = LoggerFactory.getLogger(BpfTracer.class);

    /**
     * One way of hooking the kernel: the programs to load and attach together, and how the probe is
     * shown in the {@code Probe} attribute.
     */
    protected record Probe(String description, List<String> programs) {
        public Probe(String description, String... programs) {
            this(description, List.of(programs));
        }
    }

    private BpfObject object;
    private Probe active;
    private List<BpfLink> links; // null while detached
    private volatile long maxEventsPerSecond;
    protected TracerContext context;

    protected BpfTracer(Schema schema) {
        super(schema);
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
                obj = BpfObject.openResource(name());
                for (Probe other : probes()) {
                    for (String program : other.programs()) {
                        obj.setAutoload(program, false);
                    }
                }
                for (String program : p.programs()) {
                    obj.setAutoload(program, true);
                }
                for (String program : alwaysLoaded()) {
                    obj.setAutoload(program, true);
                }
                obj.setGlobalLong("max_events_per_sec", maxEventsPerSecond);
                beforeLoad(obj);
                obj.load();
                afterLoad(obj);
                List<BpfLink> l = attach(obj, p); // attached even when disabled: proves the probe works
                if (!enabled) {
                    l.forEach(BpfLink::close);
                    l = null;
                }
                ctx.poller().register(obj.map("events"), maxRecordBytes(), this::acceptRecord);
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

    @Override
    public synchronized void setEnabled(boolean enabled) {
        if (object == null) {
            throw new IllegalArgumentException(name() + " is " + state() + ": " + probe());
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
            setState(TracerState.DISABLED, active.description());
        }
    }

    /** Per-field sums of the shared per-CPU counters: occurrences, rate_limited, lost. */
    private long counter(int index) {
        BpfObject obj = object;
        if (obj == null) {
            return 0;
        }
        return obj.map("counters").sumPerCpuU64(0)[index];
    }

    @Override
    public long occurrenceCount() {
        return counter(0);
    }

    @Override
    public long rateLimitedEvents() {
        return counter(1);
    }

    @Override
    public long lostEvents() {
        return counter(2) + super.lostEvents();
    }

    @Override
    public long maxEventsPerSecond() {
        return maxEventsPerSecond;
    }

    @Override
    public synchronized void setMaxEventsPerSecond(long value) {
        checkMaxEventsPerSecond(value);
        if (object != null) {
            object.setGlobalLong("max_events_per_sec", value);
        }
        maxEventsPerSecond = value;
    }

    /** The stack of a record: {@code stackBytes} bytes of IPs at {@code at}, at most {@code depth} frames. */
    protected static long[] stackIps(ByteBuffer b, int at, int stackBytes, int depth) {
        long[] ips = new long[Math.max(0, Math.min(stackBytes / 8, depth))];
        for (int i = 0; i < ips.length; i++) {
            ips[i] = b.getLong(at + i * 8);
        }
        return ips;
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
