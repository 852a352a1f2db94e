package io.huatuo.jmx.tracer;

import java.nio.ByteBuffer;

/**
 * Decodes {@code struct memcg_path} (bpf/include/memcg.h): a task's memory cgroup as the css pointer
 * and kernfs names read leaf first, with the generated readers of {@link HuatuoBpf.MemcgPath}.
 */
public final class MemcgPath {
    private MemcgPath() {
    }

    /** The css pointer as HUATUO shows it ("0xff4b8d8be3818000"), "" if the task had none. */
    public static String css(ByteBuffer b, int at) {
        long css = HuatuoBpf.MemcgPath.css(b, at);
        return css == 0 ? "" : "0x" + Long.toHexString(css);
    }

    /**
     * The path within the memory hierarchy ("/" for its root, "" if unknown). A path deeper than
     * the kernel side reads starts with "/..." in place of the components left out.
     */
    public static String path(ByteBuffer b, int at) {
        if (HuatuoBpf.MemcgPath.css(b, at) == 0) {
            return "";
        }
        int depth = Math.min(HuatuoBpf.MemcgPath.depth(b, at), HuatuoBpf.MEMCG_DEPTH);
        if (depth <= 0) {
            return "/";
        }
        StringBuilder sb = new StringBuilder();
        if (HuatuoBpf.MemcgPath.truncated(b, at) != 0) {
            sb.append("/...");
        }
        for (int i = depth - 1; i >= 0; i--) {
            sb.append('/').append(HuatuoBpf.MemcgPath.names(b, at, i));
        }
        return sb.toString();
    }
}
