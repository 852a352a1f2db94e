package io.huatuo.jmx.bpf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A record of src/test/bpf/shim_test.bpf.c, decoded with offsets read from the object's BTF. */
record ShimEvent(long seq, long knob, long bssValue, int kind, int pid, String comm) {
    static final String OBJECT = "shim_test";
    static final int TEST_RUN = 1;
    static final int EXEC_BTF = 2;
    static final int EXEC_TP = 3;

    /** Decodes records of one layout; checks every member's size once. */
    static final class Decoder {
        private final int size;
        private final int seq;
        private final int knob;
        private final int bssValue;
        private final int kind;
        private final int pid;
        private final int comm;
        private final int commLength;

        Decoder(StructLayout layout) {
            size = layout.size();
            seq = layout.offsetOf("seq", 8);
            knob = layout.offsetOf("knob", 8);
            bssValue = layout.offsetOf("bss_value", 8);
            kind = layout.offsetOf("kind", 4);
            pid = layout.offsetOf("pid", 4);
            comm = layout.offsetOf("comm");
            commLength = layout.sizeOf("comm");
        }

        int size() {
            return size;
        }

        ShimEvent decode(ByteBuffer b, int offset, int length) {
            if (length != size) {
                throw new IllegalArgumentException("record of " + length + " bytes, expected " + size);
            }
            byte[] name = new byte[commLength];
            b.get(offset + comm, name);
            int end = 0;
            while (end < name.length && name[end] != 0) {
                end++;
            }
            return new ShimEvent(b.getLong(offset + seq), b.getLong(offset + knob), b.getLong(offset + bssValue),
                    b.getInt(offset + kind), b.getInt(offset + pid), new String(name, 0, end, StandardCharsets.UTF_8));
        }
    }
}
