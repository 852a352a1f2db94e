package io.huatuo.jmx.bench;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * JMX side of scripts/bench.sh (not a test, never shipped). A remote client, as a monitoring
 * system would be. Commands (PORT = the daemon's JMX port on 127.0.0.1):
 * <pre>
 *   start PORT LOG CMD...   starts the daemon (output to LOG), prints pid= and startup_ms= (process
 *                           start until every tracer is RUNNING or UNAVAILABLE, seen over JMX)
 *   counters PORT TRACER    prints events= lost= of one tracer
 *   latency PORT N          N loopback SYNs to a closed port, each a NO_SOCKET drop; prints the ms
 *                           from connect() to the dropwatch notification, one per line
 * </pre>
 */
public final class BenchClient {
    private BenchClient() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        switch (args[0]) {
            case "start" -> start(port, new File(args[2]), Arrays.asList(args).subList(3, args.length));
            case "counters" -> counters(port, args[2]);
            case "latency" -> latency(port, Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    private static JMXConnector connect(int port) throws IOException {
        return JMXConnectorFactory.connect(
                new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi"));
    }

    private static void start(int port, File log, List<String> cmd) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
        Object states = null;
        while (System.nanoTime() < deadline && p.isAlive()) {
            try (JMXConnector c = connect(port)) {
                MBeanServerConnection m = c.getMBeanServerConnection();
                Set<ObjectName> names = m.queryNames(new ObjectName("huatuo:type=Tracer,*"), null);
                TreeMap<String, String> s = new TreeMap<>();
                for (ObjectName n : names) {
                    s.put(n.getKeyProperty("name"), (String) m.getAttribute(n, "State"));
                }
                states = s;
                if (!s.isEmpty() && s.values().stream().allMatch(v -> v.equals("RUNNING") || v.equals("UNAVAILABLE"))) {
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    System.out.println("pid=" + p.pid() + " startup_ms=" + ms + " states=" + s);
                    return;
                }
            } catch (IOException notYet) {
                // the connector is not up yet
            }
            Thread.sleep(10);
        }
        System.out.println("pid=" + p.pid() + " startup_ms=-1 states=" + states);
    }

    private static void counters(int port, String tracer) throws Exception {
        try (JMXConnector c = connect(port)) {
            MBeanServerConnection m = c.getMBeanServerConnection();
            ObjectName n = new ObjectName("huatuo:type=Tracer,name=" + tracer);
            System.out.println("events=" + m.getAttribute(n, "EventCount") + " lost=" + m.getAttribute(n, "LostEvents"));
        }
    }

    private static void latency(int port, int count) throws Exception {
        try (JMXConnector c = connect(port)) {
            BlockingQueue<Notification> q = new LinkedBlockingQueue<>();
            c.getMBeanServerConnection().addNotificationListener(new ObjectName("huatuo:type=Tracer,name=dropwatch"),
                    (n, h) -> q.add(n), null, null);
            int closed;
            try (ServerSocket s = new ServerSocket(0)) {
                closed = s.getLocalPort();
            }
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < count + 5; i++) {
                q.clear();
                long t0 = System.nanoTime();
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", closed), 1000);
                } catch (IOException refused) {
                    // expected: the SYN is dropped with NO_SOCKET and answered by a RST
                }
                long end = t0 + TimeUnit.SECONDS.toNanos(2);
                Double got = null;
                while (got == null && System.nanoTime() < end) {
                    Notification n = q.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
                    if (n != null && n.getUserData() instanceof CompositeData d
                            && Integer.valueOf(closed).equals(d.get("dport"))) {
                        got = (System.nanoTime() - t0) / 1e6;
                    }
                }
                if (i >= 5) { // the first few warm up the connection and the code paths
                    System.out.println(got == null ? "-1" : String.format("%.3f", got));
                }
                Thread.sleep(20); // stays under the default 100 events/s limit
            }
        }
    }
}
