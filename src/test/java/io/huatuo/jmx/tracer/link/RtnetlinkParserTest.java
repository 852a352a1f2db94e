package io.huatuo.jmx.tracer.link;

import static io.huatuo.jmx.tracer.link.NlBytes.attr;
import static io.huatuo.jmx.tracer.link.NlBytes.message;
import static io.huatuo.jmx.tracer.link.NlBytes.nest;
import static io.huatuo.jmx.tracer.link.NlBytes.newlink;
import static io.huatuo.jmx.tracer.link.NlBytes.str;
import static io.huatuo.jmx.tracer.link.NlBytes.u16;
import static io.huatuo.jmx.tracer.link.NlBytes.u32;
import static io.huatuo.jmx.tracer.link.NlBytes.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.tracer.BadInput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RtnetlinkParserTest {
    private final BadInput bad = new BadInput("test");
    private final RtnetlinkParser parser = new RtnetlinkParser(bad);
    private final List<LinkMessage> links = new ArrayList<>();
    private final List<Integer> done = new ArrayList<>();
    private final RtnetlinkParser.Handler handler = new RtnetlinkParser.Handler() {
        @Override
        public void link(LinkMessage m) {
            links.add(m);
        }

        @Override
        public void dumpDone(int seq) {
            done.add(seq);
        }
    };

    private void parse(byte[] datagram) {
        parser.parseDatagrams(new NlBytes().datagram(datagram).buffer(), handler);
    }

    @Test
    void capturedLoopbackMessage() throws Exception {
        parse(NlBytes.resource("/netdev/rtm_newlink_lo.hex"));
        assertEquals(1, links.size());
        LinkMessage lo = links.get(0);
        assertEquals("lo", lo.ifname());
        assertEquals(1, lo.index());
        assertEquals(7, lo.seq());
        assertTrue(lo.adminUp() && lo.carrierUp(), "lo is up with carrier");
        assertEquals("UNKNOWN", LinkMessage.operstateName(lo.operstate()));
        assertEquals("00:00:00:00:00:00", lo.mac());
        assertEquals(1, lo.carrier());
        assertEquals("", lo.kind());
        assertNull(lo.bondSlave());
        assertEquals(0, bad.total());
    }

    @Test
    void bondSlaveDataIsParsed() {
        parse(newlink(3, "eth1", LinkMessage.IFF_UP | LinkMessage.IFF_LOWER_UP,
                attr(RtnetlinkParser.IFLA_ADDRESS, new byte[] {0x5c, 0x6f, 0x69, 0x34, (byte) 0xdc, 0x73}),
                attr(RtnetlinkParser.IFLA_OPERSTATE, u8(6)),
                attr(RtnetlinkParser.IFLA_MASTER, u32(7)),
                nest(RtnetlinkParser.IFLA_LINKINFO,
                        attr(RtnetlinkParser.IFLA_INFO_SLAVE_KIND, str("bond")),
                        nest(RtnetlinkParser.IFLA_INFO_SLAVE_DATA,
                                attr(RtnetlinkParser.IFLA_BOND_SLAVE_STATE, u8(1)),
                                attr(RtnetlinkParser.IFLA_BOND_SLAVE_MII_STATUS, u8(0)),
                                attr(3, u32(17)),
                                attr(RtnetlinkParser.IFLA_BOND_SLAVE_AD_AGGREGATOR_ID, u16(1)),
                                attr(RtnetlinkParser.IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE, u8(15)),
                                attr(RtnetlinkParser.IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE, u16(31)),
                                attr(RtnetlinkParser.IFLA_BOND_SLAVE_AD_CHURN_ACTOR_STATE, u8(1)),
                                attr(RtnetlinkParser.IFLA_BOND_SLAVE_AD_CHURN_PARTNER_STATE, u8(1))))));
        LinkMessage m = links.get(0);
        assertEquals("eth1", m.ifname());
        assertEquals("5c:6f:69:34:dc:73", m.mac());
        assertEquals("UP", LinkMessage.operstateName(m.operstate()));
        assertEquals(7, m.master());
        assertEquals("bond", m.slaveKind());
        assertEquals(new LinkMessage.BondSlave(1, 0, 1, 15, 31, 1, 1), m.bondSlave());
        assertEquals(0, bad.total());
    }

    @Test
    void bondSlaveOutsideModeFourHasNoPortStates() {
        parse(newlink(4, "eth2", 1, nest(RtnetlinkParser.IFLA_LINKINFO,
                attr(RtnetlinkParser.IFLA_INFO_SLAVE_KIND, str("bond")),
                nest(RtnetlinkParser.IFLA_INFO_SLAVE_DATA, attr(RtnetlinkParser.IFLA_BOND_SLAVE_STATE, u8(0))))));
        assertEquals(new LinkMessage.BondSlave(0, -1, -1, -1, -1, -1, -1), links.get(0).bondSlave());
    }

    @Test
    void severalMessagesAndDatagramsAndTheDumpEnd() {
        ByteBuffer b = new NlBytes()
                .datagram(newlink(2, "eth0", 1), message(RtnetlinkParser.RTM_DELLINK, 0, 5, 0,
                        attr(RtnetlinkParser.IFLA_IFNAME, str("veth9"))))
                .datagram(message(RtnetlinkParser.NLMSG_DONE, 42, 0, 0, u32(0)))
                .buffer();
        parser.parseDatagrams(b, handler);
        assertEquals(2, links.size());
        assertEquals("eth0", links.get(0).ifname());
        assertTrue(links.get(1).deleted());
        assertEquals(List.of(42), done);
        assertEquals(0, bad.total());
    }

    @Test
    void truncatedMessageIsCountedAndTheRestOfTheBufferStillParsed() {
        byte[] whole = newlink(2, "eth0", 1, attr(RtnetlinkParser.IFLA_OPERSTATE, u8(6)));
        byte[] cut = Arrays.copyOf(whole, whole.length - 8); // nlmsg_len now says more than there is
        ByteBuffer b = new NlBytes().datagram(cut).datagram(newlink(3, "eth1", 1)).buffer();
        parser.parseDatagrams(b, handler);
        assertEquals(1, bad.count("nlmsg_len"));
        assertEquals(List.of("eth1"), links.stream().map(LinkMessage::ifname).toList());
    }

    @Test
    void badAttributeLengthsAreCountedPerKind() {
        byte[] m = newlink(2, "eth0", 1, attr(RtnetlinkParser.IFLA_OPERSTATE, u8(6)));
        ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).putShort(32, (short) 2); // IFLA_IFNAME len < 4
        parse(m);
        byte[] slave = newlink(3, "eth1", 1, nest(RtnetlinkParser.IFLA_LINKINFO,
                attr(RtnetlinkParser.IFLA_INFO_SLAVE_KIND, str("bond")),
                nest(RtnetlinkParser.IFLA_INFO_SLAVE_DATA,
                        attr(RtnetlinkParser.IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE, u8(61)))));
        parse(slave); // partner state must be u16
        byte[] shortLink = message(RtnetlinkParser.NLMSG_DONE, 0, 0, 0);
        ByteBuffer.wrap(shortLink).order(ByteOrder.nativeOrder()).putShort(4, (short) RtnetlinkParser.RTM_NEWLINK);
        parse(shortLink); // a link message without its ifinfomsg
        assertEquals(1, bad.count("attribute length"));
        assertEquals(1, bad.count("bond slave value"));
        assertEquals(1, bad.count("ifinfomsg"));
        assertEquals(3, bad.total());
        assertTrue(links.isEmpty(), "malformed messages are skipped: " + links);
    }

    @Test
    void brokenDatagramFramingIsCounted() {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(0, 1000);
        parser.parseDatagrams(b, handler);
        assertEquals(1, bad.count("datagram framing"));
    }

    @Test
    void randomGarbageNeverThrows() throws Exception {
        byte[] good = NlBytes.resource("/netdev/rtm_newlink_lo.hex");
        Random r = new Random(3);
        for (int i = 0; i < 20000; i++) {
            byte[] m = good.clone();
            for (int k = 0; k < 1 + r.nextInt(8); k++) {
                m[r.nextInt(m.length)] = (byte) r.nextInt(256);
            }
            parse(Arrays.copyOf(m, r.nextInt(m.length + 1)));
        }
        assertTrue(bad.total() > 0);
    }
}
