package io.huatuo.jmx.kernel;

import java.nio.ByteBuffer;

/**
 * The natives of libhuatuo.so for {@link Netlink} (C side: {@code src/main/c/huatuo_netlink.c}).
 * Results are {@code >= 0} or {@code -errno}; a handle is valid until {@link #close0}.
 */
final class NetlinkNative {
    private NetlinkNative() {
    }

    static native long open0(int protocol, int groups);

    static native int dumpLinks0(long handle, int seq);

    static native int receive0(long handle, ByteBuffer direct, int timeoutMillis);

    static native void wake0(long handle);

    static native void close0(long handle);
}
