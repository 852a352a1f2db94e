package io.huatuo.jmx.tracer.lacp;

import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.kernel.Netlink;
import io.huatuo.jmx.tracer.BadInput;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.SourceTracer;
import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.link.LinkMessage;
import io.huatuo.jmx.tracer.link.LinkWatcher;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * lacp: 802.3ad port-state changes of bond slaves. Two sources feed one change detector
 * ({@link LacpStates}): rtnetlink link messages carrying bond slave data (IFLA_LINKINFO →
 * IFLA_INFO_SLAVE_DATA → IFLA_BOND_SLAVE_AD_*_OPER_PORT_STATE), and a read of every
 * /proc/net/bonding/* file each {@code pollIntervalMillis}, since the kernel does not send a
 * message for every state-bit change. Bonds created after start show up in both. Each event
 * carries the text of every bonding file ({@code content}, as HUATUO records it).
 */
public final class Lacp extends SourceTracer {
    public static final String NAME = "lacp";
    public static final TracerType<LacpConfig> TYPE = new TracerType<>(NAME, LacpConfig::read,
            Lacp::new, Severity.AVERAGE);
    private static final Logger LOG = LoggerFactory.getLogger(Lacp.class);

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.string("content", "Every /proc/net/bonding/* file when the change was seen: its path on one "
                    + "line, then its text"),
            Field.string("bond", "Bond device whose slave changed"),
            Field.string("slave", "Slave device whose LACP port state changed"),
            Field.int32("actor_port_state", "Our (actor) LACP port state after the change, LACP_STATE_* bits "
                    + "(61 or 63 = healthy)"),
            Field.int32("partner_port_state", "The switch's (partner) LACP port state after the change"),
            Field.string("changed", "Bits that moved, e.g. \"partner lost COLLECTING,DISTRIBUTING\"")));

    private final int pollIntervalMillis;
    private final Supplier<Map<String, String>> files;
    private final Supplier<String> missingDriver;
    private final BadInput bad = new BadInput(NAME);
    private final LacpStates states = new LacpStates();
    private final Map<Integer, String> bondNames = new ConcurrentHashMap<>();
    private LinkWatcher watcher;
    private ScheduledExecutorService poller;

    public Lacp(LacpConfig config) {
        this(config, Lacp::readBondingFiles, Lacp::missingBondingDriver);
    }

    /**
     * @param files         bond name → text of /proc/net/bonding/&lt;bond&gt;
     * @param missingDriver why there is no bonding driver, or null when there is one
     */
    Lacp(LacpConfig config, Supplier<Map<String, String>> files, Supplier<String> missingDriver) {
        super(SCHEMA);
        this.pollIntervalMillis = config.pollIntervalMillis();
        this.files = files;
        this.missingDriver = missingDriver;
    }

    /** Why this kernel cannot have bonds, or null when it can (driver built in, loaded or loadable). */
    static String missingBondingDriver() {
        if (Files.exists(Path.of("/sys/module/bonding")) || Files.isDirectory(Path.of(BondingProc.DIR))) {
            return null;
        }
        String release = readOr("/proc/sys/kernel/osrelease", "?").strip();
        String why;
        if (!Files.exists(Path.of("/proc/sys/kernel/modules_disabled"))) {
            why = "the kernel has no module support";
        } else if ("1".equals(readOr("/proc/sys/kernel/modules_disabled", "0").strip())) {
            why = "module loading is disabled (kernel.modules_disabled=1)";
        } else if (!readOr("/lib/modules/" + release + "/modules.dep", "").contains("/bonding.ko")) {
            why = "no bonding module is installed for it";
        } else {
            return null; // loaded on demand when a bond is created
        }
        return "no bonding driver: CONFIG_BONDING is not built into kernel " + release
                + " (no /sys/module/bonding) and " + why;
    }

    private static String readOr(String path, String fallback) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            return fallback;
        }
    }

    /** Every /proc/net/bonding file by bond name, sorted; empty when there is none. */
    static Map<String, String> readBondingFiles() {
        Map<String, String> m = new TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of(BondingProc.DIR))) {
            for (Path p : dir) {
                try {
                    m.put(p.getFileName().toString(), Files.readString(p));
                } catch (NoSuchFileException e) {
                    // the bond went away between listing and reading
                }
            }
        } catch (NoSuchFileException e) {
            return m;
        } catch (IOException e) {
            LOG.debug("lacp: reading {} failed", BondingProc.DIR, e);
        }
        return m;
    }

    @Override
    protected synchronized String open(boolean enabled) throws Exception {
        String missing = missingDriver.get();
        if (missing != null) {
            throw new Unavailable(missing);
        }
        Netlink s = LinkWatcher.open();
        String probe = "rtnetlink bond slave data + " + BondingProc.DIR + "/* every " + pollIntervalMillis + " ms";
        if (!enabled) {
            s.close();
            return probe;
        }
        watcher = LinkWatcher.start(NAME, s, bad, this::onLink); // the dump: bonds and slaves that exist now
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "huatuo-lacp-poll");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::pollSafely, 0, pollIntervalMillis, TimeUnit.MILLISECONDS);
        return probe;
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            bad.count("unexpected", e.toString()); // a failed round must not end the schedule
        }
    }

    /** Reads every bonding file and reports the slaves whose port states changed. */
    synchronized void poll() {
        Map<String, String> now = files.get();
        Set<String> seen = new HashSet<>();
        for (Map.Entry<String, String> f : now.entrySet()) {
            BondingProc.Bond bond = BondingProc.parse(f.getKey(), f.getValue(), bad);
            if (!bond.lacp()) {
                continue;
            }
            for (BondingProc.Slave s : bond.slaves()) {
                seen.add(bond.name() + "/" + s.name());
                observe(bond.name(), s.name(), s.actorPortState(), s.partnerPortState(), now);
            }
        }
        states.retain(seen);
    }

    /** Handles one link message (package-private for tests). */
    synchronized void onLink(LinkMessage m) {
        if (m.deleted()) {
            bondNames.remove(m.index());
            return;
        }
        if (m.kind().equals("bond")) {
            bondNames.put(m.index(), m.ifname());
        }
        LinkMessage.BondSlave bs = m.bondSlave();
        if (bs == null || bs.actorPortState() < 0 && bs.partnerPortState() < 0) {
            return; // not a bond slave, or not in 802.3ad mode
        }
        String bond = bondNames.get(m.master());
        if (bond == null) {
            bond = masterFromSysfs(m.ifname());
        }
        int partner = bs.partnerPortState() < 0 ? -1 : bs.partnerPortState() & 0xff;
        observe(bond, m.ifname(), bs.actorPortState(), partner, null);
    }

    private static String masterFromSysfs(String slave) {
        try {
            return Files.readSymbolicLink(Path.of("/sys/class/net", slave, "master")).getFileName().toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    private void observe(String bond, String slave, int actor, int partner, Map<String, String> content) {
        String changed = states.update(bond, slave, actor, partner);
        if (changed == null) {
            return;
        }
        int[] s = states.get(bond, slave);
        report(new PendingEvent(this, Event.builder(SCHEMA)
                .timeMillis(System.currentTimeMillis())
                .set("content", BondingProc.content(content != null ? content : files.get()))
                .set("bond", bond)
                .set("slave", slave)
                .set("actor_port_state", s[0])
                .set("partner_port_state", s[1])
                .set("changed", changed)));
    }

    @Override
    protected synchronized void shut() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }

    BadInput badInput() {
        return bad;
    }

    @Override
    protected List<Attribute> extraAttributes() {
        return List.of(
                Attribute.readOnly("PollIntervalMillis", Attribute.Type.LONG,
                        "How often " + BondingProc.DIR + "/* is read (tracers.lacp.pollIntervalMillis)",
                        () -> (long) pollIntervalMillis),
                Attribute.readOnly("MalformedInput", Attribute.Type.LONG,
                        "Unreadable bonding proc lines and malformed rtnetlink messages skipped (each kind "
                                + "logged once)", bad::total));
    }
}
