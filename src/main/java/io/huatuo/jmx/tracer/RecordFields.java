package io.huatuo.jmx.tracer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Decoders of fields that many kernel records share: C strings, IP addresses, TCP states. */
public final class RecordFields {
    private static final String[] TCP_STATES = {"", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
        "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
        "BOUND_INACTIVE"};

    private RecordFields() {
    }

    /** A NUL-terminated string of at most {@code max} bytes (comm, ifname). */
    public static String cString(ByteBuffer b, int at, int max) {
        int n = 0;
        while (n < max && b.get(at + n) != 0) {
            n++;
        }
        byte[] s = new byte[n];
        b.get(at, s);
        return new String(s, StandardCharsets.UTF_8);
    }

    /** The name of a kernel TCP state ({@code TCP_ESTABLISHED} = 1 ...) without its prefix, "" for 0. */
    public static String tcpState(int state) {
        return state < TCP_STATES.length ? TCP_STATES[state] : "STATE_" + state;
    }

    /** The address at {@code at} as text: 4 bytes for AF_INET (2), 16 for AF_INET6 (10), "" for other families. */
    public static String address(ByteBuffer b, int at, int family) {
        byte[] raw = new byte[family == 10 ? 16 : 4];
        if (family != 2 && family != 10) {
            return "";
        }
        b.get(at, raw);
        try {
            return InetAddress.getByAddress(raw).getHostAddress();
        } catch (UnknownHostException e) {
            return "";
        }
    }
}
