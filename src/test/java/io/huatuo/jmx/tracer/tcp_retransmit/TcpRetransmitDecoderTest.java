package io.huatuo.jmx.tracer.tcp_retransmit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.bpf.StructLayout;
import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.tracer.TracerContext;
import io.huatuo.jmx.tracer.TracerTesting;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tcp_retransmit decoder on records laid out as the object's BTF has them (the generated layout,
 * which prepareDecoder checks against the object; the kernel side is exercised by TcpRetransmitIT);
 * no root needed, the object is only opened.
 */
class TcpRetransmitDecoderTest {
    private static final int AT = 24; // records are decoded at an offset, as the ring poller hands them over
    private BpfObject object;
    private TcpRetransmit tracer;
    private StructLayout layout;

    @BeforeEach
    void prepare() {
        object = BpfObject.openResource(TcpRetransmit.NAME);
        tracer = new TcpRetransmit();
        TracerTesting.prepareDecoder(tracer, new TracerContext(HuatuoConfig.defaults(TracerRegistry.ALL), null,
                e -> true), object);
        layout = TcpRetransmitBpf.TcpRetransmitEvent.LAYOUT;
    }

    @AfterEach
    void close() {
        object.close();
    }

    private ByteBuffer record() {
        return ByteBuffer.allocate(AT + layout.size()).order(ByteOrder.LITTLE_ENDIAN);
    }

    private int at(String field) {
        return AT + layout.offsetOf(field);
    }

    private Event decode(ByteBuffer b, int length) {
        return tracer.decode(b, AT, length).builder().hostname("h").build();
    }

    @Test
    void decodesATimeoutRetransmissionOfAnIpv4Socket() {
        ByteBuffer b = record();
        b.put(at("family"), (byte) 2).put(at("state"), (byte) 1).put(at("ca_state"), (byte) 4)
                .put(at("retransmits"), (byte) 3);
        b.put(at("saddr"), new byte[] {(byte) 198, 18, 7, 1}).put(at("daddr"), new byte[] {(byte) 198, 18, 7, 2});
        b.putShort(at("sport"), (short) 54520).putShort(at("dport"), (short) 8080);
        b.putInt(at("seq"), 0xfffffff0).putInt(at("end_seq"), 0x00000010).putInt(at("ack_seq"), 0x80000001);
        b.putShort(at("tcp_flags"), (short) 0x18).putInt(at("total_retrans"), 7).putInt(at("err"), -16);
        b.putInt(at("pid"), 4242).putLong(at("netns"), 4026532173L).put(at("comm"), "swapper/1\0".getBytes());

        Event e = decode(b, layout.size());
        assertEquals("198.18.7.1", e.get("tcp_saddr"));
        assertEquals("198.18.7.2", e.get("tcp_daddr"));
        assertEquals(54520, e.get("tcp_sport"), "ports are unsigned");
        assertEquals(8080, e.get("tcp_dport"));
        assertEquals("ESTABLISHED", e.get("tcp_state"));
        assertEquals("data", e.get("phase"));
        assertEquals(0xfffffff0L, e.get("tcp_seq"), "sequence numbers are unsigned");
        assertEquals(0x10L, e.get("tcp_end_seq"), "and wrap");
        assertEquals(0x80000001L, e.get("tcp_ack_seq"));
        assertEquals("PSH|ACK", e.get("tcp_flags"));
        assertEquals(4, e.get("ca_state"));
        assertEquals("RTO", e.get("tcp_reason"));
        assertEquals(3, e.get("icsk_retransmits"));
        assertEquals(7L, e.get("total_retrans"));
        assertEquals(-16, e.get("err"));
        assertEquals(4242, e.get("pid"));
        assertEquals("swapper/1", e.get("comm"));
        assertEquals(4026532173L, e.get("net_namespace_inum"));
    }

    @Test
    void decodesAnIpv6SynRetry() {
        ByteBuffer b = record();
        b.put(at("family"), (byte) 10).put(at("state"), (byte) 2).put(at("ca_state"), (byte) 4);
        byte[] local = new byte[16];
        byte[] remote = new byte[16];
        local[0] = (byte) 0xfd;
        local[15] = 1;
        remote[0] = (byte) 0xfd;
        remote[15] = 2;
        b.put(at("saddr"), local).put(at("daddr"), remote).putShort(at("tcp_flags"), (short) 0x02);
        Event e = decode(b, layout.size());
        assertEquals("fd00:0:0:0:0:0:0:1", e.get("tcp_saddr"));
        assertEquals("fd00:0:0:0:0:0:0:2", e.get("tcp_daddr"));
        assertEquals("SYN_SENT", e.get("tcp_state"));
        assertEquals("connect", e.get("phase"));
        assertEquals("SYN", e.get("tcp_flags"));
    }

    @Test
    void anIpv4MappedSocketShowsTheIpv4Address() {
        ByteBuffer b = record();
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 9};
        b.put(at("family"), (byte) 10).put(at("daddr"), mapped);
        assertEquals("10.0.0.9", decode(b, layout.size()).get("tcp_daddr"));
    }

    @Test
    void namesFlagsPhasesAndReasons() {
        assertEquals("", TcpRetransmit.flags(0));
        assertEquals("FIN|ACK", TcpRetransmit.flags(0x11));
        assertEquals("SYN|ECE|CWR", TcpRetransmit.flags(0xc2));
        assertEquals("ACK|AE", TcpRetransmit.flags(0x110));
        assertEquals("close", TcpRetransmit.phase("FIN_WAIT1"));
        assertEquals("close", TcpRetransmit.phase("LAST_ACK"));
        assertEquals("connect", TcpRetransmit.phase("SYN_RECV"));
        assertEquals("fast_retransmit", TcpRetransmit.reason(3));
        assertEquals("unknown", TcpRetransmit.reason(0));
    }

    @Test
    void refusesAShortRecord() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> decode(record(), 40));
        assertTrue(e.getMessage().contains("40 bytes"), e.getMessage());
    }
}
