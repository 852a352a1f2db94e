package io.huatuo.jmx.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.ProcFds;
import io.huatuo.jmx.testing.TestDaemon;
import io.huatuo.jmx.tracer.BpfTracer;
import io.huatuo.jmx.tracer.TracerTesting;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.Attribute;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** Failures show up where an operator looks: a dead ring poller, an endpoint that cannot be closed. */
class FailureVisibilityIT {
    private static final long WAIT_MILLIS = 5000;

    @Test
    void aDeadRingPollerMarksItsTracersFailedWithTheReason() throws Exception {
        Kernel.assumeRootAndBpf();
        try (TestDaemon daemon = TestDaemon.start("  dropwatch:\n    maxEventsPerSecond: 100000\n");
                NetnsPair net = new NetnsPair()) {
            Map<String, String> before = states(daemon);
            TracerTesting.failPoller(daemon.service.poller(), new IllegalStateException("injected drain failure"));
            for (String t : TracerRegistry.names()) {
                boolean bpf = daemon.service.tracer(t) instanceof BpfTracer;
                if (!bpf || !before.get(t).equals("RUNNING")) {
                    continue;
                }
                awaitState(daemon, t, "FAILED");
                String probe = (String) daemon.attribute(t, "Probe");
                assertTrue(probe.startsWith("ring poller stopped: java.lang.IllegalStateException: injected drain failure"),
                        t + ": " + probe);
            }
            // the tracers that read no ring keep running, and the daemon keeps answering
            for (String t : TracerRegistry.names()) {
                if (!(daemon.service.tracer(t) instanceof BpfTracer)) {
                    assertEquals(before.get(t), daemon.attribute(t, "State"), t);
                }
            }
            assertTrue((Long) daemon.mbsc.getAttribute(new ObjectName("huatuo:type=Daemon"), "Uptime") > 0);
            // switching it back on is refused with the reason, instead of pretending to run
            ObjectName dropwatch = new ObjectName("huatuo:type=Tracer,name=dropwatch");
            Exception e = assertThrows(Exception.class,
                    () -> daemon.mbsc.setAttribute(dropwatch, new Attribute("Enabled", true)));
            assertTrue(String.valueOf(rootCause(e).getMessage()).contains("dropwatch is FAILED: ring poller stopped"),
                    String.valueOf(rootCause(e)));
            // the kernel side still counts: a drop raises OccurrenceCount, and no event is reported
            long occurrences = daemon.counter("dropwatch", "OccurrenceCount");
            long events = daemon.counter("dropwatch", "EventCount");
            net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
            long end = System.currentTimeMillis() + WAIT_MILLIS;
            while (daemon.counter("dropwatch", "OccurrenceCount") == occurrences && System.currentTimeMillis() < end) {
                Thread.sleep(50);
            }
            assertTrue(daemon.counter("dropwatch", "OccurrenceCount") > occurrences, "the kernel side still counts");
            assertEquals(events, daemon.counter("dropwatch", "EventCount"), "no reader, no events");
        }
    }

    @Test
    void shutdownClosesEveryTracerWhenAnEndpointFailsToClose() throws Exception {
        Kernel.assumeRootAndBpf();
        Map<String, Integer> before = ProcFds.bpfOfThisProcess();
        TestDaemon daemon = TestDaemon.start("");
        URI jolokia = URI.create(daemon.service.jolokiaUrl());
        daemon.service.addEndpoint("broken endpoint", () -> {
            throw new IOException("injected close failure");
        });
        daemon.close(); // the broken endpoint is closed first, and fails
        assertEquals(before, ProcFds.bpfOfThisProcess(), "every tracer closed: no BPF program, link or map left");
        for (String t : TracerRegistry.names()) {
            assertFalse(daemon.service.tracer(t).isEnabled(), t);
        }
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(new ObjectName("huatuo:type=Daemon")),
                "MBeans unregistered");
        assertThrows(ConnectException.class, () -> new Socket(jolokia.getHost(), jolokia.getPort()).close(),
                "the endpoints after the broken one are closed too");
    }

    private static Map<String, String> states(TestDaemon daemon) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String t : TracerRegistry.names()) {
            m.put(t, (String) daemon.attribute(t, "State"));
        }
        return m;
    }

    private static void awaitState(TestDaemon daemon, String tracer, String state) throws Exception {
        long end = System.currentTimeMillis() + WAIT_MILLIS;
        while (!state.equals(daemon.attribute(tracer, "State")) && System.currentTimeMillis() < end) {
            Thread.sleep(20);
        }
        assertEquals(state, daemon.attribute(tracer, "State"), tracer + ": " + daemon.attribute(tracer, "Probe"));
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
