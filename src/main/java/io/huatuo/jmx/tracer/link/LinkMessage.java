package io.huatuo.jmx.tracer.link;

/**
 * One rtnetlink link message (RTM_NEWLINK or RTM_DELLINK), the parts netdev and lacp use.
 *
 * @param deleted   RTM_DELLINK
 * @param seq       nlmsg_seq: the request's sequence number for dump replies, 0 for notifications
 * @param index     ifi_index
 * @param flags     ifi_flags (IFF_UP, IFF_LOWER_UP, ...)
 * @param change    ifi_change: which flags changed, as the kernel says
 * @param ifname    IFLA_IFNAME, empty if absent
 * @param mac       IFLA_ADDRESS as aa:bb:..., empty if absent
 * @param operstate IFLA_OPERSTATE (RFC 2863), -1 if absent
 * @param carrier   IFLA_CARRIER, -1 if absent
 * @param master    IFLA_MASTER ifindex, 0 if none
 * @param kind      IFLA_LINKINFO/IFLA_INFO_KIND (bond, vlan, veth, ...), empty if absent
 * @param slaveKind IFLA_LINKINFO/IFLA_INFO_SLAVE_KIND (bond for a bond slave), empty if absent
 * @param bondSlave IFLA_INFO_SLAVE_DATA of a bond slave, null if absent
 */
public record LinkMessage(boolean deleted, int seq, int index, int flags, int change, String ifname, String mac,
        int operstate, int carrier, int master, String kind, String slaveKind, BondSlave bondSlave) {

    public static final int IFF_UP = 0x1;
    public static final int IFF_RUNNING = 0x40;
    public static final int IFF_LOWER_UP = 0x10000;
    private static final String[] OPERSTATES = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING",
        "DORMANT", "UP"};

    /**
     * IFLA_BOND_SLAVE_* of one slave; -1 for an attribute the kernel did not send (the 802.3ad ones
     * come only in mode 4 while the port has an aggregator).
     */
    public record BondSlave(int state, int miiStatus, int aggregatorId, int actorPortState, int partnerPortState,
            int actorChurnState, int partnerChurnState) {
    }

    public boolean adminUp() {
        return (flags & IFF_UP) != 0;
    }

    /** Carrier present: IFF_LOWER_UP (IFLA_CARRIER says the same where the kernel sends both). */
    public boolean carrierUp() {
        return (flags & IFF_LOWER_UP) != 0;
    }

    public static String operstateName(int operstate) {
        if (operstate < 0) {
            return "";
        }
        return operstate < OPERSTATES.length ? OPERSTATES[operstate] : "OPERSTATE_" + operstate;
    }
}
