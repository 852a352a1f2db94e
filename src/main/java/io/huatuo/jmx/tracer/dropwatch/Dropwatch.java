package io.huatuo.jmx.tracer.dropwatch;

import static io.huatuo.jmx.tracer.RecordFields.address;
import static io.huatuo.jmx.tracer.RecordFields.tcpState;

import io.huatuo.jmx.bpf.BpfException;
import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.bpf.Btf;
import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.tracer.BpfTracer;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.dropwatch.DropwatchBpf.DropwatchEvent;
import io.huatuo.jmx.tracer.dropwatch.DropwatchBpf.DropwatchReasonCounts;
import io.huatuo.jmx.tracer.dropwatch.DropwatchBpf.Globals;
import io.huatuo.jmx.tracer.dropwatch.DropwatchBpf.Maps;
import io.huatuo.jmx.tracer.dropwatch.DropwatchBpf.Programs;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dropwatch: TCP packets dropped inside the kernel (bpf/dropwatch.bpf.c, record bpf/dropwatch.h).
 * Hooks tp_btf/kfree_skb in the running kernel's shape (rx_sk since 6.11, the reason since 5.17); no
 * classic-tracepoint fallback (a perf event, refused to the service under Debian's perf_event_paranoid=3,
 * and every supported kernel loads a tp_btf shape). Reason names come from the running kernel's
 * BTF (enum skb_drop_reason); a kernel without it (before 5.17) reports drops without a reason.
 * Normal-teardown reasons are counted per reason but neither reported nor counted as occurrences.
 */
