package io.huatuo.jmx.tracer.tcp_retransmit;

import static io.huatuo.jmx.tracer.RecordFields.address;
import static io.huatuo.jmx.tracer.RecordFields.tcpState;

import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.tracer.BpfTracer;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.tcp_retransmit.TcpRetransmitBpf.Programs;
import io.huatuo.jmx.tracer.tcp_retransmit.TcpRetransmitBpf.TcpRetransmitEvent;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * tcp_retransmit: TCP segments the kernel retransmitted (bpf/tcp_retransmit.bpf.c, record
 * bpf/tcp_retransmit.h), from the {@code tcp:tcp_retransmit_skb} tracepoint. Every retransmission is
 * counted; details are rate limited like every BPF tracer's. Field names follow HUATUO's
 * tcp_retransmit records.
 */
public final class TcpRetransmit extends BpfTracer {
    public static final String NAME = "tcp_retransmit";
    public static final TracerType<TcpRetransmitConfig> TYPE = new TracerType<>(NAME, TcpRetransmitConfig::read,
            c -> new TcpRetransmit(), Severity.WARNING);

    /** enum tcp_ca_state of the kernel's UAPI (linux/tcp.h). */
    private static final int CA_RECOVERY = 3;
    private static final int CA_LOSS = 4;
    private static final String[] TCP_FLAGS = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"};

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.string("comm", "Command of the task on the CPU when the kernel retransmitted; a timeout "
                    + "retransmits from a timer, on whichever task's time"),
            Field.int32("pid", "Process id (tgid) of that task"),
            Field.string("tcp_saddr", "Local address of the socket"),
            Field.string("tcp_daddr", "Remote address of the socket"),
            Field.int32("tcp_sport", "Local port"),
            Field.int32("tcp_dport", "Remote port"),
            Field.string("tcp_state", "TCP state of the socket, e.g. ESTABLISHED, SYN_SENT"),
            Field.string("phase", "connect (handshake), data (ESTABLISHED) or close (teardown states)"),
            Field.int64("tcp_seq", "First sequence number of the retransmitted segment"),
            Field.int64("tcp_end_seq", "Sequence number after the segment"),
            Field.int64("tcp_ack_seq", "Acknowledgment number the segment carries (the socket's rcv_nxt)"),
            Field.string("tcp_flags", "TCP flags of the segment, e.g. ACK|PSH"),
            Field.int32("ca_state", "The socket's congestion-avoidance state: 0 Open, 1 Disorder, 2 CWR, "
                    + "3 Recovery, 4 Loss"),
            Field.string("tcp_reason", "RTO (ca_state Loss: a retransmission timeout), fast_retransmit "
                    + "(Recovery), or unknown (e.g. a tail loss probe)"),
            Field.int32("icsk_retransmits", "Retransmission timeouts of the socket in a row without progress, "
                    + "the current one included when a timeout is the trigger"),
            Field.int64("total_retrans", "Segments the socket retransmitted since it opened, this one included"),
            Field.int32("err", "The kernel's result for this attempt: 0 sent, or a negative errno (e.g. -16 "
                    + "EBUSY: the original still in a host queue); kernels before 6.17 report sent segments only"),
            Field.int64("net_namespace_inum", "Network namespace inode of the socket")));

    public TcpRetransmit() {
        super(SCHEMA, TcpRetransmitBpf.CONTRACT);
    }

    @Override
    protected List<Probe> probes() {
        return List.of(new Probe("tp_btf/tcp_retransmit_skb (sk, skb, err)", Programs.TCP_RETRANSMIT_ERR),
                new Probe("tp_btf/tcp_retransmit_skb (sk, skb)", Programs.TCP_RETRANSMIT));
    }

    @Override
    protected int maxRecordBytes() {
        return TcpRetransmitEvent.SIZE;
    }

    @Override
    protected PendingEvent decode(ByteBuffer b, int at, int length) {
        requireRecordBytes(length, TcpRetransmitEvent.SIZE);
        int family = TcpRetransmitEvent.family(b, at);
        String state = tcpState(TcpRetransmitEvent.state(b, at));
        int caState = TcpRetransmitEvent.caState(b, at);
        Event.Builder e = Event.builder(SCHEMA)
                .timeMillis(epochMillis(TcpRetransmitEvent.ktimeNs(b, at)))
                .set("comm", TcpRetransmitEvent.comm(b, at))
                .set("pid", TcpRetransmitEvent.pid(b, at))
                .set("tcp_saddr", address(b, at + TcpRetransmitEvent.SADDR_OFFSET, family))
                .set("tcp_daddr", address(b, at + TcpRetransmitEvent.DADDR_OFFSET, family))
                .set("tcp_sport", TcpRetransmitEvent.sport(b, at))
                .set("tcp_dport", TcpRetransmitEvent.dport(b, at))
                .set("tcp_state", state)
                .set("phase", phase(state))
                .set("tcp_seq", Integer.toUnsignedLong(TcpRetransmitEvent.seq(b, at)))
                .set("tcp_end_seq", Integer.toUnsignedLong(TcpRetransmitEvent.endSeq(b, at)))
                .set("tcp_ack_seq", Integer.toUnsignedLong(TcpRetransmitEvent.ackSeq(b, at)))
                .set("tcp_flags", flags(TcpRetransmitEvent.tcpFlags(b, at)))
                .set("ca_state", caState)
                .set("tcp_reason", reason(caState))
                .set("icsk_retransmits", TcpRetransmitEvent.retransmits(b, at))
                .set("total_retrans", Integer.toUnsignedLong(TcpRetransmitEvent.totalRetrans(b, at)))
                .set("err", TcpRetransmitEvent.err(b, at))
                .set("net_namespace_inum", TcpRetransmitEvent.netns(b, at));
        // Retransmissions run from timers and softirqs: the pid is whoever was on the CPU, so the
        // event gets no container attribution of its own.
        return new PendingEvent(this, e);
    }

    /** The TCP flag names of a segment, joined by '|'; "" for none. */
    static String flags(int bits) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < TCP_FLAGS.length; i++) {
            if ((bits & (1 << i)) != 0) {
                sb.append(sb.length() == 0 ? "" : "|").append(TCP_FLAGS[i]);
            }
        }
        return sb.toString();
    }

    /** Where in the connection's life the retransmission happened, from the socket's state. */
    static String phase(String state) {
        return switch (state) {
            case "SYN_SENT", "SYN_RECV", "NEW_SYN_RECV" -> "connect";
            case "ESTABLISHED" -> "data";
            default -> "close";
        };
    }

    /** A retransmission's likely trigger, read from the congestion-avoidance state. */
    static String reason(int caState) {
        return switch (caState) {
            case CA_LOSS -> "RTO";
            case CA_RECOVERY -> "fast_retransmit";
            default -> "unknown";
        };
    }
}
