package io.huatuo.jmx.tracer.dropwatch;

import static io.huatuo.jmx.tracer.RecordFields.address;
import static io.huatuo.jmx.tracer.RecordFields.tcpState;

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

/**
 * dropwatch: TCP packets dropped inside the kernel (bpf/dropwatch.bpf.c, record bpf/dropwatch.h).
 * Hooks tp_btf/kfree_skb, falling back to the classic skb/kfree_skb tracepoint. Reason names come
 * from the running kernel's BTF (enum skb_drop_reason). Normal-teardown reasons are counted per
 * reason but neither reported nor counted as occurrences.
 */
public final class Dropwatch extends BpfTracer {
    public static final String NAME = "dropwatch";
    public static final TracerType<DropwatchConfig> TYPE = new TracerType<>(NAME, DropwatchConfig::read,
            c -> new Dropwatch(c.excludeReasons()), Severity.WARNING);
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
            Field.string("stack", "Kernel stack of the drop, one frame per line: symbol/address [module]"),
            Field.string("reason", "The kernel's skb_drop_reason name, e.g. NO_SOCKET, NETFILTER_DROP"),
            Field.string("ifname", "Network device of the packet, empty if none"),
            Field.int64("netns", "Network namespace inode of the socket or device, 0 if unknown")));

    private final List<String> excludeReasons;
    private String[] reasonNames = new String[0];
    private List<String> reasonKeys = List.of();

    public Dropwatch(List<String> excludeReasons) {
        super(SCHEMA, DropwatchBpf.CONTRACT);
        this.excludeReasons = List.copyOf(excludeReasons);
    }

    @Override
    protected List<Probe> probes() {
        return List.of(new Probe("tp_btf/kfree_skb", Programs.DROPWATCH_BTF),
                new Probe("tracepoint/skb/kfree_skb", Programs.DROPWATCH_TP));
    }

    @Override
    protected int maxRecordBytes() {
        return DropwatchEvent.SIZE;
    }

    @Override
    protected void beforeLoad(BpfObject obj) {
        Map<String, Long> kernel = Btf.vmlinuxEnum("skb_drop_reason");
        String[] names = new String[MAX_REASONS];
        Map<String, Integer> byName = new TreeMap<>();
        for (Map.Entry<String, Long> e : kernel.entrySet()) {
            String n = e.getKey().startsWith(REASON_PREFIX) ? e.getKey().substring(REASON_PREFIX.length()) : e.getKey();
            long v = e.getValue();
            if (n.equals("MAX") || v < 0) {
                continue;
            }
            byName.put(n, (int) v);
            if (v < MAX_REASONS - 1) {
                names[(int) v] = n;
            }
        }
        names[MAX_REASONS - 1] = "OTHER";
        byte[] excluded = new byte[MAX_REASONS];
        for (String r : excludeReasons) {
            Integer v = byName.get(r);
            if (v == null) {
                throw new IllegalArgumentException("tracers.dropwatch.excludeReasons: unknown drop reason '" + r
                        + "' (this kernel knows " + String.join(", ", byName.keySet()) + ")");
            }
            excluded[Math.min(v, MAX_REASONS - 1)] = 1;
        }
        obj.setGlobal(Globals.EXCLUDED_REASON, excluded);
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
        if (reason >= 0 && reason < reasonNames.length && reasonNames[reason] != null) {
            return reasonNames[reason];
        }
        return "REASON_" + Integer.toUnsignedString(reason);
    }

    /** The seed's type, made specific where the reason says what happened. */
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
    protected List<Attribute> extraAttributes() {
        List<Attribute> a = new ArrayList<>();
        a.add(Attribute.readOnly("ExcludedReasons", Attribute.Type.STRING_ARRAY,
                "Normal-teardown reasons counted in DropsByReason but not reported",
                () -> excludeReasons.toArray(String[]::new)));
        if (!reasonKeys.isEmpty()) { // the kernel's reason names are known only once BTF could be read
            a.add(Attribute.counts("DropsByReason", "TCP drops per kernel drop reason since start, excluded reasons too",
                    reasonKeys, this::dropsByReason));
        }
        return a;
    }

    /** Kept for tests: the reason names this kernel knows, by value. */
    List<String> reasonNames() {
        return Arrays.asList(reasonNames);
    }
}
