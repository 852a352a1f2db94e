package io.huatuo.jmx.tracer.softirq;

import io.huatuo.jmx.bpf.BpfException;
import io.huatuo.jmx.bpf.BpfLink;
import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.bpf.Btf;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.tracer.BpfTracer;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.softirq.SoftirqBpf.Globals;
import io.huatuo.jmx.tracer.softirq.SoftirqBpf.Maps;
import io.huatuo.jmx.tracer.softirq.SoftirqBpf.Programs;
import io.huatuo.jmx.tracer.softirq.SoftirqBpf.SoftirqCheck;
import io.huatuo.jmx.tracer.softirq.SoftirqBpf.SoftirqEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * softirq: softirqs or hard interrupts held off too long, network softirqs run too late
 * (bpf/softirq.bpf.c, record bpf/softirq.h). Each CPU's scheduler tick is the sampler
 * (tp_btf/hrtimer_expire_entry, the tick's hrtimer): a tick that runs late means interrupts were
 * off, a tick landing with bottom halves disabled means softirqs were off. No perf event is opened,
 * so no CAP_SYS_ADMIN is needed under Debian's kernel.perf_event_paranoid=3.
 * tp_btf/softirq_raise and softirq_entry time NET_RX and NET_TX.
 *
 * <p>softirq_off needs the per-CPU offsets of runqueues, __preempt_count, cpu_number and
 * current_task from the kernel's BTF; the per-CPU base is checked, and when a check fails the kind
 * stops and {@code UnavailableKinds} says why, so it is never reported wrong.
 */
public final class Softirq extends BpfTracer {
    public static final String NAME = "softirq";
    public static final TracerType<SoftirqConfig> TYPE = new TracerType<>(NAME, SoftirqConfig::read,
            Softirq::new, Severity.WARNING);
    private static final long NS_PER_MS = 1_000_000L;
    private static final long IGNORE_AFTER_ATTACH_NS = 1_000_000_000L; // attaching patches text with IRQs off
    private static final String[] IRQ_REGS_VARS = {"__irq_regs", "irq_regs"}; // older x86: irq_regs
    private static final String[] PERCPU_VARS = {"runqueues", "__preempt_count", "cpu_number", "current_task"};
    /* x86 kept the last three as members of one per-CPU struct pcpu_hot from 6.2 to 6.14 */
    private static final String[] PCPU_HOT_MEMBERS = {null, "preempt_count", "cpu_number", "current_task"};
    private static final String[] PERCPU_GLOBALS = {Globals.OFF_RUNQUEUES, Globals.OFF_PREEMPT_COUNT,
        Globals.OFF_CPU_NUMBER, Globals.OFF_CURRENT_TASK};

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.string("comm", "Command of the task that held softirqs or interrupts off (for softirq_delay: "
                    + "the task running when the softirq finally ran)"),
            Field.int32("pid", "Process id (tgid) of that task; 0 for the idle task"),
            Field.int32("cpu", "CPU it happened on"),
            Field.int64("offtime", "How long softirqs or interrupts were off, or the softirq waited, in ns"),
            Field.int64("threshold", "The threshold that was crossed, in ns"),
            Field.int64("now", "Kernel monotonic time of the report (bpf_ktime_get_ns), in ns"),
            Field.string("stack", "Kernel stack of the interrupted context (for softirq_delay: of the softirq "
                    + "entry), one frame per line: symbol/address [module]"),
            Field.string("kind", "softirq_off (bottom halves disabled), irq_off (hard interrupts disabled) or "
                    + "softirq_delay (NET_RX/NET_TX ran late after being raised)"),
            Field.string("vector", "The late softirq for softirq_delay (NET_RX or NET_TX), empty otherwise")))
            .headline("kind", "offtime", "cpu", "comm", "pid");

    private volatile int thresholdMillis;
    private volatile int delayThresholdMillis;
    private volatile String offsetProblem; // why softirq_off cannot run at all, null if it can

    public Softirq(SoftirqConfig config) {
        super(SCHEMA, SoftirqBpf.CONTRACT);
        this.thresholdMillis = config.thresholdMillis();
        this.delayThresholdMillis = config.delayThresholdMillis();
    }

    @Override
    protected List<Probe> probes() {
        return List.of(new Probe("tp_btf/hrtimer_expire_entry (each CPU's scheduler tick) + tp_btf/softirq_raise"
                + " + tp_btf/softirq_entry", Programs.SOFTIRQ_TICK, Programs.SOFTIRQ_RAISE, Programs.SOFTIRQ_ENTRY));
    }

    @Override
    protected int maxRecordBytes() {
        return SoftirqEvent.SIZE;
    }

    @Override
    protected void beforeLoad(BpfObject obj) {
        List<String> missing = new ArrayList<>();
        String why = null;
        for (int i = 0; i < PERCPU_VARS.length; i++) {
            try {
                obj.setGlobalLong(PERCPU_GLOBALS[i], percpuOffset(i));
            } catch (BpfException e) {
                missing.add(PERCPU_VARS[i]);
                why = e.getMessage();
                obj.setGlobalLong(PERCPU_GLOBALS[i], 0); // 0 switches softirq_off off in the program
            }
        }
        offsetProblem = missing.isEmpty() ? null : "per-CPU variable" + (missing.size() > 1 ? "s " : " ")
                + String.join(", ", missing) + " not found in the kernel's BTF (" + why + ")";
        try {
            obj.setGlobalLong(Globals.OFF_STEAL_TIME, Btf.vmlinuxPercpuVarOffset("steal_time"));
        } catch (BpfException e) {
            obj.setGlobalLong(Globals.OFF_STEAL_TIME, 0); // no KVM steal clock: gaps are not corrected for steal
        }
        obj.setGlobalLong(Globals.OFF_IRQ_REGS, 0); // unknown: stacks keep the interrupt's own frames
        for (String var : IRQ_REGS_VARS) {
            try {
                obj.setGlobalLong(Globals.OFF_IRQ_REGS, Btf.vmlinuxPercpuVarOffset(var));
                break;
            } catch (BpfException e) {
                // try the next name
            }
        }
        obj.setGlobalLong(Globals.OFF_THRESHOLD_NS, thresholdMillis * NS_PER_MS);
        obj.setGlobalLong(Globals.DELAY_THRESHOLD_NS, delayThresholdMillis * NS_PER_MS);
    }

    /** A per-CPU variable's offset in .data..percpu: its own, or as a member of pcpu_hot (x86, 6.2-6.14). */
    private static long percpuOffset(int i) {
        try {
            return Btf.vmlinuxPercpuVarOffset(PERCPU_VARS[i]);
        } catch (BpfException e) {
            if (PCPU_HOT_MEMBERS[i] == null) {
                throw e;
            }
            try {
                return Btf.vmlinuxPercpuVarOffset("pcpu_hot") + Btf.vmlinuxStruct("pcpu_hot").offsetOf(PCPU_HOT_MEMBERS[i]);
            } catch (BpfException | IllegalArgumentException alsoNot) {
                throw e;
            }
        }
    }

    /** The softirq tracepoints first (a tick that interrupts them finds their state), then the tick. */
    @Override
    protected List<BpfLink> attach(BpfObject obj, Probe p) {
        obj.setGlobalLong(Globals.IGNORE_UNTIL_NS, System.nanoTime() + IGNORE_AFTER_ATTACH_NS);
        List<BpfLink> links = new ArrayList<>();
        try {
            links.add(obj.attach(Programs.SOFTIRQ_RAISE));
            links.add(obj.attach(Programs.SOFTIRQ_ENTRY));
            links.add(obj.attach(Programs.SOFTIRQ_TICK));
        } catch (RuntimeException e) {
            links.forEach(BpfLink::close);
            throw e;
        }
        return links;
    }

    @Override
    protected PendingEvent decode(ByteBuffer b, int at, int length) {
        requireRecordBytes(length, SoftirqEvent.SIZE);
        int kind = SoftirqEvent.kind(b, at);
        int vector = SoftirqEvent.vector(b, at);
        int pid = SoftirqEvent.pid(b, at);
        long now = SoftirqEvent.ktimeNs(b, at);
        Event.Builder e = Event.builder(SCHEMA)
                .timeMillis(epochMillis(now))
                .set("comm", SoftirqEvent.comm(b, at))
                .set("pid", pid)
                .set("cpu", SoftirqEvent.cpu(b, at))
                .set("offtime", SoftirqEvent.offtimeNs(b, at))
                .set("threshold", SoftirqEvent.thresholdNs(b, at))
                .set("now", now)
                .set("kind", kindName(kind))
                .set("vector", kind == SoftirqBpf.KIND_DELAY
                        ? (vector == 3 ? "NET_RX" : vector == 2 ? "NET_TX" : "VEC_" + vector) : "");
        long[] ips = fromInterruptedFrame(SoftirqEvent.stackFirst(b, at, SoftirqEvent.stackBytes(b, at) / 8),
                SoftirqEvent.irqIp(b, at));
        PendingEvent p = new PendingEvent(this, e).stack("stack", ips);
        // softirq_delay names whoever ran when the softirq finally did: no culprit to attribute
        return kind == SoftirqBpf.KIND_DELAY || pid <= 0 ? p : p.containerOf(pid);
    }

    /** The kind field's text for a {@code enum softirq_kind} value. */
    static String kindName(int kind) {
        return switch (kind) {
            case SoftirqBpf.KIND_OFF -> "softirq_off";
            case SoftirqBpf.KIND_IRQ_OFF -> "irq_off";
            case SoftirqBpf.KIND_DELAY -> "softirq_delay";
            default -> "kind_" + kind;
        };
    }

    /**
     * The stack from the interrupted frame on: a tick's stack starts with the interrupt's own frames
     * (hrtimer_interrupt, the interrupt entry), which say nothing about who held softirqs or
     * interrupts off. Unchanged when the interrupted instruction is unknown or not in the stack.
     */
    static long[] fromInterruptedFrame(long[] ips, long interruptedIp) {
        for (int i = 0; interruptedIp != 0 && i < ips.length; i++) {
            if (ips[i] == interruptedIp) {
                return java.util.Arrays.copyOfRange(ips, i, ips.length);
            }
        }
        return ips;
    }

    private synchronized void setThresholdMillis(Object v) {
        int ms = checkMillis("ThresholdMillis", v);
        thresholdMillis = ms;
        BpfObject obj = object();
        if (obj != null) {
            obj.setGlobalLong(Globals.OFF_THRESHOLD_NS, ms * NS_PER_MS);
        }
    }

    private synchronized void setDelayThresholdMillis(Object v) {
        int ms = checkMillis("DelayThresholdMillis", v);
        delayThresholdMillis = ms;
        if (object() != null) {
            object().setGlobalLong(Globals.DELAY_THRESHOLD_NS, ms * NS_PER_MS);
        }
    }

    private static int checkMillis(String attribute, Object v) {
        long ms = ((Number) v).longValue();
        if (ms < 1 || ms > TracerConfig.MAX_MILLIS) {
            throw new IllegalArgumentException(attribute + " must be between 1 and " + TracerConfig.MAX_MILLIS
                    + ", got " + ms);
        }
        return (int) ms;
    }

    /**
     * Summed over CPUs (struct softirq_check): preempt_count reads through a checked per-CPU base,
     * failed base checks, the steal clocks (ns), the irq_off/delay stretches excused by steal, the
     * late ticks excused because they landed in user mode, the ticks seen.
     */
    private synchronized ByteBuffer checks() {
        BpfObject obj = object();
        return obj == null ? ByteBuffer.allocate(SoftirqCheck.SIZE) : obj.map(Maps.CHECKS).sumPerCpuU64Struct(0);
    }

    /** The scheduler tick period the BPF side learned (ns), 0 until it is known. */
    private synchronized long tickPeriodNs() {
        BpfObject obj = object();
        return obj == null ? 0 : obj.getGlobalLong(Globals.TICK_PERIOD_NS);
    }

    /** Why irq_off and softirq_off sample nothing, or "" when they do. */
    private String tickProblem() {
        synchronized (this) {
            BpfObject obj = object();
            if (obj == null || obj.getGlobalInt(Globals.TICK_UNKNOWN) == 0) {
                return "";
            }
        }
        return "the scheduler tick's hrtimer callback (tick_nohz_handler or tick_sched_timer) is not in "
                + "/proc/kallsyms or its address is hidden (kernel.kptr_restrict; the daemon needs CAP_SYSLOG)";
    }

    /** CPUs whose tick stops while one task runs (nohz_full=), "" when none. */
    static String nohzFullCpus(Path sysfsFile) {
        try {
            String cpus = Files.readString(sysfsFile).strip();
            return cpus.equals("(null)") ? "" : cpus;
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** UnavailableKinds: each kind that cannot be measured, or only in part, with why; "" when all run. */
    String unavailableKinds() {
        List<String> out = new ArrayList<>();
        String tick = tickProblem();
        if (!tick.isEmpty()) {
            out.add("irq_off, softirq_off: " + tick);
        } else {
            String off = softirqOffProblem();
            if (!off.isEmpty()) {
                out.add("softirq_off: " + off);
            }
            String nohzFull = nohzFullCpus(Path.of("/sys/devices/system/cpu/nohz_full"));
            if (!nohzFull.isEmpty()) {
                out.add("irq_off, softirq_off: not sampled on the nohz_full CPUs " + nohzFull
                        + " while their tick is stopped (a single task running)");
            }
        }
        return String.join("; ", out);
    }

    /** Why softirq_off does not run, or "" when it does. */
    String softirqOffProblem() {
        if (offsetProblem != null) {
            return offsetProblem;
        }
        BpfObject obj;
        synchronized (this) {
            obj = object();
            if (obj == null || obj.getGlobalInt(Globals.CHECK_FAILED) == 0) {
                return "";
            }
        }
        return "the per-CPU base failed its self-check (cpu_number/current_task mismatch) after "
                + SoftirqCheck.ok(checks(), 0) + " preempt_count reads; stopped rather than report wrong values";
    }

    @Override
    protected List<Attribute> extraAttributes() {
        return List.of(
                Attribute.writable("ThresholdMillis", Attribute.Type.LONG,
                        "Report a CPU that kept softirqs or hard interrupts off longer than this (ms, 1..3600000); "
                                + "the CPUs are sampled at each scheduler tick (SamplePeriodMillis), so a threshold "
                                + "below two ticks is measured coarsely",
                        () -> (long) thresholdMillis, this::setThresholdMillis)
                        .gauge("ms").range(1, TracerConfig.MAX_MILLIS),
                Attribute.writable("DelayThresholdMillis", Attribute.Type.LONG,
                        "Report a NET_RX/NET_TX softirq that ran this long after it was raised (ms, 1..3600000)",
                        () -> (long) delayThresholdMillis, this::setDelayThresholdMillis)
                        .gauge("ms").range(1, TracerConfig.MAX_MILLIS),
                Attribute.readOnly("SamplePeriodMillis", Attribute.Type.LONG,
                        "Sampling period of every CPU: the kernel's scheduler tick (1000/HZ ms, rounded; "
                                + "learned in the first second, 0 before)",
                        () -> Math.round(tickPeriodNs() / (double) NS_PER_MS)).gauge("ms"),
                Attribute.readOnly("UnavailableKinds", Attribute.Type.STRING,
                        "Kinds that cannot be measured on this kernel, or only on some CPUs, and why; empty when "
                                + "all three run everywhere",
                        this::unavailableKinds),
                Attribute.readOnly("PreemptCountChecks", Attribute.Type.LONG,
                        "preempt_count reads since start, each through this CPU's per-CPU base (checked against "
                                + "cpu_number and current_task on first use and every 256 ticks)",
                        () -> SoftirqCheck.ok(checks(), 0)).counter("reads"),
                Attribute.readOnly("HostStealMillis", Attribute.Type.LONG,
                        "Time the hypervisor kept this machine's virtual CPUs off since boot, summed over CPUs, from "
                                + "the paravirt steal clock (as /proc/stat's steal); 0 on bare metal or without a "
                                + "KVM steal clock. Stolen time is not counted as interrupts or softirqs off",
                        () -> SoftirqCheck.stealNs(checks(), 0) / NS_PER_MS).counter("ms"),
                Attribute.readOnly("StealExcusedCount", Attribute.Type.LONG,
                        "irq_off gaps and softirq delays over the threshold that were not reported because the "
                                + "hypervisor had stolen that time from the virtual CPU",
                        () -> SoftirqCheck.stealExcused(checks(), 0)).counter("stretches"),
                Attribute.readOnly("LateSamplesExcusedCount", Attribute.Type.LONG,
                        "Late ticks not reported as irq_off because they interrupted user mode, where interrupts "
                                + "are always on (the tick was late for another reason)",
                        () -> SoftirqCheck.userExcused(checks(), 0)).counter("samples"));
    }
}
