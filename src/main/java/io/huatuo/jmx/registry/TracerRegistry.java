package io.huatuo.jmx.registry;

import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.dropwatch.Dropwatch;
import io.huatuo.jmx.tracer.hungtask.Hungtask;
import io.huatuo.jmx.tracer.lacp.Lacp;
import io.huatuo.jmx.tracer.memreclaim.Memreclaim;
import io.huatuo.jmx.tracer.netdev.Netdev;
import io.huatuo.jmx.tracer.netdev_txqueue_timeout.NetdevTxqueueTimeout;
import io.huatuo.jmx.tracer.netrecvlat.Netrecvlat;
import io.huatuo.jmx.tracer.oom.Oom;
import io.huatuo.jmx.tracer.ras.Ras;
import io.huatuo.jmx.tracer.softirq.Softirq;
import io.huatuo.jmx.tracer.softlockup.Softlockup;
import io.huatuo.jmx.tracer.tcp_retransmit.TcpRetransmit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Every tracer the daemon runs, in the contract's order (the order of {@code huatuo:type=Daemon}
 * {@code Tracers}, of the {@code tracers} block and of the start-up log). The configuration, the
 * daemon, the tests and the monitoring generators all take the list from here: adding a tracer is
 * its own package plus one line below.
 */
public final class TracerRegistry {

    /** The tracers' types (an array initializer: its trailing comma lets a new tracer add one line and change none). */
    public static final List<TracerType<?>> ALL = List.of(new TracerType<?>[] {
            Softirq.TYPE,
            Dropwatch.TYPE,
            Netrecvlat.TYPE,
            Oom.TYPE,
            Softlockup.TYPE,
            Hungtask.TYPE,
            Memreclaim.TYPE,
            Netdev.TYPE,
            Lacp.TYPE,
            TcpRetransmit.TYPE,
            NetdevTxqueueTimeout.TYPE,
            Ras.TYPE,
    });

    private TracerRegistry() {
    }

    /** @return the tracers' names, in {@link #ALL} order */
    public static List<String> names() {
        return ALL.stream().map(TracerType::name).toList();
    }

    /**
     * Run by the build (process-classes): writes {@code args[0]}, one line per tracer,
     * {@code <name> TAB <severity>}, for the generators of the Zabbix templates and the Nagios sample.
     *
     * @param args the file to write
     * @throws IOException if it cannot be written
     */
    public static void main(String[] args) throws IOException {
        StringBuilder sb = new StringBuilder("# tracer\tseverity, from TracerRegistry (written by the build)\n");
        for (TracerType<?> t : ALL) {
            sb.append(t.name()).append('\t').append(t.severity()).append('\n');
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, sb, StandardCharsets.UTF_8);
    }
}
