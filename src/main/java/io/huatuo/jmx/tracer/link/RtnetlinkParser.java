package io.huatuo.jmx.tracer.link;

import io.huatuo.jmx.tracer.BadInput;
import io.huatuo.jmx.tracer.RecordFields;
import java.nio.ByteBuffer;

/**
 * Parses what {@code Netlink.receive} wrote: datagrams as {@code [u32 length][bytes][pad to 4]},
 * each holding netlink messages (nlmsghdr, ifinfomsg, IFLA_* attributes, native byte order).
 * Link messages go to the handler; truncated or inconsistent input is counted in {@link BadInput}
 * by kind and skipped (the rest of that datagram when its framing is lost), never thrown.
 */
public final class RtnetlinkParser {
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLMSG_OVERRUN = 4;
    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int NLMSG_HDRLEN = 16;
    public static final int IFINFOMSG_LEN = 16;
    public static final int IFLA_ADDRESS = 1;
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MASTER = 10;
    public static final int IFLA_OPERSTATE = 16;
    public static final int IFLA_LINKINFO = 18;
    public static final int IFLA_CARRIER = 33;
    public static final int IFLA_INFO_KIND = 1;
    public static final int IFLA_INFO_SLAVE_KIND = 4;
    public static final int IFLA_INFO_SLAVE_DATA = 5;
    public static final int IFLA_BOND_SLAVE_STATE = 1;
    public static final int IFLA_BOND_SLAVE_MII_STATUS = 2;
    public static final int IFLA_BOND_SLAVE_AD_AGGREGATOR_ID = 6;
    public static final int IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE = 7;
    public static final int IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE = 8;
    public static final int IFLA_BOND_SLAVE_AD_CHURN_ACTOR_STATE = 11;
    public static final int IFLA_BOND_SLAVE_AD_CHURN_PARTNER_STATE = 12;
    private static final int NLA_TYPE_MASK = 0x3fff;

    /** What the parser found. */
    public interface Handler {
        void link(LinkMessage m);

        /** NLMSG_DONE: the end of the dump with this sequence number. */
        default void dumpDone(int seq) {
        }
    }

    private final BadInput bad;

    public RtnetlinkParser(BadInput bad) {
        this.bad = bad;
    }

    /** Parses {@code b} from its position to its limit. */
    public void parseDatagrams(ByteBuffer b, Handler h) {
        int at = b.position();
        int end = b.limit();
        while (at < end) {
            if (end - at < 4) {
                bad.count("datagram framing", "trailing " + (end - at) + " bytes");
                return;
            }
            int len = b.getInt(at);
            if (len < 0 || len > end - at - 4) {
                bad.count("datagram framing", "datagram of " + len + " bytes with " + (end - at - 4) + " left");
                return;
            }
            parseMessages(b, at + 4, at + 4 + len, h);
            at += 4 + ((len + 3) & ~3);
        }
    }

    /** Parses the netlink messages of one datagram, bytes [from, to) of {@code b}. */
    public void parseMessages(ByteBuffer b, int from, int to, Handler h) {
        int at = from;
        while (to - at >= NLMSG_HDRLEN) {
            int len = b.getInt(at);
            int type = b.getShort(at + 4) & 0xffff;
            int seq = b.getInt(at + 8);
            if (len < NLMSG_HDRLEN || len > to - at) {
                bad.count("nlmsg_len", "nlmsg_len " + len + " with " + (to - at) + " bytes left (type " + type + ")");
                return;
            }
            switch (type) {
                case RTM_NEWLINK, RTM_DELLINK -> link(b, at, len, type == RTM_DELLINK, seq, h);
                case NLMSG_DONE -> h.dumpDone(seq);
                case NLMSG_ERROR -> {
                    int err = len >= NLMSG_HDRLEN + 4 ? b.getInt(at + NLMSG_HDRLEN) : 0;
                    if (err != 0) {
                        bad.count("netlink error", "NLMSG_ERROR " + err + " for seq " + seq);
                    }
                }
                default -> {
                    // other message types are not ours
                }
            }
            at += (len + 3) & ~3;
        }
        if (at < to && to - at >= 4) { // padding of the last message is at most 3 bytes
            bad.count("message header", (to - at) + " bytes left, shorter than a netlink header");
        }
    }

