package io.huatuo.jmx.tracer.netrecvlat;

import static io.huatuo.jmx.tracer.RecordFields.address;
import static io.huatuo.jmx.tracer.RecordFields.tcpState;

import io.huatuo.jmx.bpf.Bpf;
import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.tracer.BpfTracer;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.netrecvlat.NetrecvlatBpf.Globals;
import io.huatuo.jmx.tracer.netrecvlat.NetrecvlatBpf.NetrecvlatEvent;
import io.huatuo.jmx.tracer.netrecvlat.NetrecvlatBpf.Programs;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * netrecvlat: TCP packets left waiting on the receive path (bpf/netrecvlat.bpf.c, record
 * bpf/netrecvlat.h). Three tp_btf programs measure the time since the packet's arrival at
 * netif_receive_skb (TO_NETIF_RCV), tcp_probe (TO_TCPV4_RCV) and the copy to the reader
 * (TO_USER_COPY); each stage has its own threshold, writable at run time. No receive timestamping is
 * switched on: the arrival of a socket's oldest unread data lives in the socket's own BPF storage, or,
 * on kernels whose tracing programs cannot use socket storage (before 5.11), each packet's arrival in
 * a slot array keyed by skb (see the BPF file for why and what each costs).
 */
public final class Netrecvlat extends BpfTracer {
    public static final String NAME = "netrecvlat";
    public static final TracerType<NetrecvlatConfig> TYPE = new TracerType<>(NAME, NetrecvlatConfig::read,
            Netrecvlat::new, Severity.WARNING);
    static final String HOOKS = "tp_btf/netif_receive_skb, tp_btf/tcp_probe, tp_btf/skb_copy_datagram_iovec";
    static final String PER_SOCKET = HOOKS + "; arrivals per socket";
    static final String PER_PACKET = HOOKS + "; arrivals per packet (no socket storage for tracing programs,"
            + " Linux 5.11+)";
    static final String[] WHERE = {"TO_NETIF_RCV", "TO_TCPV4_RCV", "TO_USER_COPY"};
    private static final String[] GLOBALS = {Globals.THRESHOLD_NETIF_NS, Globals.THRESHOLD_TCP_NS,
        Globals.THRESHOLD_COPY_NS};
    private static final String[] ATTRIBUTES = {"ThresholdNetifMillis", "ThresholdTcpMillis",
        "ThresholdUserCopyMillis"};

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.string("comm", "Command of the current task: the reader at TO_USER_COPY, else often the "
                    + "sender or a softirq"),
            Field.int32("pid", "Process id (tgid) of that task"),
            Field.string("where", "Stage where the latency was over its threshold: TO_NETIF_RCV, TO_TCPV4_RCV "
                    + "or TO_USER_COPY"),
            Field.int64("latency_ms", "Milliseconds since the packet arrived (its device or sender stamp, else "
                    + "netif_receive_skb); at TO_USER_COPY the oldest data of the copied skb"),
            Field.string("state", "TCP state of the receiving socket, empty at TO_NETIF_RCV"),
            Field.string("saddr", "Source address of the packet (the sender)"),
            Field.string("daddr", "Destination address of the packet (this host)"),
            Field.int32("sport", "TCP source port of the packet"),
            Field.int32("dport", "TCP destination port of the packet"),
            Field.int64("seq", "TCP sequence number of the packet"),
            Field.int64("ack_seq", "TCP acknowledgment number of the packet"),
            Field.int32("pkt_len", "skb->len at the stage in bytes (at TO_USER_COPY: data still to copy, "
                    + "coalesced segments included)")))
            .headline("where", "latency_ms", "comm", "pid", "saddr", "sport", "daddr", "dport");

    private final long[] thresholdMillis = new long[3];

    public Netrecvlat(NetrecvlatConfig config) {
        super(SCHEMA, NetrecvlatBpf.CONTRACT);
        thresholdMillis[0] = config.thresholdNetifMillis();
        thresholdMillis[1] = config.thresholdTcpMillis();
        thresholdMillis[2] = config.thresholdUserCopyMillis();
    }

    @Override
    protected List<Probe> probes() {
        // the first that loads: per socket costs a fraction of per packet (README, Receive timestamps)
        return List.of(new Probe(PER_SOCKET, Programs.NETRECVLAT_NETIF, Programs.NETRECVLAT_TCP,
                Programs.NETRECVLAT_COPY),
                new Probe(PER_PACKET, Programs.NETRECVLAT_SLOT_NETIF, Programs.NETRECVLAT_SLOT_TCP,
                        Programs.NETRECVLAT_SLOT_COPY).withOwnMaps(NetrecvlatBpf.Maps.ARRIVALS));
    }

    @Override
    protected int maxRecordBytes() {
        return NetrecvlatEvent.SIZE;
    }

    @Override
    protected void beforeLoad(BpfObject obj) {
        for (int i = 0; i < 3; i++) {
            obj.setGlobalLong(GLOBALS[i], thresholdMillis[i] * 1_000_000L);
        }
        Instant now = Instant.now();
        long realtimeNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        obj.setGlobalLong(Globals.REALTIME_OFFSET_NS, realtimeNs - System.nanoTime());
        // known from the first packet: the programs screen and stamp with jiffies at once instead of learning the tick
        obj.setGlobalLong(Globals.TICK_NS, Bpf.tickNanos());
    }

    @Override
    protected PendingEvent decode(ByteBuffer b, int at, int length) {
        requireRecordBytes(length, NetrecvlatEvent.SIZE);
        int family = NetrecvlatEvent.family(b, at);
        int where = NetrecvlatEvent.where(b, at);
        int pid = NetrecvlatEvent.pid(b, at);
        Event.Builder e = Event.builder(SCHEMA)
                .timeMillis(epochMillis(NetrecvlatEvent.ktimeNs(b, at)))
                .set("comm", NetrecvlatEvent.comm(b, at))
                .set("pid", pid)
                .set("where", where < WHERE.length ? WHERE[where] : "STAGE_" + where)
                .set("latency_ms", NetrecvlatEvent.latencyNs(b, at) / 1_000_000L)
                .set("state", where == NetrecvlatBpf.TO_NETIF_RCV ? "" : tcpState(NetrecvlatEvent.state(b, at)))
                .set("saddr", address(b, at + NetrecvlatEvent.SADDR_OFFSET, family))
                .set("daddr", address(b, at + NetrecvlatEvent.DADDR_OFFSET, family))
                .set("sport", NetrecvlatEvent.sport(b, at))
                .set("dport", NetrecvlatEvent.dport(b, at))
                .set("seq", Integer.toUnsignedLong(NetrecvlatEvent.seq(b, at)))
                .set("ack_seq", Integer.toUnsignedLong(NetrecvlatEvent.ackSeq(b, at)))
                .set("pkt_len", NetrecvlatEvent.pktLen(b, at));
        PendingEvent p = new PendingEvent(this, e);
        // only the copy runs in the reader's context; the earlier stages run in softirq
        return where == NetrecvlatBpf.TO_USER_COPY ? p.containerOf(pid) : p;
    }

    long thresholdMillis(int stage) {
        return thresholdMillis[stage];
    }

    synchronized void setThresholdMillis(int stage, long value) {
        if (value < 1 || value > TracerConfig.MAX_MILLIS) {
            throw new IllegalArgumentException(ATTRIBUTES[stage] + " must be between 1 and " + TracerConfig.MAX_MILLIS
                    + ", got " + value);
        }
        BpfObject obj = object();
        if (obj != null) {
            obj.setGlobalLong(GLOBALS[stage], value * 1_000_000L);
        }
        thresholdMillis[stage] = value;
    }

    @Override
    protected OwnTrafficNames ownTrafficNames() {
        return new OwnTrafficNames(Globals.OWN_NETNS, Globals.OWN_PORTS, NetrecvlatBpf.Maps.OWN_TRAFFIC);
    }

    @Override
    protected List<Attribute> extraAttributes() {
        String[] what = {"Driver to stack: from the packet's device or sender stamp to netif_receive_skb",
            "Into TCP: from the packet's arrival to tcp_rcv_established (tcp_probe)",
            "Copied to the reader: from the packet's arrival to the copy into the reading process"};
        List<Attribute> a = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, 3).mapToObj(i ->
                Attribute.writable(ATTRIBUTES[i], Attribute.Type.LONG, what[i] + " (" + WHERE[i]
                        + "); report packets over this many ms, 1.." + TracerConfig.MAX_MILLIS,
                () -> thresholdMillis(i), v -> setThresholdMillis(i, (Long) v))
                .gauge("ms").range(1, TracerConfig.MAX_MILLIS)).toList());
        a.add(ownTrafficAttribute());
        return a;
    }
}
