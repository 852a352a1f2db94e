package io.huatuo.jmx.tracer.netdev_txqueue_timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.tracer.TracerContext;
import io.huatuo.jmx.tracer.TracerTesting;
import io.huatuo.jmx.tracer.netdev_txqueue_timeout.NetdevTxqueueTimeoutBpf.NetdevTxqueueTimeoutEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The netdev_txqueue_timeout decoder on records laid out as the object's BTF has them (the generated
 * layout, which prepareDecoder checks against the object); no root needed, the object is only opened.
 * A real timeout needs a guest whose virtio-net NIC's backend stops draining (see NetdevTxqueueTimeoutIT).
 */
class NetdevTxqueueTimeoutDecoderTest {
    private static final int AT = 40; // records are decoded at an offset, as the ring poller hands them over
    private BpfObject object;
    private NetdevTxqueueTimeout tracer;

    @BeforeEach
    void prepare() {
        object = BpfObject.openResource(NetdevTxqueueTimeout.NAME);
        tracer = new NetdevTxqueueTimeout();
        TracerTesting.prepareDecoder(tracer, new TracerContext(HuatuoConfig.defaults(TracerRegistry.ALL), null,
                e -> true), object);
    }

    @AfterEach
    void close() {
        object.close();
    }

    private static ByteBuffer record(String device, String driver) {
        ByteBuffer b = ByteBuffer.allocate(AT + NetdevTxqueueTimeoutEvent.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(AT + NetdevTxqueueTimeoutEvent.DEVICE_OFFSET, device.getBytes(StandardCharsets.US_ASCII));
        b.put(AT + NetdevTxqueueTimeoutEvent.DRIVER_OFFSET, driver.getBytes(StandardCharsets.US_ASCII));
        return b;
    }

    @Test
    void decodesAQueueThatTimedOut() {
        ByteBuffer b = record("enp0s4", "virtio_net");
        b.putInt(AT + NetdevTxqueueTimeoutEvent.QUEUE_INDEX_OFFSET, 3)
                .putInt(AT + NetdevTxqueueTimeoutEvent.IFINDEX_OFFSET, 2)
                .putInt(AT + NetdevTxqueueTimeoutEvent.TX_QUEUES_OFFSET, 4)
                .putLong(AT + NetdevTxqueueTimeoutEvent.QUEUE_TIMEOUTS_OFFSET, 6)
                .putLong(AT + NetdevTxqueueTimeoutEvent.NETNS_OFFSET, 4026531840L);
        Event e = tracer.decode(b, AT, NetdevTxqueueTimeoutEvent.SIZE).builder().hostname("h").build();
        assertEquals(3, e.get("queue_index"));
        assertEquals("enp0s4", e.get("device_name"));
        assertEquals("virtio_net", e.get("driver_name"));
        assertEquals(2, e.get("ifindex"));
        assertEquals(4, e.get("tx_queues"));
        assertEquals(6L, e.get("queue_timeouts"));
        assertEquals(4026531840L, e.get("net_namespace_inum"));
    }

    @Test
    void namesFillTheirWholeFieldAndADeviceWithoutDriverHasAnEmptyOne() {
        String longDriver = "a_driver_name_of_31_characters_";
        ByteBuffer b = record("ifname_15_chars", longDriver);
        Event e = tracer.decode(b, AT, NetdevTxqueueTimeoutEvent.SIZE).builder().hostname("h").build();
        assertEquals("ifname_15_chars", e.get("device_name"));
        assertEquals(longDriver, e.get("driver_name"));
        Event none = tracer.decode(record("dummy0", ""), AT, NetdevTxqueueTimeoutEvent.SIZE).builder().hostname("h")
                .build();
        assertEquals("", none.get("driver_name"));
    }

    @Test
    void refusesAShortRecord() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tracer.decode(record("x", "y"), AT, 20));
        assertTrue(e.getMessage().contains("20 bytes"), e.getMessage());
    }
}
