package io.huatuo.jmx.tracer.netdev_txqueue_timeout;

import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.tracer.BpfTracer;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.netdev_txqueue_timeout.NetdevTxqueueTimeoutBpf.NetdevTxqueueTimeoutEvent;
import io.huatuo.jmx.tracer.netdev_txqueue_timeout.NetdevTxqueueTimeoutBpf.Programs;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * netdev_txqueue_timeout: NIC transmit queues that hung (bpf/netdev_txqueue_timeout.bpf.c, record
 * bpf/netdev_txqueue_timeout.h). The kernel's transmit watchdog checks every running device whose
 * driver can recover from a hang (it has an {@code ndo_tx_timeout}); a queue stopped for longer than
 * the device's watchdog timeout fires {@code net:net_dev_xmit_timeout}, logs "NETDEV WATCHDOG" and
 * makes the driver reset. Field names follow HUATUO's netdev_txqueue_timeout records.
 */
public final class NetdevTxqueueTimeout extends BpfTracer {
    public static final String NAME = "netdev_txqueue_timeout";
    public static final TracerType<NetdevTxqueueTimeoutConfig> TYPE = new TracerType<>(NAME,
            NetdevTxqueueTimeoutConfig::read, c -> new NetdevTxqueueTimeout(), Severity.AVERAGE);

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.int32("queue_index", "The transmit queue that timed out"),
            Field.string("device_name", "The network device"),
            Field.string("driver_name", "Its driver (the parent device's), empty for a virtual device"),
            Field.int32("ifindex", "Interface index of the device"),
            Field.int64("net_namespace_inum", "Network namespace inode of the device"),
            Field.int64("queue_timeouts", "Timeouts of this queue so far, this one included "
                    + "(the kernel's /sys/class/net/<device>/queues/tx-<n>/tx_timeout)"),
            Field.int32("tx_queues", "Transmit queues the device uses")));

    public NetdevTxqueueTimeout() {
        super(SCHEMA, NetdevTxqueueTimeoutBpf.CONTRACT);
    }

    @Override
    protected List<Probe> probes() {
        return List.of(new Probe("tp_btf/net_dev_xmit_timeout", Programs.NETDEV_TXQUEUE_TIMEOUT));
    }

    @Override
    protected int maxRecordBytes() {
        return NetdevTxqueueTimeoutEvent.SIZE;
    }

    @Override
    protected PendingEvent decode(ByteBuffer b, int at, int length) {
        requireRecordBytes(length, NetdevTxqueueTimeoutEvent.SIZE);
        Event.Builder e = Event.builder(SCHEMA)
                .timeMillis(epochMillis(NetdevTxqueueTimeoutEvent.ktimeNs(b, at)))
                .set("queue_index", NetdevTxqueueTimeoutEvent.queueIndex(b, at))
                .set("device_name", NetdevTxqueueTimeoutEvent.device(b, at))
                .set("driver_name", NetdevTxqueueTimeoutEvent.driver(b, at))
                .set("ifindex", NetdevTxqueueTimeoutEvent.ifindex(b, at))
                .set("net_namespace_inum", NetdevTxqueueTimeoutEvent.netns(b, at))
                .set("queue_timeouts", NetdevTxqueueTimeoutEvent.queueTimeouts(b, at))
                .set("tx_queues", NetdevTxqueueTimeoutEvent.txQueues(b, at));
        // the watchdog runs from a timer: no task of interest, no container
        return new PendingEvent(this, e);
    }
}
