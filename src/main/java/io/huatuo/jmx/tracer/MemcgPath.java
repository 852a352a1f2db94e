package io.huatuo.jmx.tracer;

import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.bpf.StructLayout;
import java.nio.ByteBuffer;

/**
 * Decodes {@code struct memcg_path} (bpf/include/memcg.h): a task's memory cgroup as the css pointer
 * and kernfs names read leaf first. The offsets come from the object's BTF.
 */
public final class MemcgPath {
    private static final int DEPTH = 8;
    private static final int NAME_LEN = 128;

    private final int size;
    private final int offCss;
    private final int offDepth;
    private final int offTruncated;
    private final int offNames;

    public MemcgPath(BpfObject obj) {
        StructLayout l = obj.structLayout("memcg_path");
        size = l.size();
        offCss = l.offsetOf("css", 8);
        offDepth = l.offsetOf("depth", 4);
        offTruncated = l.offsetOf("truncated", 4);
        offNames = l.offsetOf("names", DEPTH * NAME_LEN);
    }

    public int size() {
        return size;
    }

    /** The css pointer as the seed shows it ("0xff4b8d8be3818000"), "" if the task had none. */
    public String css(ByteBuffer b, int at) {
        long css = b.getLong(at + offCss);
        return css == 0 ? "" : "0x" + Long.toHexString(css);
    }

    /**
     * The path within the memory hierarchy ("/" for its root, "" if unknown). A path deeper than
     * the kernel side reads starts with "/..." in place of the components left out.
     */
    public String path(ByteBuffer b, int at) {
        if (b.getLong(at + offCss) == 0) {
            return "";
        }
        int depth = Math.min(b.getInt(at + offDepth), DEPTH);
        if (depth == 0) {
            return "/";
        }
        StringBuilder sb = new StringBuilder();
        if (b.getInt(at + offTruncated) != 0) {
            sb.append("/...");
        }
        for (int i = depth - 1; i >= 0; i--) {
            sb.append('/').append(RecordFields.cString(b, at + offNames + i * NAME_LEN, NAME_LEN));
        }
        return sb.toString();
    }
}