public final class Dropwatch extends BpfTracer {
    public static final String NAME = "dropwatch";
    public static final TracerType<DropwatchConfig> TYPE = new TracerType<>(NAME, DropwatchConfig::read,
            c -> new Dropwatch(c.excludeReasons(), c.excludeReasonsSetIn(), c.excludeTimeWait(),
                    c.excludeLateSegments()),
            Severity.WARNING);
    private static final String REASON_PREFIX = "SKB_DROP_REASON_";
    private static final int MAX_REASONS = DropwatchBpf.MAX_REASONS;

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.string("type", "Kind of drop: common_drop, or netfilter_drop, no_socket, tcp_drop, "
                    + "socket_overflow, queue_drop where the reason says so"),
            Field.string("comm", "Command of the task in whose context the packet was dropped"),
            Field.int32("pid", "Process id (tgid) of that task; 0 in softirq context of the idle task"),
            Field.string("saddr", "Source address of the packet"),
            Field.string("daddr", "Destination address of the packet"),
            Field.int32("sport", "TCP source port"),
            Field.int32("dport", "TCP destination port"),
            Field.string("src_hostname", "Reverse DNS name of saddr, empty if unknown"),
            Field.string("dest_hostname", "Reverse DNS name of daddr, empty if unknown"),
            Field.int32("max_ack_backlog", "Listen backlog limit of the socket, 0 without a socket"),
            Field.int64("seq", "TCP sequence number"),
            Field.int64("ack_seq", "TCP acknowledgment number"),
            Field.int32("queue_mapping", "Device queue the packet was mapped to"),
            Field.int32("pkt_len", "Length of the packet (skb->len) in bytes"),
            Field.string("state", "TCP state of the socket (e.g. ESTABLISHED), empty without a socket"),
            Field.string("stack", "Kernel stack of the drop, one frame per line: symbol/address [module] (address "
                    + "zeros unless stackAddresses: shown)"),
            Field.string("reason", "The kernel's skb_drop_reason name, e.g. NO_SOCKET, NETFILTER_DROP"),
            Field.string("ifname", "Network device of the packet, empty if none"),
            Field.int64("netns", "Network namespace inode of the socket or device, 0 if unknown")))
            .headline("reason", "state", "saddr", "sport", "daddr", "dport");

    private static final Logger LOG = LoggerFactory.getLogger(Dropwatch.class);

    private final Map<String, Integer> kernelReasons; // by name, without the prefix; empty before 5.17
    private final List<String> excludeReasons;        // the ones in effect on this kernel
    private final boolean excludeTimeWait;
    private final boolean excludeLateSegments;
    private String[] reasonNames = new String[0];
    private List<String> reasonKeys = List.of();

    /**
     * Resolves the excluded reasons against the running kernel before any BPF program loads: one
     * configuration serves kernels of several versions, so a reason this kernel lacks is left out
     * with a warning (naming where it was set) rather than stopping the daemon.
     *
     * @param excludeReasons the configured reasons
     * @param setIn          where they were set ("file: key"), or null for the built-in defaults
     *                       (whose reasons missing here are only mentioned at INFO)
     * @param excludeTimeWait count, not report, NOT_SPECIFIED drops on TIME_WAIT sockets
     * @param excludeLateSegments count, not report, NO_SOCKET drops of segments with neither SYN nor data
     */
    public Dropwatch(List<String> excludeReasons, String setIn, boolean excludeTimeWait, boolean excludeLateSegments) {
        super(SCHEMA, DropwatchBpf.CONTRACT);
        this.excludeTimeWait = excludeTimeWait;
        this.excludeLateSegments = excludeLateSegments;
        Map<String, Integer> known;
        try {
            known = kernelReasons();
        } catch (BpfException e) {
            known = Map.of(); // no enum (before 5.17) or no BTF at all (then no probe loads either)
        }
        this.kernelReasons = known;
        Excluded x = excluded(excludeReasons, known, setIn);
        this.excludeReasons = x.inEffect();
        if (x.warning() != null) {
            if (setIn != null) {
                LOG.warn("{}", x.warning());
            } else {
                LOG.info("{}", x.warning());
            }
        }
    }

    /** The excluded reasons in effect, and what to tell the operator about the rest (null: nothing). */
    record Excluded(List<String> inEffect, String warning) {
    }

    static Excluded excluded(List<String> wanted, Map<String, Integer> kernel, String setIn) {
        String where = setIn != null ? setIn : "dropwatch: default excludeReasons";
        if (wanted.isEmpty()) {
            return new Excluded(List.of(), null);
        }
        if (kernel.isEmpty()) {
            return new Excluded(List.of(), where + ": this kernel has no drop reasons (enum skb_drop_reason"
                    + " appeared in Linux 5.17), so no drop can be excluded by reason: every TCP drop is reported");
        }
        List<String> in = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String r : wanted) {
            (kernel.containsKey(r) ? in : missing).add(r);
        }
        if (missing.isEmpty()) {
            return new Excluded(List.copyOf(in), null);
        }
        return new Excluded(List.copyOf(in), where + ": drop reason" + (missing.size() > 1 ? "s " : " ")
                + String.join(", ", missing) + " unknown to this kernel, ignored; excluded here: "
                + (in.isEmpty() ? "none" : String.join(", ", in)) + " (ExcludedReasons)");
    }

    /** The running kernel's drop reasons by name (without SKB_DROP_REASON_); throws if it has none. */
    private static Map<String, Integer> kernelReasons() {
        Map<String, Integer> byName = new TreeMap<>();
        for (Map.Entry<String, Long> e : Btf.vmlinuxEnum("skb_drop_reason").entrySet()) {
            String n = e.getKey().startsWith(REASON_PREFIX) ? e.getKey().substring(REASON_PREFIX.length()) : e.getKey();
            long v = e.getValue();
            if (!n.equals("MAX") && v >= 0 && v <= Integer.MAX_VALUE) {
                byName.put(n, (int) v);
            }
        }
        return byName;
    }

    @Override
    protected List<Probe> probes() {
        // a tp_btf program may not read an argument the kernel's tracepoint lacks: newest shape first
        return List.of(new Probe("tp_btf/kfree_skb", Programs.DROPWATCH_BTF),
                new Probe("tp_btf/kfree_skb (no rx_sk: before 6.11)", Programs.DROPWATCH_BTF_REASON),
                new Probe("tp_btf/kfree_skb (no drop reasons: before 5.17)", Programs.DROPWATCH_BTF_NOREASON));
    }

    @Override
    protected int maxRecordBytes() {
        return DropwatchEvent.SIZE;
    }

    @Override
    protected void beforeLoad(BpfObject obj) {
        if (kernelReasons.isEmpty()) { // drops carry no reason: nothing to name, count or exclude
            obj.setGlobal("excluded_reason", new byte[MAX_REASONS]);
            this.reasonNames = new String[0];
            this.reasonKeys = List.of();
            return;
        }
        String[] names = new String[MAX_REASONS];
        for (Map.Entry<String, Integer> e : kernelReasons.entrySet()) {
            if (e.getValue() < MAX_REASONS - 1) {
                names[e.getValue()] = e.getKey();
            }
        }
        names[MAX_REASONS - 1] = "OTHER";
        byte[] excluded = new byte[MAX_REASONS];
        for (String r : excludeReasons) { // resolved against this kernel's reasons at construction
            excluded[Math.min(kernelReasons.get(r), MAX_REASONS - 1)] = 1;
        }
        obj.setGlobal(Globals.EXCLUDED_REASON, excluded);
        Integer unspecified = kernelReasons.get("NOT_SPECIFIED");
        obj.setGlobalInt(Globals.TIME_WAIT_REASON, excludeTimeWait && unspecified != null ? unspecified : -1);
        Integer noSocket = kernelReasons.get("NO_SOCKET");
        obj.setGlobalInt(Globals.LATE_SEGMENT_REASON, excludeLateSegments && noSocket != null ? noSocket : -1);
        List<String> keys = new ArrayList<>();
        for (String n : names) {
            if (n != null) {
                keys.add(n);
            }
        }
        this.reasonNames = names;
        this.reasonKeys = Collections.unmodifiableList(keys);
    }

    @Override
    protected PendingEvent decode(ByteBuffer b, int at, int length) {
        requireRecordBytes(length, DropwatchEvent.SIZE);
        int family = DropwatchEvent.family(b, at);
        String reasonName = reasonName(DropwatchEvent.reason(b, at));
        String saddr = address(b, at + DropwatchEvent.SADDR_OFFSET, family);
        String daddr = address(b, at + DropwatchEvent.DADDR_OFFSET, family);
        Event.Builder e = Event.builder(SCHEMA)
                .timeMillis(epochMillis(DropwatchEvent.ktimeNs(b, at)))
                .set("type", dropType(reasonName))
                .set("comm", DropwatchEvent.comm(b, at))
                .set("pid", DropwatchEvent.pid(b, at))
                .set("saddr", saddr)
                .set("daddr", daddr)
                .set("sport", DropwatchEvent.sport(b, at))
                .set("dport", DropwatchEvent.dport(b, at))
                .set("max_ack_backlog", DropwatchEvent.maxAckBacklog(b, at))
                .set("seq", Integer.toUnsignedLong(DropwatchEvent.seq(b, at)))
                .set("ack_seq", Integer.toUnsignedLong(DropwatchEvent.ackSeq(b, at)))
                .set("queue_mapping", DropwatchEvent.queueMapping(b, at))
                .set("pkt_len", DropwatchEvent.pktLen(b, at))
                .set("state", tcpState(DropwatchEvent.state(b, at)))
                .set("reason", reasonName)
                .set("ifname", DropwatchEvent.ifname(b, at))
                .set("netns", DropwatchEvent.netns(b, at));
        long[] ips = DropwatchEvent.stackFirst(b, at, DropwatchEvent.stackBytes(b, at) / 8);
        // Drops run in softirq context as often as not: the pid is whoever was on the CPU, so it
        // gets no container attribution of its own.
        return new PendingEvent(this, e).stack("stack", ips)
                .resolve("src_hostname", saddr).resolve("dest_hostname", daddr);
    }

    private String reasonName(int reason) {
        if (kernelReasons.isEmpty()) {
            return "";
        }
        if (reason >= 0 && reason < reasonNames.length && reasonNames[reason] != null) {
            return reasonNames[reason];
        }
        return "REASON_" + Integer.toUnsignedString(reason);
    }

    /** HUATUO's type, made specific where the reason says what happened. */
    static String dropType(String reason) {
        return switch (reason) {
            case "NETFILTER_DROP" -> "netfilter_drop";
            case "NO_SOCKET" -> "no_socket";
            case "SOCKET_RCVBUFF", "SOCKET_BACKLOG", "PROTO_MEM", "TCP_BACKLOG" -> "socket_overflow";
            case "QDISC_DROP", "CPU_BACKLOG", "FULL_RING", "TC_EGRESS", "TC_INGRESS" -> "queue_drop";
            default -> reason.startsWith("TCP_") ? "tcp_drop" : "common_drop";
        };
    }

    /** Drops per kernel reason since start, every TCP drop (excluded reasons too). */
    public Map<String, Long> dropsByReason() {
        Map<String, Long> m = new LinkedHashMap<>();
        ByteBuffer counts = object() == null ? null : object().map(Maps.REASON_COUNTS).sumPerCpuU64Struct(0);
        for (int i = 0; i < reasonNames.length; i++) {
            if (reasonNames[i] != null) {
                m.put(reasonNames[i], counts == null ? 0 : DropwatchReasonCounts.count(counts, 0, i));
            }
        }
        return m;
    }

    @Override
    protected OwnTrafficNames ownTrafficNames() {
        return new OwnTrafficNames(Globals.OWN_NETNS, Globals.OWN_PORTS, Maps.OWN_TRAFFIC);
    }

    @Override
    protected List<Attribute> extraAttributes() {
        List<Attribute> a = new ArrayList<>();
        a.add(ownTrafficAttribute());
        a.add(Attribute.readOnly("ExcludedReasons", Attribute.Type.STRING_ARRAY,
                "Reasons that are TCP's normal operation (teardown, duplicates): counted in DropsByReason, not reported",
                () -> excludeReasons.toArray(String[]::new)));
        a.add(Attribute.readOnly("ExcludeTimeWait", Attribute.Type.BOOLEAN,
                "Whether NOT_SPECIFIED drops on a TIME_WAIT socket (segments TCP's TIME_WAIT handling answered and "
                        + "freed) are counted in DropsByReason only (tracers.dropwatch.excludeTimeWait)",
                () -> excludeTimeWait));
        a.add(Attribute.readOnly("ExcludeLateSegments", Attribute.Type.BOOLEAN,
                "Whether NO_SOCKET drops of segments with neither SYN nor data (a late ACK, FIN or RST of a connection "
                        + "this host has already closed) are counted in DropsByReason only "
                        + "(tracers.dropwatch.excludeLateSegments)",
                () -> excludeLateSegments));
        if (!reasonKeys.isEmpty()) { // the kernel's reason names are known only once BTF could be read
            a.add(Attribute.counts("DropsByReason", "TCP drops per kernel drop reason since start, excluded reasons too",
                    reasonKeys, this::dropsByReason).counter("packets"));
        }
        return a;
    }

    /** Kept for tests: the reason names this kernel knows, by value. */
    List<String> reasonNames() {
        return Arrays.asList(reasonNames);
    }
}
