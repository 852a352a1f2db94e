package io.huatuo.jmx.tracer.netdev;

import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.kernel.Netlink;
import io.huatuo.jmx.tracer.BadInput;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.SourceTracer;
import io.huatuo.jmx.tracer.TracerState;
import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.link.LinkMessage;
import io.huatuo.jmx.tracer.link.LinkWatcher;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * netdev: link up/down of network interfaces from rtnetlink (RTMGRP_LINK), through the JNI netlink
 * socket. An administrator's action is IFF_UP changing; a lower-layer cause is IFF_LOWER_UP
 * (carrier) changing while IFF_UP stays. Admin down also drops the carrier, so it is reported as
 * {@code linkStatusAdminDown, linkStatusCarrierDown}, as in HUATUO. A link dump at start gives the
 * baseline; watched links that are down then are reported once with {@code start=true}.
 */
public final class Netdev extends SourceTracer {
    public static final String NAME = "netdev";
    public static final TracerType<NetdevConfig> TYPE = new TracerType<>(NAME, NetdevConfig::read,
            Netdev::new, Severity.AVERAGE);
    static final String ADMIN_DOWN = "linkStatusAdminDown";
    static final String ADMIN_UP = "linkStatusAdminUp";
    static final String CARRIER_DOWN = "linkStatusCarrierDown";
    static final String CARRIER_UP = "linkStatusCarrierUp";
    private static final List<String> STATUSES = List.of(ADMIN_DOWN, ADMIN_UP, CARRIER_DOWN, CARRIER_UP);

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.string("ifname", "Interface name"),
            Field.int32("index", "Interface index (ifindex)"),
            Field.bool("start", "true for the baseline taken at daemon start (a link already down then), "
                    + "false for a change"),
            Field.string("linkstatus", "What changed, joined by \", \": linkStatusAdminDown, linkStatusAdminUp "
                    + "(IFF_UP, an administrator), linkStatusCarrierDown, linkStatusCarrierUp (IFF_LOWER_UP)"),
            Field.string("mac", "Hardware address of the interface"),
            Field.string("operstate", "RFC 2863 operational state after the change (UP, DOWN, LOWERLAYERDOWN, ...)")));

    private final List<PathMatcher> include;
    private final List<PathMatcher> exclude;
    private final Predicate<String> physical;
    private final Map<String, AtomicLong> byStatus = new ConcurrentHashMap<>();
    private final AtomicLong overruns = new AtomicLong();
    private final BadInput bad = new BadInput(NAME);
    private final Map<Integer, LinkMessage> links = new ConcurrentHashMap<>();
    private final Map<Integer, String> bondIndexes = new ConcurrentHashMap<>();
    private LinkWatcher watcher;
    private volatile boolean baselineDone;

    public Netdev(NetdevConfig config) {
        this(config, ifname -> Files.exists(Path.of("/sys/class/net", ifname, "device")));
    }

    /** @param physical whether an interface is a physical NIC (has a device behind it) */
    Netdev(NetdevConfig config, Predicate<String> physical) {
        super(SCHEMA);
        this.include = config.include().stream().map(Netdev::glob).toList();
        this.exclude = config.exclude().stream().map(Netdev::glob).toList();
        this.physical = physical;
        STATUSES.forEach(s -> byStatus.put(s, new AtomicLong()));
    }

    private static PathMatcher glob(String g) {
        return FileSystems.getDefault().getPathMatcher("glob:" + g);
    }

    @Override
    protected synchronized String open(boolean enabled) throws Exception {
        Netlink s = LinkWatcher.open();
        if (!enabled) {
            s.close(); // proves the source works
            return probeText();
        }
        links.clear();
        bondIndexes.clear();
        baselineDone = false;
        watcher = LinkWatcher.start(NAME, s, bad, new LinkWatcher.Listener() {
            @Override
            public void link(LinkMessage m) {
                onLink(m);
            }

            @Override
            public void dumpDone(int seq) {
                if (seq == LinkWatcher.START_DUMP_SEQ) {
                    baselineDone = true;
                }
            }

            @Override
            public void overrun() {
                overruns.incrementAndGet();
            }

            @Override
            public void failed(String message) {
                setState(TracerState.FAILED, message);
            }
        });
        return probeText();
    }

    private String probeText() {
        return "rtnetlink RTMGRP_LINK; watching " + (include.isEmpty()
                ? "physical NICs, bonds, bond slaves and VLANs" : "include globs")
                + (exclude.isEmpty() ? "" : " minus exclude globs");
    }

    /** Handles one link message; on the reader thread (package-private for tests). */
    void onLink(LinkMessage m) {
        if (m.deleted()) {
            links.remove(m.index());
            bondIndexes.remove(m.index());
            return;
        }
        if (m.kind().equals("bond")) {
            bondIndexes.put(m.index(), m.ifname());
        }
        LinkMessage prev = links.put(m.index(), m);
        if (!watched(m)) {
            return;
        }
        List<String> status = new ArrayList<>(2);
        boolean start = false;
        if (prev == null) {
            if (baselineDone || m.seq() != LinkWatcher.START_DUMP_SEQ) {
                return; // a new interface: this message is its baseline
            }
            start = true;
            if (!m.adminUp()) {
                status.add(ADMIN_DOWN);
            }
            if (!m.carrierUp()) {
                status.add(CARRIER_DOWN);
            }
        } else {
            if (prev.adminUp() != m.adminUp()) {
                status.add(m.adminUp() ? ADMIN_UP : ADMIN_DOWN);
            }
            if (prev.carrierUp() != m.carrierUp()) {
                status.add(m.carrierUp() ? CARRIER_UP : CARRIER_DOWN);
            }
        }
        if (status.isEmpty()) {
            return;
        }
        status.forEach(s -> byStatus.get(s).incrementAndGet());
        report(new PendingEvent(this, Event.builder(SCHEMA)
                .timeMillis(System.currentTimeMillis())
                .set("ifname", m.ifname())
                .set("index", m.index())
                .set("start", start)
                .set("linkstatus", String.join(", ", status))
                .set("mac", m.mac())
                .set("operstate", LinkMessage.operstateName(m.operstate()))));
    }

    /** Include/exclude globs, or the default set: physical NICs, bonds, bond slaves, VLANs. */
    boolean watched(LinkMessage m) {
        Path name = Path.of(m.ifname().isEmpty() ? "?" : m.ifname());
        if (exclude.stream().anyMatch(g -> g.matches(name))) {
            return false;
        }
        if (!include.isEmpty()) {
            return include.stream().anyMatch(g -> g.matches(name));
        }
        return m.kind().equals("bond") || m.kind().equals("vlan") || m.slaveKind().equals("bond")
                || bondIndexes.containsKey(m.master())
                || m.kind().isEmpty() && physical.test(m.ifname()); // veth, bridge, tunnels have a kind
    }

    @Override
    protected synchronized void shut() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    /** Tests: whether the start dump has been read. */
    boolean baselineDone() {
        return baselineDone;
    }

    /** Tests: make the next messages changes, as after the start dump. */
    void markBaselineDone() {
        baselineDone = true;
    }

    long statusCount(String status) {
        return byStatus.get(status).get();
    }

    BadInput badInput() {
        return bad;
    }

    @Override
    protected List<Attribute> extraAttributes() {
        List<Attribute> a = new ArrayList<>();
        String[] attr = {"AdminDownCount", "AdminUpCount", "CarrierDownCount", "CarrierUpCount"};
        String[] what = {"Links set down by an administrator (IFF_UP cleared)", "Links set up by an administrator",
            "Carrier losses (IFF_LOWER_UP cleared), also counted with an admin down",
            "Carrier returns (IFF_LOWER_UP set)"};
        for (int i = 0; i < attr.length; i++) {
            String status = STATUSES.get(i);
            a.add(Attribute.readOnly(attr[i], Attribute.Type.LONG, what[i] + " on watched links since start, "
                    + "baseline included (" + status + ")", () -> statusCount(status)));
        }
        a.add(Attribute.readOnly("MalformedMessages", Attribute.Type.LONG,
                "Truncated or inconsistent rtnetlink messages skipped (each kind logged once)", bad::total));
        a.add(Attribute.readOnly("NetlinkOverruns", Attribute.Type.LONG,
                "Times the kernel dropped link messages (socket buffer full); each one triggers a full re-read",
                overruns::get));
        return a;
    }
}
