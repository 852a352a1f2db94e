package io.huatuo.jmx.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.Attribute;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** A raised rate limit gets a ring that holds 100 ms of it; the kernel's own view of the map says so. */
class RingSizeIT {

    /** max_entries of a BPF map as the kernel shows it in this process's fdinfo. */
    private static long kernelMaxEntries(Tracer t) throws Exception {
        int fd = ((BpfTracer) t).object().map(HuatuoBpf.Maps.EVENTS).fd();
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("max_entries:")) {
                return Long.parseLong(line.substring("max_entries:".length()).trim());
            }
        }
        throw new AssertionError("no max_entries in fdinfo of fd " + fd);
    }

    @Test
    void raisedLimitGetsALargerRingAndTheDefaultKeepsTheCompiledOne() throws Exception {
        Kernel.assumeRootAndBpf();
        try (TestDaemon d = TestDaemon.start("  dropwatch:\n    maxEventsPerSecond: 50000\n")) {
            // 50,000 dropwatch records (448 + 8 bytes) a second: 2,280,000 bytes in 100 ms
            assertEquals(4L << 20, kernelMaxEntries(d.service.tracer("dropwatch")));
            assertEquals("RUNNING", d.attribute("dropwatch", "State"));
            // tcp_retransmit keeps its compiled 64 KiB at the default limit, and a limit raised over JMX
            // takes effect for the rate but keeps the ring (sized at load only)
            assertEquals(64L << 10, kernelMaxEntries(d.service.tracer("tcp_retransmit")));
            d.mbsc.setAttribute(new ObjectName("huatuo:type=Tracer,name=tcp_retransmit"),
                    new Attribute("MaxEventsPerSecond", 100_000L));
            assertEquals(100_000L, d.attribute("tcp_retransmit", "MaxEventsPerSecond"));
            assertEquals(64L << 10, kernelMaxEntries(d.service.tracer("tcp_retransmit")));
        }
    }
}
