package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import io.huatuo.jmx.testing.Unprivileged;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServerConnection;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every lost notification counted, and subscriptions bounded, with real clients: a JMX client in its
 * own JVM that is stopped (SIGSTOP), a Jolokia SSE client that stops reading, a flood of Jolokia
 * subscriptions from an unprivileged user. The events are link flaps of our own veth pair watched by
 * netdev: nothing else on the machine adds to that tracer's notifications, so its sequence numbers let
 * each client and the test know exactly what was missed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NotificationsIT {
    private static final String TAG = "hj11n" + ProcessHandle.current().pid() % 10000;
    private static final String A = TAG + "a";
    private static final String B = TAG + "b";
    private static final ObjectName NETDEV = name("huatuo:type=Tracer,name=netdev");
    private static TestDaemon daemon;
    private static Unprivileged nobody;
    private static Path flaps;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        Shell.run("ip", "link", "del", A);
        // the default install: anonymous clients, read-only
        daemon = TestDaemon.start("  netdev:\n    maxEventsPerSecond: 1000000\n    include: [\"" + TAG + "*\"]\n", "", "",
                "", null);
        Shell.check("ip", "link", "add", A, "type", "veth", "peer", "name", B);
        Shell.check("ip", "link", "set", B, "up");
        nobody = new Unprivileged("/clients/NotificationCounter.java", "/attack/sse_stall.py", "/attack/jolokia_flood.py");
        flaps = Files.createTempFile("huatuo-it11-flaps", ".batch");
    }

    @AfterAll
    static void stop() throws Exception {
        Shell.run("ip", "link", "del", A);
        if (daemon != null) {
            daemon.close();
        }
        if (nobody != null) {
            nobody.close();
        }
        if (flaps != null) {
            Files.deleteIfExists(flaps);
        }
    }

    private static ObjectName name(String s) {
        try {
            return new ObjectName(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** Takes A down and up again {@code cycles} times in one ip process (4 netdev events each: A and its peer). */
    private static void flap(int cycles) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cycles; i++) {
            sb.append("link set dev ").append(A).append(" down\nlink set dev ").append(A).append(" up\n");
        }
        Files.writeString(flaps, sb);
        Shell.check("ip", "-batch", flaps.toString());
    }

    /** Waits until netdev has reported nothing new for a second; returns its EventCount. */
    private static long quiet() throws Exception {
        long last = -1;
        long now = daemon.counter("netdev", "EventCount");
        long end = System.currentTimeMillis() + 60_000;
        while (now != last && System.currentTimeMillis() < end) {
            last = now;
            Thread.sleep(1000);
            now = daemon.counter("netdev", "EventCount");
        }
        return now;
    }

    /** Every message of an exception and its causes (remote errors arrive wrapped). */
    private static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append(" <- ");
        }
        return sb.toString();
    }

    private static long lost() throws Exception {
        return daemon.counter("netdev", "NotificationsLost");
    }

    /** A JMX listener in this JVM that keeps the last sequence number and counts jumps. */
    private static final class Sequence implements NotificationListener {
        final AtomicLong last = new AtomicLong(-1);
        final AtomicLong gaps = new AtomicLong();
        final AtomicLong received = new AtomicLong();

        @Override
        public void handleNotification(javax.management.Notification n, Object handback) {
            long s = n.getSequenceNumber();
            long l = last.getAndSet(s);
            if (l >= 0 && s > l + 1) {
                gaps.addAndGet(s - l - 1);
            }
            received.incrementAndGet();
        }
    }

    @Test
    @Order(1)
    void whatAStoppedJmxClientMissedIsCountedExactly() throws Exception {
        Process client = new ProcessBuilder(Unprivileged.asNobody(Unprivileged.javaBin(),
                nobody.dir.resolve("NotificationCounter.java").toString(), daemon.service.jmxUrl().toString(), "netdev"))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("subscribed", out.readLine());
            flap(5);
            quiet();
            long lost0 = lost();
            Shell.check("kill", "-STOP", String.valueOf(client.pid()));
            flap(1500); // ~6000 notifications: more than the connector's buffer holds (1000)
            long events = quiet();
            Shell.check("kill", "-CONT", String.valueOf(client.pid()));
            Thread.sleep(2000);
            flap(1); // the client learns of its gap from the next notification
            quiet();
            Thread.sleep(2000);
            client.getOutputStream().close();
            String result = out.readLine();
            assertTrue(client.waitFor(30, TimeUnit.SECONDS));
            Matcher m = Pattern.compile("received=(\\d+) gaps=(\\d+) last=(\\d+)").matcher(String.valueOf(result));
            assertTrue(m.matches(), "client: " + result);
            long gaps = Long.parseLong(m.group(2));
            System.out.printf("stopped JMX client: %s events, client %s, NotificationsLost +%d%n", events, result,
                    lost() - lost0);
            assertTrue(gaps > 0, "the stopped client missed notifications: " + result);
            assertEquals(gaps, lost() - lost0, "NotificationsLost counts exactly what the client missed");
        } finally {
            client.destroyForcibly();
        }
    }

    @Test
    @Order(2)
    void aStalledSseClientIsCutOffAndCountedWithoutDelayingAJmxListener() throws Exception {
        Sequence jmx = new Sequence();
        daemon.mbsc.addNotificationListener(NETDEV, jmx, null, null);
        Process sse = new ProcessBuilder(Unprivileged.asNobody("/usr/bin/python3",
                nobody.dir.resolve("sse_stall.py").toString(), daemon.service.jolokiaUrl(), "15", "netdev"))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(sse.getInputStream(), StandardCharsets.UTF_8));
            String open = out.readLine();
            assertTrue(String.valueOf(open).startsWith("open HTTP/1.1 200"), "SSE stream: " + open);
            flap(1);
            quiet();
            long lost0 = lost();
            long jmxGaps0 = jmx.gaps.get();
            long first = jmx.last.get() + 1; // the first notification while the SSE client is stalled
            // ~12000 notifications of ~600 bytes: more than the socket buffers and the stream's 256 KiB hold,
            // at a pace a live JMX client keeps up with
            for (int i = 0; i < 30; i++) {
                flap(100);
                Thread.sleep(100);
            }
            quiet();
            String result = out.readLine();
            assertTrue(sse.waitFor(60, TimeUnit.SECONDS));
            Matcher m = Pattern.compile("received=(\\d+) first_id=(-?\\d+) last_id=(-?\\d+)").matcher(String.valueOf(result));
            assertTrue(m.matches(), "SSE client: " + result);
            long sseReceived = Long.parseLong(m.group(1));
            long sseFirst = Long.parseLong(m.group(2));
            long last = jmx.last.get();
            long jmxGaps = jmx.gaps.get() - jmxGaps0;
            long sseMissed = last - sseFirst + 1 - sseReceived;
            System.out.printf("stalled SSE client: notifications %d..%d, SSE received %d (from %d), JMX listener gaps %d, "
                    + "NotificationsLost +%d%n", first, last, sseReceived, sseFirst, jmxGaps, lost() - lost0);
            assertTrue(sseMissed > 0, "the stalled client was cut off: " + result);
            assertEquals(0, jmxGaps, "the JMX listener got every notification while the SSE client was stalled");
            assertEquals(jmxGaps + sseMissed, lost() - lost0);
        } finally {
            sse.destroyForcibly();
            daemon.mbsc.removeNotificationListener(NETDEV, jmx);
        }
    }

    @Test
    @Order(4) // last: the flood's clients stay registered
    void aJolokiaSubscriptionFloodIsRefusedAndAJmxListenerStillGetsEverything() throws Exception {
        Sequence jmx = new Sequence();
        daemon.mbsc.addNotificationListener(NETDEV, jmx, null, null);
        try {
            // 100 clients, then 20,000 pull subscriptions in 200 bulk requests (the reported attack sent 100 of
            // 200; bulk requests are now at most 100 items)
            Shell.Result r = nobody.python("jolokia_flood.py", daemon.service.jolokiaUrl(), "100", "200", "100");
            System.out.println("Jolokia flood as nobody:\n" + r.output());
            assertEquals(0, r.exit(), r.output());
            assertTrue(r.output().contains("registered=" + JolokiaNotifications.MAX_CLIENTS + " refused_registrations="
                    + (100 - JolokiaNotifications.MAX_CLIENTS) + " added=" + JolokiaNotifications.MAX_LISTENERS
                    + " refused=" + (20000 - JolokiaNotifications.MAX_LISTENERS)), r.output());
            assertTrue(r.output().contains("first_registration_refusal=refused: " + JolokiaNotifications.MAX_CLIENTS
                    + " Jolokia notification clients are registered, the limit"), r.output());
            assertTrue(r.output().contains("first_add_refusal=refused: Jolokia notification clients may have "
                    + JolokiaNotifications.MAX_LISTENERS + " listeners in all, the limit"), r.output());
            flap(1);
            quiet();
            long received0 = jmx.received.get();
            long last0 = jmx.last.get();
            flap(750); // 3000 notifications, each also for 128 Jolokia pull listeners
            quiet();
            Thread.sleep(1000);
            long received = jmx.received.get() - received0;
            System.out.printf("after the flood: JMX listener received %d of %d%n", received, jmx.last.get() - last0);
            assertEquals(jmx.last.get() - last0, received, "every notification reached the JMX listener");
            assertEquals(0, jmx.gaps.get());
        } finally {
            daemon.mbsc.removeNotificationListener(NETDEV, jmx);
        }
    }

    @Test
    @Order(3)
    void jmxListenersAndConnectionsAreBounded() throws Exception {
        List<JMXConnector> open = new ArrayList<>();
        try {
            JMXConnector c = JMXConnectorFactory.connect(daemon.service.jmxUrl());
            open.add(c);
            MBeanServerConnection m = c.getMBeanServerConnection();
            NotificationListener l = (n, h) -> { };
            Exception e = null;
            int added = 0;
            while (e == null && added <= JmxConnections.MAX_LISTENERS_PER_CONNECTION) {
                try {
                    m.addNotificationListener(NETDEV, l, null, added);
                    added++;
                } catch (Exception x) {
                    e = x;
                }
            }
            // the JDK's client adds one listener of its own (on the MBean server delegate) with the first
            assertTrue(added >= JmxConnections.MAX_LISTENERS_PER_CONNECTION - 1
                    && added < JmxConnections.MAX_LISTENERS_PER_CONNECTION + 1, "added " + added);
            assertTrue(e != null && chain(e).contains("a JMX connection may have "
                    + JmxConnections.MAX_LISTENERS_PER_CONNECTION + " notification listeners"), String.valueOf(e));
            m.removeNotificationListener(NETDEV, l);
            m.addNotificationListener(NETDEV, l, null, "after removing them");
            // connections: the test's own one and the one above are open already
            Exception refused = null;
            for (int i = 0; i < JmxConnections.MAX_CONNECTIONS && refused == null; i++) {
                try {
                    open.add(JMXConnectorFactory.connect(daemon.service.jmxUrl()));
                } catch (java.io.IOException x) {
                    refused = x;
                }
            }
            assertTrue(refused != null && chain(refused).contains(JmxConnections.MAX_CONNECTIONS
                    + " JMX connections are open, the limit"), "refused: " + (refused == null ? null : chain(refused)));
            assertTrue(open.size() + 1 <= JmxConnections.MAX_CONNECTIONS, "with the test's own: " + (open.size() + 1));
        } finally {
            for (JMXConnector c : open) {
                c.close();
            }
        }
        // closed connections give their places back
        try (JMXConnector again = JMXConnectorFactory.connect(daemon.service.jmxUrl())) {
            assertTrue(again.getMBeanServerConnection().isRegistered(NETDEV));
        }
    }
}
