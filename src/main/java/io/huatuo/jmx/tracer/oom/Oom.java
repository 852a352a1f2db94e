package io.huatuo.jmx.tracer.oom;


import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.tracer.BpfTracer;
import io.huatuo.jmx.tracer.MemcgPath;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.oom.OomBpf.OomEvent;
import io.huatuo.jmx.tracer.oom.OomBpf.Programs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * oom: OOM kills on the host or in a container (bpf/oom.bpf.c, record bpf/oom.h). Hooks
 * tp_btf/mark_victim, where the victim is the argument and the trigger is the current task; the
 * kernel's "oom-kill:" log line, collected by the console tracepoint in the trigger's context, gives
 * the constraint and the memcg that hit its limit. Containers of trigger and victim come from the
 * memcg paths read in the kernel, so a victim that is already gone is still attributed. The event's
 * envelope carries the victim's container; {@code HostOomCount} and {@code ContainerOomCount} split
 * the reported OOMs by it.
 */
public final class Oom extends BpfTracer {
    public static final String NAME = "oom";
    public static final TracerType<OomConfig> TYPE = new TracerType<>(NAME, OomConfig::read,
            c -> new Oom(), Severity.HIGH);
    private static final Pattern CONSTRAINT = Pattern.compile("^oom-kill:constraint=(\\w+),");
    private static final Pattern OOM_MEMCG = Pattern.compile(",oom_memcg=(.*?),(?:task_memcg|task)=");
    private static final Pattern VICTIM_PID = Pattern.compile(",pid=(\\d+),uid=\\d+\\s*$");

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.int32("trigger_pid", "Process id of the task whose allocation ran out of memory"),
            Field.string("trigger_process_name", "Command of the triggering task"),
            Field.string("trigger_memcg_css", "Kernel address of the triggering task's memory cgroup css, hex (zeros unless "
                    + "stackAddresses: shown)"),
            Field.string("trigger_memcg", "Memory cgroup path of the triggering task"),
            Field.string("trigger_container_id", "Container of the triggering task (short id), empty on the host"),
            Field.string("trigger_container_hostname", "Hostname of the triggering task's container, empty if unknown"),
            Field.int32("victim_pid", "Process id of the task the OOM killer killed"),
            Field.string("victim_process_name", "Command of the killed task"),
            Field.string("victim_memcg_css", "Kernel address of the killed task's memory cgroup css, hex (zeros unless "
                    + "stackAddresses: shown)"),
            Field.string("victim_memcg", "Memory cgroup path of the killed task"),
            Field.string("victim_container_id", "Container of the killed task (short id), empty on the host"),
            Field.string("victim_container_hostname",
                    "Hostname of the killed task's container, empty if unknown (it is read from the live process)"),
            Field.int64("victim_total_vm_kb", "Address space of the killed task in kB"),
            Field.int64("victim_anon_rss_kb", "Anonymous resident memory of the killed task in kB, as the kernel reports it"),
            Field.int32("victim_uid", "User id of the killed task"),
            Field.int32("victim_oom_score_adj", "oom_score_adj of the killed task"),
            Field.string("constraint", "The kernel's OOM constraint, e.g. CONSTRAINT_MEMCG or CONSTRAINT_NONE; "
                    + "empty when its log line was rate limited by the kernel"),
            Field.string("oom_memcg", "Memory cgroup that hit its limit (from the kernel's oom-kill line); "
                    + "empty for a host-wide OOM or when the line was not seen")));

    private final AtomicLong hostOoms = new AtomicLong();
    private final AtomicLong containerOoms = new AtomicLong();

    public Oom() {
        super(SCHEMA, OomBpf.CONTRACT);
    }

    @Override
    protected List<Probe> probes() {
        return List.of(new Probe("tp_btf/mark_victim, tp_btf/console", Programs.OOM_BTF, Programs.OOM_CONSOLE_BTF),
                new Probe("tp_btf/mark_victim (no oom-kill line: constraint and oom_memcg stay empty)",
                        Programs.OOM_BTF));
    }

    @Override
    protected int maxRecordBytes() {
        return OomEvent.SIZE;
    }

    @Override
    protected PendingEvent decode(ByteBuffer b, int at, int length) {
        requireRecordBytes(length, OomEvent.SIZE);
        int triggerPid = OomEvent.triggerPid(b, at);
        int victimPid = OomEvent.victimPid(b, at);
        int triggerMemcgAt = at + OomEvent.TRIGGER_MEMCG_OFFSET;
        int victimMemcgAt = at + OomEvent.VICTIM_MEMCG_OFFSET;
        String triggerMemcg = MemcgPath.path(b, triggerMemcgAt);
        boolean hasVictimMemcg = OomEvent.hasVictimMemcg(b, at) != 0;
        String victimMemcg = hasVictimMemcg ? MemcgPath.path(b, victimMemcgAt) : "";
        String kmsg = kmsgLine(b, at + OomEvent.KMSG_OFFSET, Math.min(OomEvent.kmsgLen(b, at), OomBpf.KMSG_LEN),
                OomEvent.victimTid(b, at));
        Event.Builder e = Event.builder(SCHEMA)
                .timeMillis(epochMillis(OomEvent.ktimeNs(b, at)))
                .set("trigger_pid", triggerPid)
                .set("trigger_process_name", OomEvent.triggerComm(b, at))
                .set("trigger_memcg_css", MemcgPath.css(b, triggerMemcgAt))
                .set("trigger_memcg", triggerMemcg)
                .set("victim_pid", victimPid)
                .set("victim_process_name", OomEvent.victimComm(b, at))
                .set("victim_memcg_css", hasVictimMemcg ? MemcgPath.css(b, victimMemcgAt) : "")
                .set("victim_memcg", victimMemcg)
                .set("victim_total_vm_kb", OomEvent.totalVmKb(b, at))
                .set("victim_anon_rss_kb", OomEvent.anonRssKb(b, at))
                .set("victim_uid", OomEvent.victimUid(b, at))
                .set("victim_oom_score_adj", OomEvent.victimOomScoreAdj(b, at))
                .set("constraint", constraint(kmsg))
                .set("oom_memcg", oomMemcg(kmsg));
        return new PendingEvent(this, e)
                .containerOf(victimPid, victimMemcg)
                .containerFields("trigger_", triggerPid, triggerMemcg)
                .containerFields("victim_", victimPid, victimMemcg)
                .whenComplete(ev -> (ev.container().isPresent() ? containerOoms : hostOoms).incrementAndGet());
    }

    /** The collected oom-kill line if it names this victim thread, else "" (another OOM's, or none). */
    static String kmsgLine(ByteBuffer b, int at, int len, int victimTid) {
        byte[] raw = new byte[Math.max(len, 0)];
        b.get(at, raw);
        String line = new String(raw, StandardCharsets.UTF_8).replace("\0", "");
        Matcher m = VICTIM_PID.matcher(line);
        return m.find() && m.group(1).equals(Integer.toString(victimTid)) ? line : "";
    }

    /** CONSTRAINT_MEMCG, CONSTRAINT_NONE, ... from an oom-kill line; "" if absent. */
    static String constraint(String kmsgLine) {
        return group(CONSTRAINT, kmsgLine);
    }

    /** The memcg that hit its limit, from an oom-kill line; "" for a global OOM. */
    static String oomMemcg(String kmsgLine) {
        return group(OOM_MEMCG, kmsgLine);
    }

    private static String group(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.find() ? m.group(1) : "";
    }

    @Override
    protected List<Attribute> extraAttributes() {
        return List.of(
                Attribute.readOnly("HostOomCount", Attribute.Type.LONG,
                        "Reported OOM kills whose victim was a host process", hostOoms::get),
                Attribute.readOnly("ContainerOomCount", Attribute.Type.LONG,
                        "Reported OOM kills whose victim was in a container", containerOoms::get));
    }
}
