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
    private final RollingCounts occurrenceWindows = new RollingCounts(this::occurrenceCount);
    private final RollingCounts eventWindows = new RollingCounts(this::eventCount);
    /** The largest MaxEventsPerSecond. */
    public static final long MAX_EVENTS_PER_SECOND = 1_000_000;
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

    /**
     * Runs of the tracer's BPF programs the kernel skipped because the program was already running on that
     * CPU; what happened in them was neither counted nor reported. 0 for a tracer without BPF programs.
     */
    public long missedProgramRuns() {
        return 0;
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

    /** The states, as {@code State} shows them (its Descriptor's legalValues). */
    public static final List<String> STATES = java.util.Arrays.stream(TracerState.values()).map(Enum::name).toList();

    /** Every managed attribute of {@code huatuo:type=Tracer,name=<tracer>} except LastEvent. */
    public final List<Attribute> attributes() {
        List<Attribute> a = new ArrayList<>();
        a.add(Attribute.writable("Enabled", Attribute.Type.BOOLEAN,
                "Tracer switched on; writing false detaches its probes, true re-attaches them",
                this::isEnabled, v -> setEnabled((Boolean) v)));
        a.add(Attribute.readOnly("State", Attribute.Type.STRING,
                "RUNNING, DISABLED, UNAVAILABLE or FAILED", () -> state.name()).legal(STATES));
        a.add(Attribute.readOnly("Probe", Attribute.Type.STRING,
                "The kernel hook(s) in use, or why none can work on this kernel", this::probe));
        a.add(Attribute.readOnly("EventCount", Attribute.Type.LONG,
                "Events reported since start (monotonic counter)", this::eventCount).counter("events"));
        a.add(Attribute.readOnly("OccurrenceCount", Attribute.Type.LONG,
                "Occurrences seen by the kernel side since start, including rate-limited ones",
                this::occurrenceCount).counter("occurrences"));
        a.add(Attribute.readOnly("LostEvents", Attribute.Type.LONG,
                "Records that could not be handed over (ring buffer or daemon queue full, or not decodable)",
                this::lostEvents).counter("events"));
        a.add(Attribute.readOnly("MissedProgramRuns", Attribute.Type.LONG,
                "Runs of the tracer's BPF programs the kernel skipped because the program was already running on that "
                        + "CPU (an interrupt or fault inside a run hit its hook again): what happened in them is in no "
                        + "other count (counted by kernels 6.7+; 0 before and without BPF programs)",
                this::missedProgramRuns).counter("runs"));
        a.add(Attribute.readOnly("RateLimitedEvents", Attribute.Type.LONG,
                "Details suppressed by MaxEventsPerSecond (still counted in OccurrenceCount)",
                this::rateLimitedEvents).counter("events"));
        for (int seconds : new int[] {60, 300}) {
            String window = seconds == 60 ? "LastMinute" : "Last5Minutes";
            String span = seconds == 60 ? "the last minute" : "the last 5 minutes";
            a.add(Attribute.readOnly("Occurrences" + window, Attribute.Type.LONG, "Occurrences in " + span
                    + ", rate-limited ones included (kept by the daemon, one sample a second)",
                    () -> occurrenceWindows.lastSeconds(seconds)).gauge("occurrences"));
            a.add(Attribute.readOnly("Events" + window, Attribute.Type.LONG, "Events reported in " + span
                    + " (kept by the daemon, one sample a second)",
                    () -> eventWindows.lastSeconds(seconds)).gauge("events"));
        }
        a.add(Attribute.writable("MaxEventsPerSecond", Attribute.Type.LONG,
                "Most detailed events reported per second (1..1000000); the rest are only counted",
                this::maxEventsPerSecond, v -> setMaxEventsPerSecond((Long) v))
                .gauge("events/s").range(1, MAX_EVENTS_PER_SECOND));
        a.add(Attribute.readOnly("KernelCostNanosPerSecond", Attribute.Type.LONG,
                "CPU time the tracer's BPF programs ran in the kernel, summed over CPUs, in ns per second of wall "
                        + "time, over the last measurement window (KernelCostNote); -1 if not measured",
                () -> kernelCost.nanosPerSecond()).gauge("ns/s"));
        a.add(Attribute.readOnly("ProgramRunsPerSecond", Attribute.Type.LONG,
                "Runs of the tracer's BPF programs per second over the last measurement window; -1 if not measured",
                () -> kernelCost.runsPerSecond()).gauge("runs/s"));
        a.add(Attribute.readOnly("KernelCostNote", Attribute.Type.STRING,
                "When and over how long the kernel cost was last measured, or why it was not",
                () -> kernelCost.note()));
        a.addAll(extraAttributes());
        return a;
    }

    /** Takes this second's sample of the counters behind the rolling windows; called once per second. */
    public final void tickWindows() {
        occurrenceWindows.tick();
        eventWindows.tick();
    }

    /** Checks a MaxEventsPerSecond value. */
    protected static long checkMaxEventsPerSecond(long v) {
        if (v < 1 || v > MAX_EVENTS_PER_SECOND) {
            throw new IllegalArgumentException("MaxEventsPerSecond must be between 1 and 1000000, got " + v);
        }
        return v;
    }

    /**
     * TCP traffic to or from these ports in this network namespace is the daemon's own (its
     * endpoints and their clients): tracers that see packets count it in OwnTrafficIgnored and never
     * report it. Called before start with the configured ports and again once the endpoints are
     * bound. The default ignores it: the tracer sees no packets.
     *
     * @param netns inode of the daemon's network namespace, 0 = unknown (nothing is ignored)
     */
    public void ignoreOwnTraffic(long netns, int[] ports) {
    }

    /** Detaches and frees everything; idempotent. */
    @Override
    public abstract void close();
}
