package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.TestDaemon;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.Descriptor;
import javax.management.MBeanAttributeInfo;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.OpenMBeanAttributeInfo;
import org.junit.jupiter.api.Test;

/**
 * What a JMX console shows, read over a remote connection as JConsole reads it: every number says
 * its units and whether it is a counter or a gauge (the JDK's Descriptor fields), writable numbers
 * their range, State its legal values; thresholds are all long; LastEventDate is readable; a
 * notification's message leads with what an operator triages on.
 */
class JmxMetadataIT {
    private static final Set<String> NUMBERS = Set.of("long", "java.lang.Long", "int", "java.lang.Integer",
            "javax.management.openmbean.CompositeData");

    @Test
    void descriptorsThresholdsEventTimeAndMessages() throws Exception {
        Kernel.assumeRootAndBpf();
        try (TestDaemon daemon = TestDaemon.start(IntegrationsIT.TRACERS); NetnsPair net = new NetnsPair()) {
            List<String> wrong = new ArrayList<>();
            int numbers = 0;
            List<ObjectName> beans = new ArrayList<>(daemon.mbsc.queryNames(new ObjectName("huatuo:type=Tracer,*"), null));
            beans.add(new ObjectName("huatuo:type=Daemon"));
            for (ObjectName bean : beans) {
                for (MBeanAttributeInfo a : daemon.mbsc.getMBeanInfo(bean).getAttributes()) {
                    String where = bean.getKeyProperty("name") + "." + a.getName();
                    Descriptor d = a.getDescriptor();
                    boolean number = NUMBERS.contains(a.getType()) && !a.getName().equals("LastEvent");
                    if (number) {
                        numbers++;
                        Object type = d.getFieldValue("metricType");
                        if (!"counter".equals(type) && !"gauge".equals(type)) {
                            wrong.add(where + ": metricType " + type);
                        }
                        if (d.getFieldValue("units") == null) {
                            wrong.add(where + ": no units");
                        }
                        if (a.isWritable() && (!(((OpenMBeanAttributeInfo) a).getMinValue() instanceof Long)
                                || !(((OpenMBeanAttributeInfo) a).getMaxValue() instanceof Long))) {
                            wrong.add(where + ": writable without minValue/maxValue");
                        }
                    }
                    if ((a.getName().contains("Threshold") || a.getName().endsWith("Millis"))
                            && !a.getType().equals("java.lang.Long")) {
                        wrong.add(where + ": a threshold or duration of type " + a.getType());
                    }
                }
            }
            assertEquals(List.of(), wrong);
            System.out.println("jmx metadata: " + numbers + " numeric attributes on " + beans.size()
                    + " MBeans, each with units and metricType");

            ObjectName dw = new ObjectName("huatuo:type=Tracer,name=dropwatch");
            MBeanAttributeInfo state = List.of(daemon.mbsc.getMBeanInfo(dw).getAttributes()).stream()
                    .filter(a -> a.getName().equals("State")).findFirst().orElseThrow();
            assertEquals(Set.of("RUNNING", "DISABLED", "UNAVAILABLE", "FAILED"),
                    ((OpenMBeanAttributeInfo) state).getLegalValues());
            MBeanAttributeInfo threshold = List.of(daemon.mbsc.getMBeanInfo(
                    new ObjectName("huatuo:type=Tracer,name=softirq")).getAttributes()).stream()
                    .filter(a -> a.getName().equals("ThresholdMillis")).findFirst().orElseThrow();
            assertEquals("ms", threshold.getDescriptor().getFieldValue("units"));
            assertEquals(1L, ((OpenMBeanAttributeInfo) threshold).getMinValue());
            assertEquals(3_600_000L, ((OpenMBeanAttributeInfo) threshold).getMaxValue());

            BlockingQueue<Notification> q = daemon.subscribe("dropwatch");
            net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
            Notification ours = null;
            long end = System.currentTimeMillis() + 5000;
            while (ours == null && System.currentTimeMillis() < end) {
                Notification n = q.poll(500, TimeUnit.MILLISECONDS);
                if (n != null && n.getMessage().contains("daddr=" + net.addrB + " dport=9")) {
                    ours = n;
                }
            }
            assertTrue(ours != null, "our drop's notification");
            System.out.println("jmx notification message: " + ours.getMessage());
            assertTrue(ours.getMessage().startsWith("dropwatch reason=NO_SOCKET state=- saddr=" + net.addrA + " sport="),
                    "reason first, then the addresses: " + ours.getMessage());
            String date = (String) daemon.mbsc.getAttribute(dw, "LastEventDate");
            assertTrue(date.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} [+-]\\d{4}"), date);
        }
    }
}
