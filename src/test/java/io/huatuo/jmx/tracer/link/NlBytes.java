package io.huatuo.jmx.tracer.link;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Synthesizes rtnetlink bytes (native order, as the kernel writes them) for parser tests. */
public final class NlBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public static byte[] attr(int type, byte[] value) {
        int len = 4 + value.length;
        ByteBuffer b = ByteBuffer.allocate((len + 3) & ~3).order(ByteOrder.nativeOrder());
        b.putShort((short) len).putShort((short) type).put(value);
        return b.array();
    }

    public static byte[] u8(int v) {
        return new byte[] {(byte) v};
    }

    public static byte[] u16(int v) {
        return ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) v).array();
    }

    public static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    public static byte[] str(String s) {
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[raw.length + 1];
        System.arraycopy(raw, 0, z, 0, raw.length);
        return z;
    }

    public static byte[] nest(int type, byte[]... attrs) {
        return attr(type | 0x8000, concat(attrs));
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** One netlink message: header, ifinfomsg (for link types), attributes. */
    public static byte[] message(int type, int seq, int index, int flags, byte[]... attrs) {
        byte[] body = concat(attrs);
        boolean link = type == RtnetlinkParser.RTM_NEWLINK || type == RtnetlinkParser.RTM_DELLINK;
        int len = 16 + (link ? 16 : 0) + body.length;
        ByteBuffer b = ByteBuffer.allocate((len + 3) & ~3).order(ByteOrder.nativeOrder());
        b.putInt(len).putShort((short) type).putShort((short) 0).putInt(seq).putInt(0);
        if (link) {
            b.put((byte) 0).put((byte) 0).putShort((short) 1).putInt(index).putInt(flags).putInt(0);
        }
        b.put(body);
        return b.array();
    }

    public static byte[] newlink(int index, String name, int flags, byte[]... attrs) {
        byte[][] all = new byte[attrs.length + 1][];
        all[0] = attr(RtnetlinkParser.IFLA_IFNAME, str(name));
        System.arraycopy(attrs, 0, all, 1, attrs.length);
        return message(RtnetlinkParser.RTM_NEWLINK, 0, index, flags, all);
    }

    /** Adds one datagram as Netlink.receive frames it: [u32 length][bytes][pad]. */
    public NlBytes datagram(byte[]... messages) {
        byte[] d = concat(messages);
        out.writeBytes(u32(d.length));
        out.writeBytes(d);
        out.writeBytes(new byte[((d.length + 3) & ~3) - d.length]);
        return this;
    }

    public ByteBuffer buffer() {
        byte[] b = out.toByteArray();
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
    }

    public static byte[] resource(String path) throws IOException {
        try (InputStream in = NlBytes.class.getResourceAsStream(path)) {
            StringBuilder hex = new StringBuilder();
            new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines()
                    .filter(l -> !l.startsWith("#")).forEach(hex::append);
            return HexFormat.of().parseHex(hex);
        }
    }
}
