package io.huatuo.jmx.tracer.netrecvlat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.bpf.StructLayout;
import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.TracerContext;
import io.huatuo.jmx.tracer.TracerTesting;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The netrecvlat decoder on records laid out by the object's own BTF (no root: the object is only
 * opened), and the threshold attributes' validation.
 */
class NetrecvlatDecoderTest {
    private BpfObject object;
    private Netrecvlat tracer;
    private StructLayout layout;

    @BeforeEach
    void prepare() {
        object = BpfObject.openResource("netrecvlat");
        tracer = new Netrecvlat(new NetrecvlatConfig(true, 100, 5, 10, 115));
        TracerTesting.prepareDecoder(tracer, new TracerContext(HuatuoConfig.defaults(TracerRegistry.ALL), null, e -> true), object);
        layout = object.structLayout("netrecvlat_event");
    }

    @AfterEach
    void close() {
        object.close();
    }

    private ByteBuffer record(int where, long latencyNs) {
        ByteBuffer b = ByteBuffer.allocate(layout.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(layout.offsetOf("ktime_ns"), 1_000_000_000L);
        b.putLong(layout.offsetOf("latency_ns"), latencyNs);
        b.putInt(layout.offsetOf("pid"), 4242);
        b.putInt(layout.offsetOf("seq"), 0xfffffff0);
        b.putInt(layout.offsetOf("ack_seq"), 689410995);
        b.putInt(layout.offsetOf("pkt_len"), 26064);
        b.putShort(layout.offsetOf("sport"), (short) 9213);
        b.putShort(layout.offsetOf("dport"), (short) 49000);
        b.put(layout.offsetOf("family"), (byte) 2);
        b.put(layout.offsetOf("state"), (byte) 1);
        b.put(layout.offsetOf("where"), (byte) where);
        b.put(layout.offsetOf("saddr"), new byte[] {10, (byte) 156, (byte) 248, 76});
        b.put(layout.offsetOf("daddr"), new byte[] {10, (byte) 134, 72, 4});
        b.put(layout.offsetOf("comm"), "nginx".getBytes(StandardCharsets.US_ASCII));
        return b;
    }

    @Test
    void userCopyRecordDecodesToHuatuosFieldsWithTheReadersContainer() {
        PendingEvent p = tracer.decode(record(2, 95_973_400_000L), 0, layout.size());
        Event e = p.builder().hostname("h").region("r").build();
        assertEquals("TO_USER_COPY", e.get("where"));
        assertEquals(95973L, e.get("latency_ms"));
        assertEquals("nginx", e.get("comm"));
        assertEquals(4242, e.get("pid"));
        assertEquals("ESTABLISHED", e.get("state"));
        assertEquals("10.156.248.76", e.get("saddr"));
        assertEquals("10.134.72.4", e.get("daddr"));
        assertEquals(9213, e.get("sport"));
        assertEquals(49000, e.get("dport"));
        assertEquals(0xfffffff0L, e.get("seq"), "seq is unsigned");
        assertEquals(689410995L, e.get("ack_seq"));
        assertEquals(26064, e.get("pkt_len"));
        assertEquals(4242, p.containerPid(), "the reader's container");
    }

    @Test
    void earlierStagesRunInSoftirqAndGetNoContainer() {
        PendingEvent p = tracer.decode(record(0, 6_000_000L), 0, layout.size());
        Event e = p.builder().hostname("h").region("r").build();
        assertEquals("TO_NETIF_RCV", e.get("where"));
        assertEquals("", e.get("state"), "no socket before TCP");
        assertEquals(-1, p.containerPid());
        assertEquals("TO_TCPV4_RCV", tracer.decode(record(1, 11_000_000L), 0, layout.size()).builder()
                .hostname("h").region("r").build().get("where"));
    }

    @Test
    void shortRecordIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> tracer.decode(record(2, 1), 0, layout.size() - 1));
    }

    @Test
    void thresholdsAreValidatedAndNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tracer.setThresholdMillis(2, 0));
        assertTrue(e.getMessage().startsWith("ThresholdUserCopyMillis must be between 1 and 3600000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tracer.setThresholdMillis(0, 3_600_001));
        tracer.setThresholdMillis(1, 20);
        assertEquals(20, tracer.thresholdMillis(1));
        assertEquals(115, tracer.thresholdMillis(2));
        assertEquals(115_000_000L, object.getGlobalLong("threshold_copy_ns"), "set before load from the config");
    }
}
