package io.huatuo.jmx.testing;

import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.daemon.HuatuoService;
import io.huatuo.jmx.registry.TracerRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;

/**
 * The real daemon, started in the test JVM on an ephemeral JMX port with records in a temp dir, and
 * a real JMX remote connection to it (as JConsole makes it). Close stops both and removes the dir.
 */
public final class TestDaemon implements AutoCloseable {
    public final Path dataDir;
    public final HuatuoService service;
    public final JMXConnector connector;
    public final MBeanServerConnection mbsc;

    private TestDaemon(Path dataDir, HuatuoService service, JMXConnector connector) throws IOException {
        this.dataDir = dataDir;
        this.service = service;
        this.connector = connector;
        this.mbsc = connector.getMBeanServerConnection();
    }

    /**
     * As an operator runs it: JMX with one {@code readwrite} user, whom the test's connection is (an
     * anonymous connection may only read). Jolokia and Prometheus as by default.
     *
     * @param tracersYaml the {@code tracers:} block body (indented by 2), may be empty
     */
    public static TestDaemon start(String tracersYaml) throws Exception {
        return start("", tracersYaml, null, "", "", null);
    }

    /**
     * Every endpoint on a free port.
     *
     * @param jmxYaml, jolokiaYaml, prometheusYaml extra keys of those blocks (indented by 2), may be empty
     * @param credentials the JMX connection's {@code [user, password]}, or null
     */
    public static TestDaemon start(String tracersYaml, String jmxYaml, String jolokiaYaml, String prometheusYaml,
            String[] credentials) throws Exception {
        return start("", tracersYaml, jmxYaml, jolokiaYaml, prometheusYaml, credentials);
    }

    /** As {@link #start(String)}, with top-level keys (e.g. {@code "stackAddresses: shown\n"}). */
    public static TestDaemon startWith(String topLevelYaml, String tracersYaml) throws Exception {
        return start(topLevelYaml, tracersYaml, null, "", "", null);
    }

    /** @param jmxYaml null = one readwrite user, the connection's */
    private static TestDaemon start(String topLevelYaml, String tracersYaml, String jmxYaml, String jolokiaYaml,
            String prometheusYaml, String[] credentials) throws Exception {
        Path dir = Files.createTempDirectory("huatuo-test");
        if (jmxYaml == null) {
            String password = Long.toHexString(new java.security.SecureRandom().nextLong());
            Path users = Files.createDirectory(dir.resolve("jmx-users"));
            jmxYaml = "  passwordFile: " + secret(users.resolve("jmxremote.password"), "admin " + password + "\n")
                    + "\n  accessFile: " + Files.writeString(users.resolve("jmxremote.access"), "admin readwrite\n")
                    + "\n";
            credentials = new String[] {"admin", password};
        }
        String yaml = topLevelYaml + "dataDir: " + dir + "\n"
                + "region: test\n"
                + "jmx:\n  host: 127.0.0.1\n  port: 0\n" + jmxYaml
                + "jolokia:\n  port: 0\n" + jolokiaYaml
                + "prometheus:\n  port: 0\n" + prometheusYaml
                + "dns:\n  timeoutMillis: 20\n"
                + (tracersYaml.isBlank() ? "" : "tracers:\n" + tracersYaml);
        HuatuoService service = new HuatuoService(HuatuoConfig.parse(yaml, "test", TracerRegistry.ALL), null);
        service.start();
        try {
            return new TestDaemon(dir, service, JMXConnectorFactory.connect(service.jmxUrl(),
                    credentials == null ? null : java.util.Map.of(JMXConnector.CREDENTIALS, credentials)));
        } catch (IOException | SecurityException e) {
            service.close();
            throw e;
        }
    }

    /** Subscribes to a tracer's notifications through the remote connection. */
    public BlockingQueue<Notification> subscribe(String tracer) throws Exception {
        BlockingQueue<Notification> q = new LinkedBlockingQueue<>();
        mbsc.addNotificationListener(new ObjectName("huatuo:type=Tracer,name=" + tracer), (n, h) -> q.add(n), null,
                null);
        return q;
    }

    /** Waits for a notification whose userData matches; fails with what arrived instead. */
    public static CompositeData await(BlockingQueue<Notification> q, long millis, Predicate<CompositeData> match)
            throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        StringBuilder seen = new StringBuilder();
        while (System.currentTimeMillis() < end) {
            Notification n = q.poll(Math.max(1, end - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            if (n == null) {
                break;
            }
            if (!(n.getUserData() instanceof CompositeData cd)) {
                continue; // not an event: an attribute change another test made
            }
            if (match.test(cd)) {
                return cd;
            }
            seen.append("\n  ").append(n.getMessage());
        }
        throw new AssertionError("no matching notification within " + millis + " ms; seen:" + seen);
    }

    public Object attribute(String tracer, String name) throws Exception {
        return mbsc.getAttribute(new ObjectName("huatuo:type=Tracer,name=" + tracer), name);
    }

    public long counter(String tracer, String name) throws Exception {
        return (Long) attribute(tracer, name);
    }

    /** A tracer's four counters, read together. */
    public record Counts(long occurrences, long events, long rateLimited, long lost) {
        /** What happened between {@code before} and this reading. */
        public Counts minus(Counts before) {
            return new Counts(occurrences - before.occurrences, events - before.events,
                    rateLimited - before.rateLimited, lost - before.lost);
        }
    }

    /**
     * One snapshot of a tracer's counters in which the pipeline has caught up: occurrences = events +
     * rate limited + lost. Events elsewhere on the host keep arriving while we read, so the four values
     * are taken from the same read that balanced, never mixed with later reads.
     */
    public Counts settledCounts(String tracer) throws Exception {
        long end = System.currentTimeMillis() + 60_000; // an emulated machine's pipeline takes its time
        Counts c;
        do {
            c = new Counts(counter(tracer, "OccurrenceCount"), counter(tracer, "EventCount"),
                    counter(tracer, "RateLimitedEvents"), counter(tracer, "LostEvents"));
            if (c.occurrences == c.events + c.rateLimited + c.lost) {
                return c;
            }
            Thread.sleep(20);
        } while (System.currentTimeMillis() < end);
        throw new AssertionError(tracer + " counters never balanced within 60 s: " + c);
    }

    /** The tracer's record file once it contains {@code needle} (other events may land there too). */
    public String awaitRecord(String tracer, String needle) throws Exception {
        Path file = dataDir.resolve("record/" + tracer);
        long end = System.currentTimeMillis() + 30_000; // an emulated machine writes late
        String text = "";
        while (System.currentTimeMillis() < end) {
            if (Files.exists(file)) {
                text = Files.readString(file);
                if (text.contains(needle)) {
                    return text;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError(file + " lacks " + needle + ":\n" + text);
    }

    @Override
    public void close() throws Exception {
        try {
            connector.close();
        } finally {
            service.close();
            deleteTree(dataDir);
        }
    }

    /** Writes a password or other secret file as the daemon requires it: readable by its owner only. */
    public static Path secret(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, content);
    }

    /** Removes a directory and everything in it (test temp dirs). */
    public static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /**
     * Provokes one NO_SOCKET drop in the pair (a SYN from a to a closed port 9 on b) and waits until
     * the daemon has reported it: a drop only the calling test causes.
     */
    public void provokeDrop(NetnsPair net) throws Exception {
        BlockingQueue<Notification> q = subscribe("dropwatch");
        net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
        await(q, 5000, cd -> net.addrB.equals(cd.get("daddr")) && Integer.valueOf(9).equals(cd.get("dport")));
    }
}
