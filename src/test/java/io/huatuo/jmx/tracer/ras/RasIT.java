package io.huatuo.jmx.tracer.ras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.TestDaemon;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ras on this machine's kernel: exactly the hardware error tracepoints the kernel has are attached
 * (told independently of BTF by the kernel's own __traceiter_ symbols) and the others are named as
 * missing; a kernel without any leaves the tracer UNAVAILABLE (RasDecoderTest). This machine has no
 * EDAC driver, no machine checks and no PCIe AER port, so errors are injected in guests (RasVmIT).
 */
class RasIT {
    private static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        daemon = TestDaemon.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void theTracepointsThisKernelHasAreAttachedAndTheOthersNamed() throws Exception {
        Set<String> traceiters = Kernel.tracepoints();
        List<Ras.Source> present = Ras.SOURCES.stream().filter(s -> traceiters.contains(s.tracepoint())).toList();
        System.out.println("ras here: " + daemon.attribute(Ras.NAME, "State") + ", " + daemon.attribute(Ras.NAME, "Probe"));
        if (present.isEmpty()) {
            assertEquals("UNAVAILABLE", daemon.attribute(Ras.NAME, "State"));
            assertTrue(((String) daemon.attribute(Ras.NAME, "Probe")).contains("none of these tracepoints"));
            return;
        }
        assertEquals("RUNNING", daemon.attribute(Ras.NAME, "State"));
        assertEquals(Ras.describe(present), daemon.attribute(Ras.NAME, "Probe"));
    }
}
