package io.huatuo.jmx.tracer.netdev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.TracerContext;
import io.huatuo.jmx.tracer.link.LinkMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** netdev's change detection and device selection on synthesized link messages. */
class NetdevTest {
    private static final int UP = LinkMessage.IFF_UP;
    private static final int UP_CARRIER = LinkMessage.IFF_UP | LinkMessage.IFF_LOWER_UP | LinkMessage.IFF_RUNNING;
    private final List<PendingEvent> events = new ArrayList<>();

    private Netdev netdev(List<String> include, List<String> exclude, Set<String> physical) {
        Netdev n = new Netdev(new NetdevConfig(true, 100, include, exclude), physical::contains);
        n.start(new TracerContext(HuatuoConfig.defaults(TracerRegistry.ALL), null, events::add), false);
        return n;
    }

    private static LinkMessage link(int seq, int index, String name, int flags, String kind, String slaveKind,
            int master) {
        return new LinkMessage(false, seq, index, flags, 0, name, "5c:6f:69:34:dc:72", 6, -1, master, kind,
                slaveKind, null);
    }

    private static LinkMessage link(int index, String name, int flags) {
        return link(0, index, name, flags, "", "", 0);
    }

    private io.huatuo.jmx.event.Event event(int i) {
        return events.get(i).builder().hostname("h").region("r").build();
    }

    private String status(int i) {
        return (String) event(i).get("linkstatus");
    }

    @Test
    void adminAndCarrierChangesAreToldApart() {
        Netdev n = netdev(List.of(), List.of(), Set.of("eth0", "eth1"));
        n.markBaselineDone();
        n.onLink(link(2, "eth0", UP_CARRIER)); // first sight: baseline only
        n.onLink(link(3, "eth1", UP_CARRIER));
        assertTrue(events.isEmpty());
        n.onLink(link(2, "eth0", 0));           // ip link set eth0 down
        n.onLink(link(3, "eth1", UP));          // cable pulled: IFF_UP kept
        n.onLink(link(3, "eth1", UP));          // same state again: nothing
        n.onLink(link(2, "eth0", UP));          // admin up, no carrier yet
        n.onLink(link(2, "eth0", UP_CARRIER));
        n.onLink(link(3, "eth1", UP_CARRIER));
        assertEquals(List.of("linkStatusAdminDown, linkStatusCarrierDown", "linkStatusCarrierDown",
                "linkStatusAdminUp", "linkStatusCarrierUp", "linkStatusCarrierUp"),
                List.of(status(0), status(1), status(2), status(3), status(4)));
        assertEquals(false, event(0).get("start"));
        assertEquals(1, n.statusCount(Netdev.ADMIN_DOWN));
        assertEquals(2, n.statusCount(Netdev.CARRIER_DOWN));
        assertEquals(1, n.statusCount(Netdev.ADMIN_UP));
        assertEquals(2, n.statusCount(Netdev.CARRIER_UP));
        assertEquals(5, n.occurrenceCount());
    }

    @Test
    void baselineReportsWatchedLinksThatAreDownAtStart() {
        Netdev n = netdev(List.of(), List.of(), Set.of("eth0", "eth1", "eth2"));
        n.onLink(link(1, 2, "eth0", UP_CARRIER, "", "", 0)); // seq 1 = the start dump
        n.onLink(link(1, 3, "eth1", UP, "", "", 0));
        n.onLink(link(1, 4, "eth2", 0, "", "", 0));
        assertEquals(List.of("linkStatusCarrierDown", "linkStatusAdminDown, linkStatusCarrierDown"),
                List.of(status(0), status(1)));
        assertEquals(true, event(0).get("start"));
    }

    @Test
    void defaultSetIsPhysicalBondsSlavesAndVlansNotVeths() {
        Netdev n = netdev(List.of(), List.of(), Set.of("eth0"));
        assertTrue(n.watched(link(2, "eth0", UP)));
        assertFalse(n.watched(link(0, 5, "veth1a2b", UP, "veth", "", 0)));
        assertFalse(n.watched(link(0, 6, "docker0", UP, "bridge", "", 0)));
        assertFalse(n.watched(link(0, 7, "tun0", UP, "tun", "", 0)));
        assertFalse(n.watched(link(1, "lo", UP)), "lo has no device behind it");
        assertTrue(n.watched(link(0, 8, "bond0", UP, "bond", "", 0)));
        assertTrue(n.watched(link(0, 9, "eth0.100", UP, "vlan", "", 2)));
        assertTrue(n.watched(link(0, 10, "ens1f0", UP, "", "bond", 8)), "a bond slave even if not seen physical");
    }

    @Test
    void includeAndExcludeGlobs() {
        Netdev n = netdev(List.of("eth*", "bond[0-9]", "en{o,p}*"), List.of("eth9"), Set.of());
        assertTrue(n.watched(link(2, "eth0", UP)));
        assertFalse(n.watched(link(3, "eth9", UP)));
        assertTrue(n.watched(link(4, "bond1", UP)));
        assertFalse(n.watched(link(5, "bond10", UP)));
        assertTrue(n.watched(link(6, "enp3s0", UP)));
        assertFalse(n.watched(link(7, "ens3", UP)));
        n.markBaselineDone();
        n.onLink(link(7, "ens3", UP_CARRIER));
        n.onLink(link(7, "ens3", 0));
        assertTrue(events.isEmpty(), "unwatched links are not reported");
    }

    @Test
    void deletedLinkForgetsItsState() {
        Netdev n = netdev(List.of("eth*"), List.of(), Set.of());
        n.markBaselineDone();
        n.onLink(link(2, "eth0", UP_CARRIER));
        n.onLink(new LinkMessage(true, 0, 2, 0, 0, "eth0", "", -1, -1, 0, "", "", null));
        n.onLink(link(2, "eth0", 0)); // a new link with the index: baseline again
        assertTrue(events.isEmpty());
    }
}
