package io.huatuo.jmx.tracer.softlockup;

import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.kernel.Kmsg;
import io.huatuo.jmx.tracer.KernelFiles;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.SourceTracer;
import io.huatuo.jmx.tracer.TracerState;
import io.huatuo.jmx.tracer.TracerType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * softlockup: a CPU stuck in the kernel. There is no kprobe-free hook for the soft lockup itself,
 * so this tracer reads the kernel's own report from /dev/kmsg, accepting kernel-facility records
 * only (a user process writing to /dev/kmsg always gets a user facility, so it cannot forge one),
 * and keeps the stuck CPU's stack the kernel prints after it. A report counts only when its line
 * has the kernel's own shape from its first character (a segfault line quoting a crafted program
 * name does not) and the kernel itself counted a lockup ({@link Confirmation}). Reading starts
 * after the newest record at start: lockups from before are not replayed.
 * /sys/kernel/softlockup_count cross-checks that no report was missed.
 */
public final class Softlockup extends SourceTracer {
    public static final String NAME = "softlockup";
    public static final TracerType<SoftlockupConfig> TYPE = new TracerType<>(NAME, SoftlockupConfig::read,
            c -> new Softlockup(c.allCpuStacks()), Severity.HIGH);
    private static final Logger LOG = LoggerFactory.getLogger(Softlockup.class);
    static final Path WATCHDOG_THRESH = Path.of("/proc/sys/kernel/watchdog_thresh");
    static final Path SOFT_WATCHDOG = Path.of("/proc/sys/kernel/soft_watchdog");
    static final Path SOFTLOCKUP_COUNT = Path.of("/sys/kernel/softlockup_count");
    static final Path SYSRQ_TRIGGER = Path.of("/proc/sysrq-trigger");
    static final Path TAINTED = Path.of("/proc/sys/kernel/tainted");
    private static final int READ_TIMEOUT_MILLIS = 200; // while a report is open: how soon a silence ends it
    private static final int IDLE_READ_MILLIS = 60_000; // no report open: nothing to time, and shut() wakes a read
    private static final long SHUT_WAIT_MILLIS = 1000;
    private static final long REPORT_QUIET_MILLIS = 1500; // a report without "</TASK>" ends after this silence
    private static final long CPUS_STACK_QUIET_MILLIS = 500;
    private static final long CPUS_STACK_MAX_MILLIS = 3000;

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.int32("cpu", "The stuck CPU"),
            Field.int32("pid", "Task id of the task that was running on it"),
            Field.string("comm", "Command of that task"),
            Field.int32("duration_s", "How long the CPU had been stuck when the kernel reported it, in seconds"),
            Field.string("stack", "The stuck CPU's kernel stack as the kernel printed it (RIP first), one frame "
                    + "per line: symbol+offset/size [module]"),
            Field.string("cpus_stack", "With tracers.softlockup.allCpuStacks on: the kernel log right after the "
                    + "report, with every CPU's backtrace (sysrq l, or the kernel's own with "
                    + "kernel.softlockup_all_cpu_backtrace=1); else empty")))
            .headline("cpu", "comm", "pid", "duration_s");

    private final boolean allCpuStacks;
    private final AtomicLong reports = new AtomicLong();
    private final AtomicLong overwritten = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile Confirmation confirmation;
    private final Queue<Report> followers = new ArrayDeque<>(); // reader thread only
    private volatile long countAtStart;
    private volatile boolean running;
    private Thread reader;
    private Kmsg kmsg;

    public Softlockup(boolean allCpuStacks) {
        super(SCHEMA);
        this.allCpuStacks = allCpuStacks;
    }

    @Override
    protected String open(boolean enabled) throws Exception {
        if (!Files.exists(Path.of("/dev/kmsg"))) {
            throw new Unavailable("/dev/kmsg does not exist");
        }
        Kmsg k;
        try {
            k = Kmsg.openAtEnd();
        } catch (Kmsg.KmsgException e) {
            throw new Unavailable(e.getMessage());
        }
        String probe = "/dev/kmsg (kernel facility only)" + (Files.exists(SOFTLOCKUP_COUNT) ? " + " + SOFTLOCKUP_COUNT
                : " (no " + SOFTLOCKUP_COUNT + " on this kernel: MissedReports cannot be counted)")
                + (KernelFiles.readLong(SOFT_WATCHDOG) == 0 ? " (the kernel's soft lockup detector is off: kernel.soft_watchdog=0)"
                        : "");
        if (allCpuStacks) {
            probe += Files.exists(SYSRQ_TRIGGER) ? "; all-CPU stacks via sysrq l"
                    : "; all-CPU stacks: no " + SYSRQ_TRIGGER + " (kernel without CONFIG_MAGIC_SYSRQ), only those the "
                            + "kernel prints itself with kernel.softlockup_all_cpu_backtrace=1";
        }
        if (!enabled) {
            k.close();
            return probe;
        }
        long count = KernelFiles.readLong(SOFTLOCKUP_COUNT);
        countAtStart = count < 0 ? -1 : count - reports.get(); // reports from an earlier enable stay matched
        confirmation = Confirmation.forThisKernel(countAtStart);
        probe += "; " + confirmation.describe();
        kmsg = k;
        running = true;
        reader = new Thread(() -> readLoop(k), "huatuo-softlockup-kmsg");
        reader.setDaemon(true);
        reader.start();
        return probe;
    }

    @Override
    protected void shut() {
        running = false;
        Kmsg k = kmsg;
        if (k != null) {
            k.wake(); // an idle reader waits in read() up to a minute
        }
        Thread t = reader;
        if (t != null) {
            try {
                t.join(SHUT_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reader = null;
        }
        if (kmsg != null) {
            if (t == null || !t.isAlive()) {
                kmsg.close(); // only once the reader has left read(): the fd number could be reused
            }
            kmsg = null;
        }
    }

    private void readLoop(Kmsg k) {
        ReportParser parser = new ReportParser(refused);
        try {
            while (running) {
                String record = k.read(parser.isOpen() ? READ_TIMEOUT_MILLIS : IDLE_READ_MILLIS);
                long now = System.currentTimeMillis();
                Report done;
                if (record == null) {
                    done = parser.idle(now);
                } else if (record.isEmpty()) {
                    overwritten.incrementAndGet();
                    done = null;
                } else {
                    done = parser.record(record, now);
                }
                if (done != null) {
                    publish(done, k, parser);
                }
                while ((done = followers.poll()) != null) { // reports completed while collecting all-CPU stacks
                    publish(done, k, parser);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("softlockup: reading /dev/kmsg failed, tracer stops reading", e);
            setState(TracerState.FAILED, "reading /dev/kmsg failed: " + e.getMessage());
        }
    }

    private void publish(Report r, Kmsg k, ReportParser parser) {
        if (!confirmation.confirms(reports.get())) {
            refused.incrementAndGet();
            LOG.warn("softlockup: ignored a soft lockup line the kernel did not count ({}; CPU#{} [{}:{}]): "
                    + "counted in RefusedReports", confirmation.describe(), r.cpu, r.comm, r.pid);
            return;
        }
        String cpus = allCpuStacks ? collectAllCpuStacks(k, parser) : "";
        reports.incrementAndGet();
        Event.Builder e = Event.builder(SCHEMA)
                .timeMillis(r.timeMillis)
                .set("cpu", r.cpu)
                .set("pid", r.pid)
                .set("comm", r.comm)
                .set("duration_s", r.durationSeconds)
                .set("stack", String.join("\n", r.stack))
                .set("cpus_stack", cpus);
        report(new PendingEvent(this, e).containerOf(r.pid));
    }

    /**
     * Asks the kernel for every CPU's backtrace (sysrq l, where the kernel has it) and reads the log
     * that follows the report until it goes quiet.
     */
    private String collectAllCpuStacks(Kmsg k, ReportParser parser) {
        StringBuilder sb = new StringBuilder();
        if (Files.exists(SYSRQ_TRIGGER)) {
            try {
                Files.writeString(SYSRQ_TRIGGER, "l");
            } catch (IOException e) {
                sb.append("sysrq l failed: ").append(e.getMessage()).append('\n');
            }
        }
        long start = System.currentTimeMillis();
        long last = start;
        while (running) {
            long now = System.currentTimeMillis();
            if (now - last > CPUS_STACK_QUIET_MILLIS || now - start > CPUS_STACK_MAX_MILLIS) {
                break;
            }
            String record = k.read(100);
            if (record == null || record.isEmpty() || !isKernel(record)) {
                continue;
            }
            last = now;
            Report next = parser.record(record, now); // a new report in between still counts
            if (next != null) {
                followers.add(next);
            }
            sb.append(text(record)).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    /** Whether a /dev/kmsg record ("PRI,seq,usec,flags;text") comes from the kernel (facility 0). */
    static boolean isKernel(String record) {
        int comma = record.indexOf(',');
        if (comma <= 0) {
            return false;
        }
        try {
            return Integer.parseInt(record.substring(0, comma)) < 8;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The message of a /dev/kmsg record, without the header and the key=value continuation lines. */
    static String text(String record) {
        int semi = record.indexOf(';');
        int nl = record.indexOf('\n', semi + 1);
        return record.substring(semi + 1, nl < 0 ? record.length() : nl);
    }

    /**
     * Whether the kernel itself counted the lockup a report line claims. /sys/kernel/softlockup_count
     * (Linux 6.16 and later) rises before the kernel prints each report, so report n since start is
     * real only if the count rose by more than n. Older kernels only have taint flag L
     * (TAINT_SOFTLOCKUP, bit 14 of /proc/sys/kernel/tainted, since Linux 3.17), which the first soft
     * lockup sets until reboot: it proves that some lockup happened, so after the first real one a
     * forged line can no longer be told apart.
     */
    record Confirmation(String how, LongSupplier kernelCount, long countAtStart, LongSupplier tainted) {
        static final long TAINT_SOFTLOCKUP = 1L << 14;

        static Confirmation forThisKernel(long countAtStart) {
            if (countAtStart >= 0) {
                return new Confirmation("count", () -> KernelFiles.readLong(SOFTLOCKUP_COUNT), countAtStart, null);
            }
            if (KernelFiles.readLong(TAINTED) >= 0) {
                return new Confirmation("taint", null, -1, () -> KernelFiles.readLong(TAINTED));
            }
            return new Confirmation("none", null, -1, null);
        }

        /** @param accepted reports accepted since start */
        boolean confirms(long accepted) {
            return switch (how) {
                case "count" -> kernelCount.getAsLong() - countAtStart > accepted;
                case "taint" -> (tainted.getAsLong() & TAINT_SOFTLOCKUP) != 0;
                default -> true;
            };
        }

        String describe() {
            return switch (how) {
                case "count" -> "reports confirmed by " + SOFTLOCKUP_COUNT;
                case "taint" -> "reports confirmed by taint flag L only (no " + SOFTLOCKUP_COUNT
                        + " before Linux 6.16): after the first lockup since boot a forged line is not detected";
                default -> "reports cannot be confirmed (no " + SOFTLOCKUP_COUNT + ", no " + TAINTED + ")";
            };
        }
    }

    /** One parsed soft lockup report. */
    record Report(long timeMillis, int cpu, int pid, String comm, int durationSeconds, List<String> stack) {
    }

    /**
     * Assembles a report from kernel records: the "soft lockup" line, then the RIP line and the call
     * trace of the stuck CPU, until "&lt;/TASK&gt;" or a pause of the log. Not thread-safe.
     */
    static final class ReportParser {
        /** The whole message, as kernel/watchdog.c prints it (comm is at most 15 characters). */
        private static final Pattern BUG = Pattern.compile(
                "(?:NMI )?watchdog: BUG: soft lockup - CPU#(\\d+) stuck for (\\d+)s! \\[(.{1,16}):(\\d+)\\]");
        private static final Pattern RIP = Pattern.compile("RIP: 0010:(.+)"); // kernel code segment
        /** "func+0x2d/0xc0", "? func+0x8/0x10 [module]"; user-mode register lines are not frames */
        private static final Pattern FRAME = Pattern.compile("(\\? )?\\S+\\+0x[0-9a-f]+/0x[0-9a-f]+( \\[.+\\])?");
        /** Any mention of the report text, to count the lines that mention it but are not reports. */
        private static final String MENTION = "soft lockup - CPU#";
        private final AtomicLong refused;
        private Report open;
        private List<String> stack;
        private boolean inTrace;
        private long lastMillis;

        /** @param refused counts lines that mention a soft lockup without being the kernel's report */
        ReportParser(AtomicLong refused) {
            this.refused = refused;
        }

        /** Feeds one /dev/kmsg record; returns a report that this record completed, or null. */
        Report record(String record, long nowMillis) {
            String line = text(record);
            if (!isKernel(record)) {
                if (line.contains(MENTION)) {
                    refused.incrementAndGet(); // written to /dev/kmsg by a process
                }
                return null;
            }
            Matcher m = BUG.matcher(line);
            if (!m.matches() && line.contains(MENTION)) {
                refused.incrementAndGet(); // e.g. a segfault line quoting a program named like a report
            }
            if (m.matches()) {
                Report previous = finish();
                stack = new ArrayList<>();
                inTrace = false;
                lastMillis = nowMillis;
                open = new Report(nowMillis, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(4)),
                        m.group(3), Integer.parseInt(m.group(2)), stack);
                return previous;
            }
            if (open == null) {
                return null;
            }
            lastMillis = nowMillis;
            String t = line.trim();
            Matcher rip = RIP.matcher(t);
            if (!inTrace && rip.matches() && stack.isEmpty()) {
                stack.add(rip.group(1).trim());
            } else if (t.equals("Call Trace:")) {
                inTrace = true;
            } else if (inTrace) {
                if (t.equals("</TASK>")) {
                    return finish();
                }
                if (FRAME.matcher(t).matches()) {
                    stack.add(t);
                }
            }
            return null;
        }

        /** Whether a report has begun and not ended: only then does a silence in the log matter. */
        boolean isOpen() {
            return open != null;
        }

        /** Called when no record came for a while: ends a report whose trace did not close. */
        Report idle(long nowMillis) {
            return open != null && nowMillis - lastMillis > REPORT_QUIET_MILLIS ? finish() : null;
        }

        private Report finish() {
            Report r = open;
            open = null;
            return r;
        }
    }

    @Override
    protected List<Attribute> extraAttributes() {
        return List.of(
                Attribute.readOnly("KernelThresholdSeconds", Attribute.Type.LONG,
                        "The kernel's kernel.watchdog_thresh; a CPU stuck for twice this long is a soft lockup "
                                + "(-1 if unreadable)", () -> KernelFiles.readLong(WATCHDOG_THRESH)).gauge("s"),
                Attribute.readOnly("KernelSoftlockupCount", Attribute.Type.LONG,
                        "Soft lockups the kernel counted since boot (/sys/kernel/softlockup_count, -1 if absent)",
                        () -> KernelFiles.readLong(SOFTLOCKUP_COUNT)).counter("lockups"),
                Attribute.readOnly("MissedReports", Attribute.Type.LONG,
                        "Soft lockups the kernel counted since start whose report was not read from /dev/kmsg "
                                + "(e.g. overwritten in the log buffer)",
                        () -> {
                            long now = KernelFiles.readLong(SOFTLOCKUP_COUNT);
                            return now < 0 || countAtStart < 0 ? 0L
                                    : Math.max(0L, now - countAtStart - reports.get());
                        }).counter("lockups"),
                Attribute.readOnly("OverwrittenLogReads", Attribute.Type.LONG,
                        "Times the kernel log overwrote records before they were read", overwritten::get)
                        .counter("reads"),
                Attribute.readOnly("RefusedReports", Attribute.Type.LONG,
                        "Kernel log lines that mention a soft lockup but are not the kernel's report: not from the "
                                + "kernel, not the report's exact shape, or not counted by the kernel (softlockup_count "
                                + "did not rise; without it, taint flag L is not set). Forgeries, not reported",
                        refused::get).counter("lines"));
    }
}
