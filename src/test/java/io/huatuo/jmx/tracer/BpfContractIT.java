package io.huatuo.jmx.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.bpf.BpfContract;
import io.huatuo.jmx.bpf.StructLayout;
import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.tracer.dropwatch.Dropwatch;
import io.huatuo.jmx.tracer.dropwatch.DropwatchBpf;
import io.huatuo.jmx.tracer.dropwatch.DropwatchBpf.DropwatchEvent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generated contract guards the load: Java generated for another layout leaves the tracer UNAVAILABLE, saying why. */
class BpfContractIT {

    /** The dropwatch object read by Java that expects pid 4 bytes further on. */
    private static final class Drifted extends BpfTracer {
        Drifted(BpfContract contract) {
            super(Dropwatch.SCHEMA, contract);
        }

        @Override
        protected List<Probe> probes() {
            return List.of(new Probe("tp_btf/kfree_skb", DropwatchBpf.Programs.DROPWATCH_BTF));
        }

        @Override
        protected int maxRecordBytes() {
            return DropwatchEvent.SIZE;
        }

        @Override
        protected PendingEvent decode(ByteBuffer buf, int offset, int length) {
            throw new AssertionError("never attached");
        }
    }

    @Test
    void aLayoutMismatchLeavesTheTracerUnavailableNamingTheMember() {
        Kernel.assumeRootAndBpf();
        List<StructLayout.Member> members = new ArrayList<>(DropwatchEvent.LAYOUT.members());
        StructLayout.Member pid = DropwatchEvent.LAYOUT.member("pid");
        members.set(members.indexOf(pid), new StructLayout.Member("pid", pid.offset() + 4, 4));
        BpfContract drifted = new BpfContract(DropwatchBpf.OBJECT,
                List.of(StructLayout.of(DropwatchEvent.NAME, DropwatchEvent.SIZE, members)));
        try (RingPoller poller = new RingPoller(64 * 1024); Drifted t = new Drifted(drifted)) {
            t.start(new TracerContext(HuatuoConfig.defaults(TracerRegistry.ALL), poller, e -> true), true);
            assertEquals(TracerState.UNAVAILABLE, t.state());
            assertTrue(t.probe().contains("struct dropwatch_event member pid is at offset " + pid.offset() + " (4 bytes), "
                    + "the Java side was generated for offset " + (pid.offset() + 4)), t.probe());
        }
    }
}
