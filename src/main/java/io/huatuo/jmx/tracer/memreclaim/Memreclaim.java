package io.huatuo.jmx.tracer.memreclaim;


import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.tracer.BpfTracer;
import io.huatuo.jmx.tracer.MemcgPath;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.memreclaim.MemreclaimBpf.Globals;
import io.huatuo.jmx.tracer.memreclaim.MemreclaimBpf.MemreclaimEvent;
import io.huatuo.jmx.tracer.memreclaim.MemreclaimBpf.Programs;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * memreclaim: tasks stalled in memory reclaim (bpf/memreclaim.bpf.c, record bpf/memreclaim.h). The
 * kernel side sums each task's time between the vmscan reclaim begin/end tracepoints, global direct
 * reclaim and memcg (limit) reclaim alike, within a window and reports a task once per window when
 * the sum exceeds the threshold (HUATUO's default: more than 900 ms within 1 s). Both are live globals, so
 * {@code ThresholdMillis} and {@code WindowMillis} take effect at once.
 */
public final class Memreclaim extends BpfTracer {
    public static final String NAME = "memreclaim";
    public static final TracerType<MemreclaimConfig> TYPE = new TracerType<>(NAME, MemreclaimConfig::read,
            Memreclaim::new, Severity.AVERAGE);
    private static final int MAX_MILLIS = 3_600_000;
    private static final long NS_PER_MS = 1_000_000L;

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.string("comm", "Command of the stalled task"),
            Field.int32("pid", "Process id (tgid) of the stalled task"),
            Field.int64("deltatime", "Nanoseconds the task spent in reclaim within the window"),
            Field.string("kind", "direct (global direct reclaim) or memcg (its memory cgroup hit its limit), "
                    + "of the reclaim call that crossed the threshold"),
            Field.string("memcg", "Memory cgroup path of the task"),
            Field.int32("calls", "Reclaim calls of the task within the window")))
            .headline("kind", "deltatime", "comm", "pid");

    private volatile int thresholdMillis;
    private volatile int windowMillis;

    public Memreclaim(MemreclaimConfig config) {
        super(SCHEMA, MemreclaimBpf.CONTRACT);
        this.thresholdMillis = config.thresholdMillis();
        this.windowMillis = config.windowMillis();
    }

    @Override
    protected List<Probe> probes() {
        return List.of(
                new Probe("tp_btf/mm_vmscan_direct_reclaim_begin/end, tp_btf/mm_vmscan_memcg_reclaim_begin/end",
                        Programs.MEMRECLAIM_DIRECT_BEGIN_BTF, Programs.MEMRECLAIM_DIRECT_END_BTF,
                        Programs.MEMRECLAIM_MEMCG_BEGIN_BTF, Programs.MEMRECLAIM_MEMCG_END_BTF));
    }

    @Override
    protected int maxRecordBytes() {
        return MemreclaimEvent.SIZE;
    }

    @Override
    protected void beforeLoad(BpfObject obj) {
        obj.setGlobalLong(Globals.THRESHOLD_NS, thresholdMillis * NS_PER_MS);
        obj.setGlobalLong(Globals.WINDOW_NS, windowMillis * NS_PER_MS);
    }

    @Override
    protected PendingEvent decode(ByteBuffer b, int at, int length) {
        requireRecordBytes(length, MemreclaimEvent.SIZE);
        int pid = MemreclaimEvent.pid(b, at);
        String path = MemcgPath.path(b, at + MemreclaimEvent.MEMCG_OFFSET);
        Event.Builder e = Event.builder(SCHEMA)
                .timeMillis(epochMillis(MemreclaimEvent.ktimeNs(b, at)))
                .set("comm", MemreclaimEvent.comm(b, at))
                .set("pid", pid)
                .set("deltatime", MemreclaimEvent.deltaNs(b, at))
                .set("kind", kindName(MemreclaimEvent.kind(b, at)))
                .set("memcg", path)
                .set("calls", MemreclaimEvent.calls(b, at));
        return new PendingEvent(this, e).containerOf(pid, path);
    }

    /** The kind field's text for a {@code enum memreclaim_kind} value. */
    static String kindName(int kind) {
        return switch (kind) {
            case MemreclaimBpf.DIRECT -> "direct";
            case MemreclaimBpf.MEMCG -> "memcg";
            default -> "kind_" + kind;
        };
    }

    public int thresholdMillis() {
        return thresholdMillis;
    }

    public int windowMillis() {
        return windowMillis;
    }

    /** Sets the threshold; it must stay within 1..3600000 and not above WindowMillis. */
    public synchronized void setThresholdMillis(long value) {
        int v = checkMillis("ThresholdMillis", value);
        if (v > windowMillis) {
            throw new IllegalArgumentException("ThresholdMillis must not exceed WindowMillis (" + windowMillis
                    + "), got " + value);
        }
        if (object() != null) {
            object().setGlobalLong(Globals.THRESHOLD_NS, v * NS_PER_MS);
        }
        thresholdMillis = v;
    }

    /** Sets the window; it must stay within 1..3600000 and at least ThresholdMillis. */
    public synchronized void setWindowMillis(long value) {
        int v = checkMillis("WindowMillis", value);
        if (v < thresholdMillis) {
            throw new IllegalArgumentException("WindowMillis must be at least ThresholdMillis (" + thresholdMillis
                    + "), got " + value);
        }
        if (object() != null) {
            object().setGlobalLong(Globals.WINDOW_NS, v * NS_PER_MS);
        }
        windowMillis = v;
    }

    private static int checkMillis(String attribute, long value) {
        if (value < 1 || value > MAX_MILLIS) {
            throw new IllegalArgumentException(attribute + " must be between 1 and " + MAX_MILLIS + ", got " + value);
        }
        return (int) value;
    }

    @Override
    protected List<Attribute> extraAttributes() {
        return List.of(
                Attribute.writable("ThresholdMillis", Attribute.Type.LONG,
                        "Report a task that spends more than this many ms in reclaim within one window "
                                + "(1..3600000, at most WindowMillis)",
                        () -> (long) thresholdMillis, v -> setThresholdMillis((Long) v))
                        .gauge("ms").range(1, MAX_MILLIS),
                Attribute.writable("WindowMillis", Attribute.Type.LONG,
                        "The window over which a task's reclaim time is summed, ms (1..3600000, at least "
                                + "ThresholdMillis)",
                        () -> (long) windowMillis, v -> setWindowMillis((Long) v))
                        .gauge("ms").range(1, MAX_MILLIS));
    }
}
