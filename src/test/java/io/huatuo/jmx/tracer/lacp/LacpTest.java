package io.huatuo.jmx.tracer.lacp;

import static io.huatuo.jmx.tracer.link.NlBytes.attr;
import static io.huatuo.jmx.tracer.link.NlBytes.nest;
import static io.huatuo.jmx.tracer.link.NlBytes.newlink;
import static io.huatuo.jmx.tracer.link.NlBytes.str;
import static io.huatuo.jmx.tracer.link.NlBytes.u16;
import static io.huatuo.jmx.tracer.link.NlBytes.u32;
import static io.huatuo.jmx.tracer.link.NlBytes.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.tracer.BadInput;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.TracerContext;
import io.huatuo.jmx.tracer.TracerState;
import io.huatuo.jmx.tracer.link.LinkMessage;
import io.huatuo.jmx.tracer.link.NlBytes;
import io.huatuo.jmx.tracer.link.RtnetlinkParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** lacp's parsers and change detection on HUATUO's bonding text, variants of it and synthesized netlink data. */
class LacpTest {
    private final List<PendingEvent> events = new ArrayList<>();
    private Map<String, String> files = new LinkedHashMap<>();

    static String huatuoContent() throws IOException {
        try (InputStream in = LacpTest.class.getResourceAsStream("/lacp/huatuo_content.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Lacp lacp() {
        Lacp l = new Lacp(new LacpConfig(true, 100, 1000), () -> files, () -> null);
        l.start(new TracerContext(HuatuoConfig.defaults(TracerRegistry.ALL), null, events::add), false);
        return l;
    }

    private Event event(int i) {
        return events.get(i).builder().hostname("h").region("r").build();
    }

    @Test
    void huatuoTextIsParsed() throws IOException {
        String text = huatuoContent();
        Map<String, String> split = BondingProc.split(text);
        assertEquals(List.of("bond0", "bond4"), List.copyOf(split.keySet()));
        assertEquals(text, BondingProc.content(split), "content round trip");
        BadInput bad = new BadInput("t");
        BondingProc.Bond bond0 = BondingProc.parse("bond0", split.get("bond0"), bad);
        assertFalse(bond0.lacp());
        assertEquals(List.of(), bond0.slaves());
        BondingProc.Bond bond4 = BondingProc.parse("bond4", split.get("bond4"), bad);
        assertTrue(bond4.lacp());
        assertEquals(List.of(new BondingProc.Slave("eth0", 63, 63), new BondingProc.Slave("eth1", 15, 31)),
                bond4.slaves());
        assertEquals(0, bad.total());
    }

    @Test
    void partnerLosingCollectingDistributingIsReportedWithTheContent() throws IOException {
        files = BondingProc.split(huatuoContent());
        Lacp l = lacp();
        l.poll();
        assertTrue(events.isEmpty(), "the first read is the baseline");
        l.poll();
        assertTrue(events.isEmpty(), "no change, no event");
        String bond4 = files.get("bond4");
        int eth0 = bond4.indexOf("Slave Interface: eth0");
        int partner = bond4.indexOf("port state: 63", bond4.indexOf("details partner lacp pdu:", eth0));
        files = new LinkedHashMap<>(files);
        files.put("bond4", bond4.substring(0, partner) + "port state: 15" + bond4.substring(partner + 14));
        l.poll();
        assertEquals(1, events.size());
        Event e = event(0);
        assertEquals("bond4", e.get("bond"));
        assertEquals("eth0", e.get("slave"));
        assertEquals(63, e.get("actor_port_state"));
        assertEquals(15, e.get("partner_port_state"));
        assertEquals("partner lost COLLECTING,DISTRIBUTING", e.get("changed"));
        assertEquals(BondingProc.content(files), e.get("content"));
        assertTrue(((String) e.get("content")).startsWith("/proc/net/bonding/bond0\nEthernet Channel Bonding"));
        assertEquals(1, l.occurrenceCount());
    }

    @Test
    void bondCreatedAfterStartIsPickedUp() throws IOException {
        files = new LinkedHashMap<>();
        Lacp l = lacp();
        l.poll();
        files.put("bond7", BondingProc.split(huatuoContent()).get("bond4"));
        l.poll();
        assertTrue(events.isEmpty());
        files.put("bond7", files.get("bond7").replace("port state: 15", "port state: 63"));
        l.poll();
        assertEquals("bond7", event(0).get("bond"));
        assertEquals("eth1", event(0).get("slave"));
        assertEquals("actor gained COLLECTING,DISTRIBUTING", event(0).get("changed"));
    }

    @Test
    void netlinkSlaveDataFeedsTheSameDetector() {
        Lacp l = lacp();
        RtnetlinkParser parser = new RtnetlinkParser(l.badInput());
        parser.parseDatagrams(new NlBytes()
                .datagram(newlink(7, "bond4", 1, nest(RtnetlinkParser.IFLA_LINKINFO,
                        attr(RtnetlinkParser.IFLA_INFO_KIND, str("bond")))))
                .datagram(slave(3, "eth1", 7, 61, 61))
                .datagram(slave(3, "eth1", 7, 61, 61))
                .datagram(slave(3, "eth1", 7, 61, 13))
                .buffer(), l::onLink);
        assertEquals(1, events.size());
        Event e = event(0);
        assertEquals("bond4", e.get("bond"));
        assertEquals("eth1", e.get("slave"));
        assertEquals(61, e.get("actor_port_state"));
        assertEquals(13, e.get("partner_port_state"));
        assertEquals("partner lost COLLECTING,DISTRIBUTING", e.get("changed"));
        assertEquals(0, l.badInput().total());
    }

    private static byte[] slave(int index, String name, int master, int actor, int partner) {
        return newlink(index, name, LinkMessage.IFF_UP | LinkMessage.IFF_LOWER_UP,
                attr(RtnetlinkParser.IFLA_MASTER, u32(master)),
                nest(RtnetlinkParser.IFLA_LINKINFO,
                        attr(RtnetlinkParser.IFLA_INFO_SLAVE_KIND, str("bond")),
                        nest(RtnetlinkParser.IFLA_INFO_SLAVE_DATA,
                                attr(RtnetlinkParser.IFLA_BOND_SLAVE_AD_AGGREGATOR_ID, u16(1)),
                                attr(RtnetlinkParser.IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE, u8(actor)),
                                attr(RtnetlinkParser.IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE, u16(partner)))));
    }

    @Test
    void changeTextNamesEveryBitThatMoved() {
        LacpStates s = new LacpStates();
        assertNull(s.update("b", "e", 63, 63));
        assertEquals("actor lost SYNCHRONIZATION,COLLECTING,DISTRIBUTING; partner lost COLLECTING,DISTRIBUTING; "
                + "partner gained DEFAULTED", s.update("b", "e", 7, 79));
        assertNull(s.update("b", "e", -1, -1), "unknown values keep the last ones");
        assertEquals("COLLECTING,DISTRIBUTING", LacpStates.bits(0x30));
    }

    @Test
    void malformedProcTextIsCountedNeverThrown() throws IOException {
        BadInput bad = new BadInput("t");
        BondingProc.Bond b = BondingProc.parse("bond9", """
                Bonding Mode: IEEE 802.3ad Dynamic link aggregation
                details actor lacp pdu:
                    port state: 61
                Slave Interface:
                Slave Interface: eth0
                details actor lacp pdu:
                    port state: sixty-one
                details partner lacp pdu:
                    port state: 4096
                Slave Interface: eth1
                details partner lacp pdu:
                    port state: 61
                """, bad);
        assertEquals(List.of(new BondingProc.Slave("eth0", -1, -1), new BondingProc.Slave("eth1", -1, 61)),
                b.slaves());
        assertEquals(3, bad.count("proc port state"));
        assertEquals(1, bad.count("proc slave name"));
        String recorded = huatuoContent();
        Random r = new Random(10);
        for (int i = 0; i < 5000; i++) {
            StringBuilder s = new StringBuilder(recorded.substring(0, r.nextInt(recorded.length())));
            for (int k = 0; k < 5; k++) {
                s.insert(r.nextInt(s.length() + 1), (char) (r.nextInt(96) + 10));
            }
            BondingProc.split(s.toString()).forEach((bond, text) -> BondingProc.parse(bond, text, bad));
        }
    }

    @Test
    void withoutABondingDriverTheTracerIsUnavailableAndSaysWhy() {
        Lacp l = new Lacp(new LacpConfig(true, 100, 1000), () -> files,
                () -> "no bonding driver: CONFIG_BONDING is not built into kernel x");
        l.start(new TracerContext(HuatuoConfig.defaults(TracerRegistry.ALL), null, events::add), true);
        assertEquals(TracerState.UNAVAILABLE, l.state());
        assertEquals("no bonding driver: CONFIG_BONDING is not built into kernel x", l.probe());
    }

    @Test
    void thisMachineHasNoBondingDriver() {
        String why = Lacp.missingBondingDriver();
        if (Files.exists(Path.of("/sys/module/bonding"))) {
            assertNull(why);
        } else if (!Files.exists(Path.of("/proc/sys/kernel/modules_disabled"))) {
            assertTrue(why.startsWith("no bonding driver: CONFIG_BONDING is not built into kernel "), why);
            assertTrue(why.endsWith("the kernel has no module support"), why);
        }
    }
}
