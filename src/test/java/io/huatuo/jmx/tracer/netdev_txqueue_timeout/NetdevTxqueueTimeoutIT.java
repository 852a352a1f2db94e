package io.huatuo.jmx.tracer.netdev_txqueue_timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.ProcFds;
import io.huatuo.jmx.testing.TestDaemon;
import javax.management.Attribute;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * netdev_txqueue_timeout on this machine: the probe loads and attaches (the verifier accepts it),
 * and detaches and re-attaches at run time. No device here can be made to time out: veth, the only
 * NIC tests may break, has no ndo_tx_timeout and so no watchdog, and the machine's own NIC is its
 * link. A real timeout needs a guest: a virtio-net NIC whose QEMU backend stops draining its ring.
 */
class NetdevTxqueueTimeoutIT {
    private static final String NAME = NetdevTxqueueTimeout.NAME;
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
    void tracerRunsOnTheWatchdogsTracepoint() throws Exception {
        assertEquals("RUNNING", daemon.attribute(NAME, "State"));
        assertEquals("tp_btf/net_dev_xmit_timeout", daemon.attribute(NAME, "Probe"));
        assertEquals(true, daemon.attribute(NAME, "Enabled"));
    }

    @Test
    void disablingDetachesAndEnablingReattaches() throws Exception {
        ObjectName tracer = new ObjectName("huatuo:type=Tracer,name=" + NAME);
        int linksBefore = ProcFds.links(ProcessHandle.current().pid());
        daemon.mbsc.setAttribute(tracer, new Attribute("Enabled", false));
        try {
            assertEquals("DISABLED", daemon.attribute(NAME, "State"));
            assertEquals(linksBefore - 1, ProcFds.links(ProcessHandle.current().pid()), "its link is gone");
        } finally {
            daemon.mbsc.setAttribute(tracer, new Attribute("Enabled", true));
        }
        assertEquals("RUNNING", daemon.attribute(NAME, "State"));
        assertEquals(linksBefore, ProcFds.links(ProcessHandle.current().pid()), "re-attached");
    }
}