    private void link(ByteBuffer b, int at, int len, boolean deleted, int seq, Handler h) {
        if (len < NLMSG_HDRLEN + IFINFOMSG_LEN) {
            bad.count("ifinfomsg", "link message of " + len + " bytes");
            return;
        }
        int p = at + NLMSG_HDRLEN;
        int index = b.getInt(p + 4);
        int flags = b.getInt(p + 8);
        int change = b.getInt(p + 12);
        String ifname = "";
        String mac = "";
        int operstate = -1;
        int carrier = -1;
        int master = 0;
        String kind = "";
        String slaveKind = "";
        LinkMessage.BondSlave slave = null;
        int a = p + IFINFOMSG_LEN;
        int end = at + len;
        while (end - a >= 4) {
            int alen = b.getShort(a) & 0xffff;
            int atype = b.getShort(a + 2) & NLA_TYPE_MASK;
            if (alen < 4 || alen > end - a) {
                bad.count("attribute length", "IFLA attribute " + atype + " of " + alen + " bytes with " + (end - a)
                        + " left (ifindex " + index + ")");
                return;
            }
            int v = a + 4;
            int vlen = alen - 4;
            switch (atype) {
                case IFLA_IFNAME -> ifname = RecordFields.cString(b, v, vlen);
                case IFLA_ADDRESS -> mac = mac(b, v, vlen);
                case IFLA_OPERSTATE -> operstate = vlen >= 1 ? b.get(v) & 0xff : -1;
                case IFLA_CARRIER -> carrier = vlen >= 1 ? b.get(v) & 0xff : -1;
                case IFLA_MASTER -> master = vlen >= 4 ? b.getInt(v) : 0;
                case IFLA_LINKINFO -> {
                    LinkInfo li = linkInfo(b, v, v + vlen, index);
                    if (li == null) {
                        return;
                    }
                    kind = li.kind;
                    slaveKind = li.slaveKind;
                    slave = li.slave;
                }
                default -> {
                }
            }
            a += (alen + 3) & ~3;
        }
        h.link(new LinkMessage(deleted, seq, index, flags, change, ifname, mac, operstate, carrier, master, kind,
                slaveKind, slave));
    }

    private record LinkInfo(String kind, String slaveKind, LinkMessage.BondSlave slave) {
    }

    /** IFLA_LINKINFO nest; null (and counted) when malformed. */
    private LinkInfo linkInfo(ByteBuffer b, int from, int to, int index) {
        String kind = "";
        String slaveKind = "";
        int dataFrom = -1;
        int dataTo = -1;
        int a = from;
        while (to - a >= 4) {
            int alen = b.getShort(a) & 0xffff;
            int atype = b.getShort(a + 2) & NLA_TYPE_MASK;
            if (alen < 4 || alen > to - a) {
                bad.count("linkinfo length", "IFLA_LINKINFO attribute " + atype + " of " + alen + " bytes with "
                        + (to - a) + " left (ifindex " + index + ")");
                return null;
            }
            switch (atype) {
                case IFLA_INFO_KIND -> kind = RecordFields.cString(b, a + 4, alen - 4);
                case IFLA_INFO_SLAVE_KIND -> slaveKind = RecordFields.cString(b, a + 4, alen - 4);
                case IFLA_INFO_SLAVE_DATA -> {
                    dataFrom = a + 4;
                    dataTo = a + alen;
                }
                default -> {
                }
            }
            a += (alen + 3) & ~3;
        }
        LinkMessage.BondSlave slave = null;
        if (slaveKind.equals("bond") && dataFrom >= 0) {
            slave = bondSlave(b, dataFrom, dataTo, index);
            if (slave == null) {
                return null;
            }
        }
        return new LinkInfo(kind, slaveKind, slave);
    }

    private LinkMessage.BondSlave bondSlave(ByteBuffer b, int from, int to, int index) {
        int[] v = {-1, -1, -1, -1, -1, -1, -1};
        int a = from;
        while (to - a >= 4) {
            int alen = b.getShort(a) & 0xffff;
            int atype = b.getShort(a + 2) & NLA_TYPE_MASK;
            if (alen < 4 || alen > to - a) {
                bad.count("bond slave data length", "IFLA_BOND_SLAVE attribute " + atype + " of " + alen
                        + " bytes with " + (to - a) + " left (ifindex " + index + ")");
                return null;
            }
            int p = a + 4;
            int n = alen - 4;
            int slot = switch (atype) {
                case IFLA_BOND_SLAVE_STATE -> 0;
                case IFLA_BOND_SLAVE_MII_STATUS -> 1;
                case IFLA_BOND_SLAVE_AD_AGGREGATOR_ID -> 2;
                case IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE -> 3;
                case IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE -> 4;
                case IFLA_BOND_SLAVE_AD_CHURN_ACTOR_STATE -> 5;
                case IFLA_BOND_SLAVE_AD_CHURN_PARTNER_STATE -> 6;
                default -> -1;
            };
            if (slot >= 0) {
                // u8 or u16 values; the partner state is sent as u16
                int width = slot == 2 || slot == 4 ? 2 : 1;
                if (n < width) {
                    bad.count("bond slave value", "IFLA_BOND_SLAVE attribute " + atype + " with " + n
                            + " bytes (ifindex " + index + ")");
                    return null;
                }
                v[slot] = width == 2 ? b.getShort(p) & 0xffff : b.get(p) & 0xff;
            }
            a += (alen + 3) & ~3;
        }
        return new LinkMessage.BondSlave(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    }

    private static String mac(ByteBuffer b, int at, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(String.format("%02x", b.get(at + i) & 0xff));
        }
        return sb.toString();
    }
}
