package io.huatuo.jmx.tracer.hungtask;


import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.tracer.BpfTracer;
import io.huatuo.jmx.tracer.KernelFiles;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.hungtask.HungtaskBpf.HungtaskEvent;
import io.huatuo.jmx.tracer.hungtask.HungtaskBpf.HungtaskTask;
import io.huatuo.jmx.tracer.hungtask.HungtaskBpf.Programs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/**
 * hungtask: tasks stuck in D state (bpf/hungtask.bpf.c, records bpf/hungtask.h). khungtaskd's report
 * arrives through tp_btf/sched_process_hang; the enrichment thread then runs the task iterator once
 * and lists every D-state task with its stack, so the scene survives after it clears. No sysrq, no
 * kernel log.
 */
public final class Hungtask extends BpfTracer {
    public static final String NAME = "hungtask";
    public static final TracerType<HungtaskConfig> TYPE = new TracerType<>(NAME, HungtaskConfig::read,
            c -> new Hungtask(), Severity.HIGH);
    static final Path TIMEOUT_SYSCTL = Path.of("/proc/sys/kernel/hung_task_timeout_secs");

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.int32("pid", "Task id of the task the kernel reported as hung"),
            Field.string("comm", "Command of that task"),
            Field.int32("blocked_tasks", "D-state tasks on the host when the report came (TASK_NOLOAD waiters excluded)"),
            Field.string("blocked_processes_stack", "Every D-state task: a line 'comm pid=… tgid=… state=0x…' "
                    + "followed by its kernel stack, one frame per line; tasks separated by an empty line"),
            Field.int64("hung_task_timeout_secs", "The kernel's kernel.hung_task_timeout_secs at the time")));

    public Hungtask() {
        super(SCHEMA, HungtaskBpf.CONTRACT);
    }

    @Override
    protected List<Probe> probes() {
        return List.of(new Probe("tp_btf/sched_process_hang + iter/task", Programs.HUNGTASK_HANG));
    }

    @Override
    protected List<String> alwaysLoaded() {
        return List.of(Programs.HUNGTASK_DSTATE);
    }

    @Override
    protected int maxRecordBytes() {
        return HungtaskEvent.SIZE;
    }

    @Override
    protected PendingEvent decode(ByteBuffer b, int at, int length) {
        requireRecordBytes(length, HungtaskEvent.SIZE);
        Event.Builder e = Event.builder(SCHEMA)
                .timeMillis(epochMillis(HungtaskEvent.ktimeNs(b, at)))
                .set("pid", HungtaskEvent.pid(b, at))
                .set("comm", HungtaskEvent.comm(b, at))
                .set("hung_task_timeout_secs", kernelTimeoutSeconds());
        BpfObject obj = object();
        // The iterator walks every task: run it on the enrichment thread, never on the poller.
        return new PendingEvent(this, e).containerOf(HungtaskEvent.tgid(b, at))
                .later((builder, symbols) -> listBlocked(obj, builder, symbols));
    }

    private void listBlocked(BpfObject obj, Event.Builder builder, PendingEvent.StackSymbols symbols) {
        byte[] raw;
        synchronized (this) { // close() frees the object under the same lock
            if (object() != obj || obj == null) {
                builder.set("blocked_tasks", 0).set("blocked_processes_stack", "");
                return;
            }
            raw = obj.readIterator(Programs.HUNGTASK_DSTATE);
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        StringBuilder text = new StringBuilder();
        int count = 0;
        for (int at = 0; at + HungtaskTask.SIZE <= raw.length; at += HungtaskTask.SIZE, count++) {
            long[] ips = HungtaskTask.stackFirst(b, at, HungtaskTask.stackBytes(b, at) / 8);
            if (count > 0) {
                text.append("\n\n");
            }
            text.append(HungtaskTask.comm(b, at)).append(" pid=").append(HungtaskTask.pid(b, at))
                    .append(" tgid=").append(HungtaskTask.tgid(b, at))
                    .append(" state=0x").append(Integer.toHexString(HungtaskTask.state(b, at)));
            String stack = symbols.stack(ips);
            if (!stack.isEmpty()) {
                text.append('\n').append(stack);
            }
        }
        builder.set("blocked_tasks", count).set("blocked_processes_stack", text.toString());
    }

    /** The kernel's hung_task_timeout_secs, -1 when it cannot be read (no CONFIG_DETECT_HUNG_TASK). */
    static long kernelTimeoutSeconds() {
        return KernelFiles.readLong(TIMEOUT_SYSCTL);
    }

    @Override
    protected List<Attribute> extraAttributes() {
        return List.of(Attribute.readOnly("HungTaskTimeoutSeconds", Attribute.Type.LONG,
                "The kernel's kernel.hung_task_timeout_secs: a task in D state this long is reported "
                        + "(0 disables the kernel's detector; -1 if unreadable)",
                Hungtask::kernelTimeoutSeconds));
    }
}
