package io.huatuo.jmx.tracer.lacp;

import io.huatuo.jmx.tracer.BadInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses /proc/net/bonding/&lt;bond&gt; (bond_procfs.c): the bonding mode and, per slave, the
 * 802.3ad actor and partner port states from the "details actor/partner lacp pdu" blocks. Lines
 * it does not need are ignored; lines it needs but cannot read are counted in {@link BadInput}.
 */
public final class BondingProc {
    public static final String DIR = "/proc/net/bonding";
    private static final String MODE_8023AD = "IEEE 802.3ad Dynamic link aggregation";

    /** One slave; a port state is -1 when the text has none (not mode 4, or no details block). */
    public record Slave(String name, int actorPortState, int partnerPortState) {
    }

    /** One bond file. */
    public record Bond(String name, String mode, List<Slave> slaves) {
        public boolean lacp() {
            return mode.equals(MODE_8023AD);
        }
    }

    private BondingProc() {
    }

    public static Bond parse(String bond, String text, BadInput bad) {
        String mode = "";
        List<Slave> slaves = new ArrayList<>();
        String slave = null;
        int actor = -1;
        int partner = -1;
        int block = 0; // 0 none, 1 actor details, 2 partner details
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (line.startsWith("Bonding Mode:")) {
                mode = value(line);
            } else if (line.startsWith("Slave Interface:")) {
                if (slave != null) {
                    slaves.add(new Slave(slave, actor, partner));
                }
                slave = value(line);
                actor = -1;
                partner = -1;
                block = 0;
                if (slave.isEmpty()) {
                    bad.count("proc slave name", bond + ": '" + raw + "'");
                    slave = null;
                }
            } else if (line.equals("details actor lacp pdu:")) {
                block = 1;
            } else if (line.equals("details partner lacp pdu:")) {
                block = 2;
            } else if (line.startsWith("port state:")) {
                int v = portState(value(line));
                if (v < 0 || slave == null || block == 0) {
                    bad.count("proc port state", bond + ": '" + raw + "'" + (slave == null ? " outside a slave" : ""));
                } else if (block == 1) {
                    actor = v;
                } else {
                    partner = v;
                }
            }
        }
        if (slave != null) {
            slaves.add(new Slave(slave, actor, partner));
        }
        return new Bond(bond, mode, slaves);
    }

    private static String value(String line) {
        return line.substring(line.indexOf(':') + 1).strip();
    }

    private static int portState(String s) {
        try {
            int v = Integer.parseInt(s);
            return v >= 0 && v <= 0xff ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** HUATUO's {@code content}: every file as its path, a newline, then its text. */
    public static String content(Map<String, String> filesByBond) {
        StringBuilder sb = new StringBuilder();
        filesByBond.forEach((bond, text) -> sb.append(DIR).append('/').append(bond).append('\n').append(text));
        return sb.toString();
    }

    /** Splits a {@link #content} string back into files (for recorded contents such as HUATUO's). */
    public static Map<String, String> split(String content) {
        Map<String, String> files = new LinkedHashMap<>();
        String prefix = DIR + "/";
        String bond = null;
        StringBuilder text = new StringBuilder();
        for (String line : content.split("(?<=\n)")) {
            if (line.startsWith(prefix) && !line.substring(prefix.length()).strip().contains(" ")) {
                if (bond != null) {
                    files.put(bond, text.toString());
                }
                bond = line.substring(prefix.length()).strip();
                text.setLength(0);
            } else if (bond != null) {
                text.append(line);
            }
        }
        if (bond != null) {
            files.put(bond, text.toString());
        }
        return files;
    }
}
