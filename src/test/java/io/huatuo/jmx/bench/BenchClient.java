package io.huatuo.jmx.bench;

import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 *   cost PORT               the daemon's own kernel cost: KernelCostNanosPerSecond summed over the tracers
 *                           that measured it (ns_per_s=...), and each tracer's value
 *   latency PORT N          N loopback SYNs to a closed port, each a NO_SOCKET drop; prints the ms
 *                           from connect() to the call of the dropwatch notification's listener, one
 *                           per line, after LATENCY_WARMUP drops not measured
 *   listen PORT             subscribes to the dropwatch notifications (as a JMX console would), prints
 *                           subscribed, and once stdin closes notifications=N (how many arrived)
 *   jolokia PORT URL N      N Jolokia bulk reads (one POST: every attribute of every tracer MBean);
 *                           prints the ms of each, one per line
 *   zabbix PORT GWPORT N KEYFILE   N Zabbix Java gateway polls (127.0.0.1:GWPORT) of every item key
 *                           in KEYFILE (one per line, {#JMXNAME} stands for every tracer); prints
 *                           the ms of each, one per line, and on stderr how many keys and item errors
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
            case "cost" -> cost(port);
            case "latency" -> latency(port, Integer.parseInt(args[2]));
            case "listen" -> listen(port);
            case "jolokia" -> jolokia(port, args[2], Integer.parseInt(args[3]));
            case "zabbix" -> zabbix(port, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Path.of(args[4]));
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
            System.out.println("events=" + m.getAttribute(n, "EventCount") + " lost=" + m.getAttribute(n, "LostEvents")
                    + " notifications_lost=" + m.getAttribute(n, "NotificationsLost"));
        }
    }

    private static void cost(int port) throws Exception {
        try (JMXConnector c = connect(port)) {
            MBeanServerConnection m = c.getMBeanServerConnection();
            long sum = 0;
            StringBuilder each = new StringBuilder();
            for (String t : tracers(port)) {
                long ns = (Long) m.getAttribute(new ObjectName("huatuo:type=Tracer,name=" + t), "KernelCostNanosPerSecond");
                if (ns >= 0) { // -1: not measured (a tracer without BPF programs, or no statistics)
                    sum += ns;
                    each.append(' ').append(t).append('=').append(ns);
                }
            }
            System.out.println("ns_per_s=" + sum + each);
        }
    }

    private static List<String> tracers(int port) throws Exception {
        try (JMXConnector c = connect(port)) {
            List<String> names = new ArrayList<>();
            for (ObjectName n : c.getMBeanServerConnection().queryNames(new ObjectName("huatuo:type=Tracer,*"), null)) {
                names.add(n.getKeyProperty("name"));
            }
            Collections.sort(names);
            return names;
        }
    }

    private static void jolokia(int port, String url, int count) throws Exception {
        StringBuilder body = new StringBuilder("[");
        for (String t : tracers(port)) {
            body.append(body.length() > 1 ? "," : "")
                    .append("{\"type\":\"read\",\"mbean\":\"huatuo:type=Tracer,name=").append(t).append("\"}");
        }
        body.append(']');
        // One connection per read, the request in one write, as check_huatuo or curl make it (the
        // JDK HttpClient sends headers and body apart, which costs a 40 ms delayed ACK per request).
        URI uri = URI.create(url);
        byte[] b = body.toString().getBytes(StandardCharsets.UTF_8);
        byte[] request = ("POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\nConnection: close\r\n\r\n"
                + body).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < count + 20; i++) { // the first 20 warm up both sides
            long t0 = System.nanoTime();
            String answer;
            try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
                s.setTcpNoDelay(true);
                s.getOutputStream().write(request);
                answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (!answer.startsWith("HTTP/1.1 200") || answer.contains("\"status\":4") || answer.contains("\"status\":5")) {
                throw new IllegalStateException("Jolokia answered: " + answer);
            }
            if (i >= 20) {
                System.out.println(String.format("%.3f", ms));
            }
        }
    }

    /** The gateway's protocol: "ZBXD", 0x01, 4-byte little-endian length, 4 reserved bytes, JSON. */
    private static void zabbix(int port, int gatewayPort, int count, Path keyFile) throws Exception {
        List<String> expanded = new ArrayList<>();
        List<String> tracers = tracers(port);
        for (String k : Files.readAllLines(keyFile)) {
            if (k.contains("{#JMXNAME}")) {
                tracers.forEach(t -> expanded.add(k.replace("{#JMXNAME}", t)));
            } else if (!k.isBlank()) {
                expanded.add(k);
            }
        }
        StringBuilder keys = new StringBuilder();
        for (String k : expanded) {
            keys.append(keys.length() > 0 ? "," : "").append('"')
                    .append(k.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        String json = "{\"request\":\"java gateway jmx\",\"conn\":\"127.0.0.1\",\"port\":" + port
                + ",\"jmx_endpoint\":\"service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi\""
                + ",\"keys\":[" + keys + "]}";
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < count + 5; i++) {
            long t0 = System.nanoTime();
            String answer;
            try (Socket s = new Socket("127.0.0.1", gatewayPort)) {
                ByteBuffer head = ByteBuffer.allocate(13).order(ByteOrder.LITTLE_ENDIAN);
                head.put("ZBXD".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).putInt(payload.length).putInt(0);
                s.getOutputStream().write(head.array());
                s.getOutputStream().write(payload);
                s.getOutputStream().flush();
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] h = new byte[13];
                in.readFully(h);
                byte[] data = new byte[ByteBuffer.wrap(h, 5, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()];
                in.readFully(data);
                answer = new String(data, StandardCharsets.UTF_8);
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (!answer.contains("\"success\"")) {
                throw new IllegalStateException("gateway answered: " + answer);
            }
            if (i == 0) { // e.g. a LastEvent.* item before the tracer's first event is "not supported"
                System.err.println("keys=" + expanded.size() + " item_errors=" + (answer.split("\"error\"", -1).length - 1)
                        + " first_answer=" + answer);
            }
            if (i >= 5) {
                System.out.println(String.format("%.3f", ms));
            }
        }
    }

    private static void listen(int port) throws Exception {
        AtomicLong received = new AtomicLong();
        try (JMXConnector c = connect(port)) {
            c.getMBeanServerConnection().addNotificationListener(new ObjectName("huatuo:type=Tracer,name=dropwatch"),
                    (n, h) -> received.incrementAndGet(), null, null);
            System.out.println("subscribed");
            System.out.flush();
            System.in.read(); // until stdin closes
        } catch (IOException gone) {
            // the daemon stopped first
        }
        System.out.println("notifications=" + received.get());
    }

    /**
     * Events before the measured ones: they warm up the connection and the code paths of both JVMs, as
     * in a monitoring client that has been running (with 5, a fresh client's interpreter and JIT showed
     * in the p99: 8.1-11.1 ms against 5.6-5.9 ms after 300-500, the same daemon).
     */
    private static final int LATENCY_WARMUP = 300;

    private record Arrival(Notification n, long nanos) {
    }

    private static void latency(int port, int count) throws Exception {
        try (JMXConnector c = connect(port)) {
            // the moment the listener is called is when the notification reached the client; the hop to
            // this thread after it is the bench's own
            BlockingQueue<Arrival> q = new LinkedBlockingQueue<>();
            c.getMBeanServerConnection().addNotificationListener(new ObjectName("huatuo:type=Tracer,name=dropwatch"),
                    (n, h) -> q.add(new Arrival(n, System.nanoTime())), null, null);
            int closed;
            try (ServerSocket s = new ServerSocket(0)) {
                closed = s.getLocalPort();
            }
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < count + LATENCY_WARMUP; i++) {
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
                    Arrival a = q.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
                    if (a != null && a.n().getUserData() instanceof CompositeData d
                            && Integer.valueOf(closed).equals(d.get("dport"))) {
                        got = (a.nanos() - t0) / 1e6;
                    }
                }
                if (i >= LATENCY_WARMUP) {
                    System.out.println(got == null ? "-1" : String.format("%.3f", got));
                }
                Thread.sleep(20); // stays under the default 100 events/s limit
            }
        }
    }
}
