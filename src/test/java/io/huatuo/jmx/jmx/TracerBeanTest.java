package io.huatuo.jmx.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.AttributeChangeNotification;
import javax.management.InvalidAttributeValueException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TracerBeanTest {
    private static final Schema SCHEMA = new Schema("unittest", List.of(
            Field.string("comm", "command"), Field.int32("pid", "process"), Field.int64("latency_ms", "latency")))
            .headline("latency_ms");
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final AtomicLong threshold = new AtomicLong(100);
    private TracerBean bean;

    @BeforeEach
    void register() throws Exception {
        List<Attribute> attrs = List.of(
                Attribute.writable("ThresholdMillis", Attribute.Type.LONG, "threshold", threshold::get, v -> {
                    long l = (Long) v;
                    if (l < 1) {
                        throw new IllegalArgumentException("ThresholdMillis must be >= 1, got " + l);
                    }
                    threshold.set(l);
                }).gauge("ms").range(1, 3_600_000),
                Attribute.readOnly("State", Attribute.Type.STRING, "state", () -> "RUNNING")
                        .legal(List.of("RUNNING", "DISABLED")),
                Attribute.counts("ByKind", "per kind", List.of("A", "B"), () -> Map.of("A", 1L, "B", 2L)));
        bean = new TracerBean(SCHEMA, attrs, new Notifier(1024));
        server.registerMBean(bean, bean.objectName());
    }

    @AfterEach
    void unregister() throws Exception {
        server.unregisterMBean(bean.objectName());
    }

    private Event event(int pid) {
        return Event.builder(SCHEMA).hostname("h").set("comm", "java").set("pid", pid).set("latency_ms", 250L).build();
    }

    /**
     * LastEvent's open type in MBeanInfo describes every item; the values carry an equal type without the
     * descriptions (item names instead), which every notification serializes: 4,293 instead of 5,796 bytes
     * per dropwatch notification fetched over RMI.
     */
    @Test
    void valuesCarryTheLastEventTypeWithoutItsDescriptions() throws Exception {
        BlockingQueue<Notification> q = new LinkedBlockingQueue<>();
        server.addNotificationListener(bean.objectName(), (n, h) -> q.add(n), null, null);
        bean.publish(event(7));
        CompositeData sent = (CompositeData) q.poll(5, TimeUnit.SECONDS).getUserData();
        javax.management.openmbean.OpenMBeanAttributeInfo info = (javax.management.openmbean.OpenMBeanAttributeInfo)
                java.util.Arrays.stream(server.getMBeanInfo(bean.objectName()).getAttributes())
                        .filter(a -> a.getName().equals("LastEvent")).findFirst().orElseThrow();
        javax.management.openmbean.CompositeType described = (javax.management.openmbean.CompositeType) info.getOpenType();
        assertEquals(described, sent.getCompositeType(), "equal types: same name, items and item types");
        assertTrue(info.isValue(sent), "a valid LastEvent value");
        assertEquals("process", described.getDescription("pid"));
        assertEquals("pid", sent.getCompositeType().getDescription("pid"));
        assertEquals(sent, server.getAttribute(bean.objectName(), "LastEvent"));
    }

    @Test
    void objectNameFollowsTheContract() {
        assertEquals("huatuo:type=Tracer,name=unittest", bean.objectName().toString());
    }

    @Test
    void publishSetsLastEventAndNotifiesWithTheSameCompositeData() throws Exception {
        BlockingQueue<Notification> q = new LinkedBlockingQueue<>();
        server.addNotificationListener(bean.objectName(), (n, h) -> q.add(n), null, null);
        assertNull(server.getAttribute(bean.objectName(), "LastEvent"));
        assertEquals(0L, server.getAttribute(bean.objectName(), "LastEventTime"));

        Event e = event(42);
        bean.publish(e);
        Notification n = q.poll(5, TimeUnit.SECONDS);
        assertEquals("huatuo.unittest", n.getType());
        assertEquals(e.timeMillis(), n.getTimeStamp());
        assertEquals("unittest latency_ms=250 comm=java pid=42", n.getMessage(), "the headline field first");
        CompositeData last = (CompositeData) server.getAttribute(bean.objectName(), "LastEvent");
        assertEquals(last, n.getUserData());
        assertEquals(42, last.get("pid"));
        assertEquals(250L, last.get("latency_ms"));
        assertEquals("unittest", last.get("tracer_name"));
        assertEquals("", last.get("container_id"));
        assertEquals(e.timeMillis(), server.getAttribute(bean.objectName(), "LastEventTime"));
        assertEquals(e.eventTime(), server.getAttribute(bean.objectName(), "LastEventDate"));
        assertEquals(last.get("time"), server.getAttribute(bean.objectName(), "LastEventDate"));
    }

    @Test
    void descriptorsSayUnitsMetricTypeRangesAndLegalValuesAsTheJdksDo() throws Exception {
        assertEquals("", server.getAttribute(bean.objectName(), "LastEventDate"), "no event yet");
        java.util.Map<String, MBeanAttributeInfo> infos = new java.util.HashMap<>();
        for (MBeanAttributeInfo a : server.getMBeanInfo(bean.objectName()).getAttributes()) {
            infos.put(a.getName(), a);
        }
        var threshold = infos.get("ThresholdMillis").getDescriptor();
        assertEquals("ms", threshold.getFieldValue("units"));
        assertEquals("gauge", threshold.getFieldValue("metricType"));
        assertEquals(1L, threshold.getFieldValue("minValue"));
        assertEquals(3_600_000L, threshold.getFieldValue("maxValue"));
        var openInfo = (javax.management.openmbean.OpenMBeanAttributeInfo) infos.get("ThresholdMillis");
        assertEquals(1L, openInfo.getMinValue(), "the open MBean info knows the range too");
        assertEquals(java.util.Set.of("RUNNING", "DISABLED"),
                ((javax.management.openmbean.OpenMBeanAttributeInfo) infos.get("State")).getLegalValues());
        assertEquals("counter", infos.get("ByKind").getDescriptor().getFieldValue("metricType"));
        assertEquals("ms", infos.get("LastEventTime").getDescriptor().getFieldValue("units"));
        assertEquals("java.lang.String", infos.get("LastEventDate").getType());
    }

    @Test
    void aSlowListenerDoesNotBlockPublish() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server.addNotificationListener(bean.objectName(), (n, h) -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, null, null);
        long t0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            bean.publish(event(i));
        }
        release.countDown();
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "publish returned while the listener waited");
        assertEquals(99, ((CompositeData) server.getAttribute(bean.objectName(), "LastEvent")).get("pid"));
    }

    @Test
    void thresholdWriteIsAnnouncedAndABadOneRefusedWithMessage() throws Exception {
        BlockingQueue<Notification> q = new LinkedBlockingQueue<>();
        server.addNotificationListener(bean.objectName(), (n, h) -> q.add(n), null, null);
        server.setAttribute(bean.objectName(), new javax.management.Attribute("ThresholdMillis", 250L));
        AttributeChangeNotification n = (AttributeChangeNotification) q.poll(5, TimeUnit.SECONDS);
        assertEquals(AttributeChangeNotification.ATTRIBUTE_CHANGE, n.getType());
        assertEquals("ThresholdMillis", n.getAttributeName());
        assertEquals(100L, n.getOldValue());
        assertEquals(250L, n.getNewValue());

        InvalidAttributeValueException bad = assertThrows(InvalidAttributeValueException.class,
                () -> server.setAttribute(bean.objectName(), new javax.management.Attribute("ThresholdMillis", 0L)));
        assertTrue(bad.getMessage().contains("ThresholdMillis must be >= 1, got 0"), bad.getMessage());
        InvalidAttributeValueException text = assertThrows(InvalidAttributeValueException.class,
                () -> server.setAttribute(bean.objectName(), new javax.management.Attribute("ThresholdMillis", "ten")));
        assertTrue(text.getMessage().contains("'ten'"), text.getMessage());
        assertEquals(250L, server.getAttribute(bean.objectName(), "ThresholdMillis"));
        // an integer from a client is accepted for a long attribute
        server.setAttribute(bean.objectName(), new javax.management.Attribute("ThresholdMillis", 300));
        assertEquals(300L, server.getAttribute(bean.objectName(), "ThresholdMillis"));
        server.setAttribute(bean.objectName(), new javax.management.Attribute("ThresholdMillis", 400.0));
        assertEquals(400L, server.getAttribute(bean.objectName(), "ThresholdMillis"), "a whole Double is fine");
    }

    @Test
    void aFractionOrAnOverflowIsRefusedNamingTheAttributeNotTruncated() throws Exception {
        for (Object v : new Object[] {1.5, 1.5f, "1.5", new java.math.BigDecimal("2.25"), 1e20, "1e999999999",
                Double.NaN, "9223372036854775808"}) {
            InvalidAttributeValueException e = assertThrows(InvalidAttributeValueException.class,
                    () -> server.setAttribute(bean.objectName(), new javax.management.Attribute("ThresholdMillis", v)));
            assertTrue(e.getMessage().contains("ThresholdMillis expects a whole number (LONG), got '" + v + "'"),
                    e.getMessage());
        }
        assertEquals(100L, server.getAttribute(bean.objectName(), "ThresholdMillis"), "unchanged");
    }

    @Test
    void everyAttributeHasADescriptionAndCountsAreComposite() throws Exception {
        for (MBeanAttributeInfo a : server.getMBeanInfo(bean.objectName()).getAttributes()) {
            assertFalse(a.getDescription() == null || a.getDescription().isBlank(), a.getName());
        }
        CompositeData counts = (CompositeData) server.getAttribute(bean.objectName(), "ByKind");
        assertEquals(2L, counts.get("B"));
        assertTrue(server.getMBeanInfo(bean.objectName()).getNotifications().length >= 2);
    }

    @Test
    void readOnlyAttributeCannotBeWritten() {
        assertThrows(Exception.class, () -> server.setAttribute(bean.objectName(),
                new javax.management.Attribute("LastEventTime", 5L)));
    }

    @Test
    void notificationsAreNumberedInOrderAndAttributeChangesRemembered() throws Exception {
        BlockingQueue<Notification> q = new LinkedBlockingQueue<>();
        server.addNotificationListener(bean.objectName(), (n, h) -> q.add(n), null, null);
        bean.publish(event(1));
        bean.publish(event(2));
        bean.publish(event(3));
        server.setAttribute(bean.objectName(), new javax.management.Attribute("ThresholdMillis", 7L));
        bean.publish(event(4));
        bean.publish(event(5));
        for (long seq = 1; seq <= 6; seq++) {
            Notification n = q.poll(5, TimeUnit.SECONDS);
            assertEquals(seq, n.getSequenceNumber());
            assertEquals(seq == 4 ? AttributeChangeNotification.ATTRIBUTE_CHANGE : "huatuo.unittest", n.getType());
        }
        assertEquals(6, bean.lastSequence());
        // a client that saw 1 and then 6 missed 2..5: four notifications, three of them events
        assertEquals(4, bean.notificationsBetween(1, 6, true));
        assertEquals(3, bean.notificationsBetween(1, 6, false));
        assertEquals(0, bean.notificationsBetween(3, 5, false), "only the attribute change was between them");
        assertEquals(0, bean.notificationsBetween(5, 6, true));
    }

    @Test
    void listenersAreBoundedPerMBean() throws Exception {
        javax.management.NotificationListener l = (n, h) -> { };
        for (int i = 0; i < Subscribers.MAX_PER_MBEAN; i++) {
            server.addNotificationListener(bean.objectName(), l, null, i);
        }
        Exception e = assertThrows(Exception.class, () -> server.addNotificationListener(bean.objectName(),
                (n, h) -> { }, null, null));
        Throwable cause = e.getCause() == null ? e : e.getCause();
        assertTrue(cause.getMessage().contains("has " + Subscribers.MAX_PER_MBEAN
                + " notification listeners, the limit per MBean"), cause.getMessage());
        server.removeNotificationListener(bean.objectName(), l, null, 0);
        server.addNotificationListener(bean.objectName(), l, null, "again");
        server.removeNotificationListener(bean.objectName(), l);
        assertThrows(javax.management.ListenerNotFoundException.class,
                () -> server.removeNotificationListener(bean.objectName(), l));
    }

    @Test
    void aStuckLocalListenerLosesOnlyItsOwnNotificationsAndTheyAreCounted() throws Exception {
        Notifier small = new Notifier(2);
        Schema schema = new Schema("unittest2", List.of(Field.int32("pid", "process")));
        TracerBean b = new TracerBean(schema, List.of(), small);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        b.addNotificationListener((n, h) -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, null, null);
        AtomicLong remote = new AtomicLong();
        b.addNotificationListener((n, h) -> remote.incrementAndGet(), (RemoteDelivery) n -> true, null);
        Event e = Event.builder(schema).hostname("h").set("pid", 0).build();
        b.publish(e);
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        // the notifier is stuck in the first delivery; its queue (2) takes two more, three are dropped,
        // while the connector's buffer gets every one at once, on the sender's thread
        assertEquals(1, remote.get());
        for (int i = 2; i <= 6; i++) {
            b.publish(e);
            assertEquals(i, remote.get());
        }
        assertEquals(3, small.dropped());
        assertEquals(3, b.notificationsLost());
        b.countLost(4);
        assertEquals(7, b.notificationsLost(), "plus what remote clients were found to miss");
        release.countDown();
        small.close();
    }

    @Test
    void objectNamesComeFromOnePlace() throws Exception {
        assertEquals(new ObjectName("huatuo:type=Daemon"), ObjectNames.daemon());
        assertEquals("huatuo.oom", ObjectNames.notificationType("oom"));
    }
}
