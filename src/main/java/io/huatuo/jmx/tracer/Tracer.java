package io.huatuo.jmx.tracer;

import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One tracer: its schema, its state and probe, its counters and its managed attributes. Subclasses
 * attach to the kernel in {@link #start} and add their own attributes in {@link #extraAttributes}.
 * State changes are synchronized on the tracer; counters are lock-free.
 */
public abstract class Tracer implements AutoCloseable {
    private final String name;
    private final Schema schema;
    private volatile TracerState state = TracerState.DISABLED;
    private volatile String probe = "not started";
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong lostInDaemon = new AtomicLong();
    private volatile KernelCost kernelCost = KernelCost.NO_PROGRAMS;

    protected Tracer(Schema schema) {
        this.name = schema.tracer();
        this.schema = schema;
    }

    public final String name() {
        return name;
    }

    public final Schema schema() {
        return schema;
    }

    public final TracerState state() {
        return state;
    }

    public final String probe() {
        return probe;
    }

    protected final void setState(TracerState state, String probe) {
        this.state = state;
        this.probe = probe;
    }

    /**
     * Tries the probes in order and attaches the first that works (or stays DISABLED when
     * {@code enabled} is false, after checking that a probe could load). Never throws for kernel
     * reasons: those end in UNAVAILABLE with the reason in {@link #probe()}. Throws
     * IllegalArgumentException for a bad configuration value, naming the key.
     */
    public abstract void start(TracerContext context, boolean enabled);

    /** Switches reporting on or off at run time: really detaches / re-attaches. */
    public abstract void setEnabled(boolean enabled);

    public final boolean isEnabled() {
        return state == TracerState.RUNNING;
    }

    /** Occurrences the kernel side saw, including rate-limited ones. */
    public abstract long occurrenceCount();

    /** Details suppressed by the rate limit. */
    public abstract long rateLimitedEvents();

    /** Records the kernel could not hand over (ring full) plus those the daemon could not queue. */
    public long lostEvents() {
        return lostInDaemon.get();
    }

    public abstract long maxEventsPerSecond();

    public abstract void setMaxEventsPerSecond(long value);

    /** Events reported (published to JMX, records, console) since start. */
    public final long eventCount() {
        return events.get();
    }

    /** Called by the pipeline after an event went out. */
    public final void countPublished() {
        events.incrementAndGet();
    }

    /** Called when the daemon could not queue or enrich an event. */
    public final void countLostInDaemon() {
        lostInDaemon.incrementAndGet();
    }

    /** What its BPF programs cost the kernel in the last measurement window ({@link KernelCostMeter}). */
    public final KernelCost kernelCost() {
        return kernelCost;
    }

    final void setKernelCost(KernelCost cost) {
        kernelCost = cost;
    }

    /** Tracer-specific attributes (thresholds with the unit in the name, extra counters). */
    protected List<Attribute> extraAttributes() {
        return List.of();
    }

    /** Every managed attribute of {@code huatuo:type=Tracer,name=<tracer>} except LastEvent. */
    public final List<Attribute> attributes() {
        List<Attribute> a = new ArrayList<>();
        a.add(Attribute.writable("Enabled", Attribute.Type.BOOLEAN,
                "Tracer switched on; writing false detaches its probes, true re-attaches them",
                this::isEnabled, v -> setEnabled((Boolean) v)));
        a.add(Attribute.readOnly("State", Attribute.Type.STRING,
                "RUNNING, DISABLED, UNAVAILABLE or FAILED", () -> state.name()));
        a.add(Attribute.readOnly("Probe", Attribute.Type.STRING,
                "The kernel hook(s) in use, or why none can work on this kernel", this::probe));
        a.add(Attribute.readOnly("EventCount", Attribute.Type.LONG,
                "Events reported since start (monotonic counter)", this::eventCount));
        a.add(Attribute.readOnly("OccurrenceCount", Attribute.Type.LONG,
                "Occurrences seen by the kernel side since start, including rate-limited ones",
                this::occurrenceCount));
        a.add(Attribute.readOnly("LostEvents", Attribute.Type.LONG,
                "Records that could not be handed over (ring buffer or daemon queue full, or not decodable)", this::lostEvents));
        a.add(Attribute.readOnly("RateLimitedEvents", Attribute.Type.LONG,
                "Details suppressed by MaxEventsPerSecond (still counted in OccurrenceCount)",
                this::rateLimitedEvents));
        a.add(Attribute.writable("MaxEventsPerSecond", Attribute.Type.LONG,
                "Most detailed events reported per second (1..1000000); the rest are only counted",
                this::maxEventsPerSecond, v -> setMaxEventsPerSecond((Long) v)));
        a.add(Attribute.readOnly("KernelCostNanosPerSecond", Attribute.Type.LONG,
                "CPU time the tracer's BPF programs ran in the kernel, summed over CPUs, in ns per second of wall "
                        + "time, over the last measurement window (KernelCostNote); -1 if not measured",
                () -> kernelCost.nanosPerSecond()));
        a.add(Attribute.readOnly("ProgramRunsPerSecond", Attribute.Type.LONG,
                "Runs of the tracer's BPF programs per second over the last measurement window; -1 if not measured",
                () -> kernelCost.runsPerSecond()));
        a.add(Attribute.readOnly("KernelCostNote", Attribute.Type.STRING,
                "When and over how long the kernel cost was last measured, or why it was not",
                () -> kernelCost.note()));
        a.addAll(extraAttributes());
        return a;
    }

    /** Checks a MaxEventsPerSecond value. */
    protected static long checkMaxEventsPerSecond(long v) {
        if (v < 1 || v > 1_000_000) {
            throw new IllegalArgumentException("MaxEventsPerSecond must be between 1 and 1000000, got " + v);
        }
        return v;
    }

    /** Detaches and frees everything; idempotent. */
    @Override
    public abstract void close();
}
