package io.huatuo.jmx.tracer.lacp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The last known actor and partner port states per bond slave, from netlink slave data and
 * /proc/net/bonding alike, and what changed between two observations. Not thread-safe: the
 * tracer calls it under its own lock.
 */
public final class LacpStates {
    /** LACP_STATE_* bits (uapi if_bonding.h), lowest first. */
    static final String[] BITS = {"ACTIVITY", "TIMEOUT", "AGGREGATION", "SYNCHRONIZATION", "COLLECTING",
        "DISTRIBUTING", "DEFAULTED", "EXPIRED"};

    private final Map<String, int[]> last = new HashMap<>();

    /**
     * Records one observation; returns what changed (e.g. {@code partner lost COLLECTING,DISTRIBUTING}),
     * or null for the first observation of a slave or no change. A state of -1 (not in the input)
     * keeps the previous value.
     */
    public String update(String bond, String slave, int actor, int partner) {
        String key = bond + "/" + slave;
        int[] prev = last.get(key);
        if (prev == null) {
            if (actor >= 0 || partner >= 0) {
                last.put(key, new int[] {actor, partner});
            }
            return null;
        }
        int[] now = {actor >= 0 ? actor : prev[0], partner >= 0 ? partner : prev[1]};
        List<String> parts = new ArrayList<>(4);
        diff("actor", prev[0], now[0], parts);
        diff("partner", prev[1], now[1], parts);
        last.put(key, now);
        return parts.isEmpty() ? null : String.join("; ", parts);
    }

    /** The last known [actor, partner] states of a slave, or null. */
    public int[] get(String bond, String slave) {
        int[] s = last.get(bond + "/" + slave);
        return s == null ? null : s.clone();
    }

    /** Forgets the slaves of bonds not in {@code bonds} (a bond deleted, or a slave released). */
    public void retain(java.util.Set<String> bondSlaveKeys) {
        last.keySet().retainAll(bondSlaveKeys);
    }

    private static void diff(String side, int before, int after, List<String> parts) {
        if (before < 0 || after < 0 || before == after) {
            return;
        }
        String lost = bits(before & ~after);
        String gained = bits(after & ~before);
        if (!lost.isEmpty()) {
            parts.add(side + " lost " + lost);
        }
        if (!gained.isEmpty()) {
            parts.add(side + " gained " + gained);
        }
    }

    static String bits(int mask) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < BITS.length; i++) {
            if ((mask & (1 << i)) != 0) {
                sb.append(sb.length() == 0 ? "" : ",").append(BITS[i]);
            }
        }
        return sb.toString();
    }
}
