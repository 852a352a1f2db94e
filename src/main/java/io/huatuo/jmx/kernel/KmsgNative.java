package io.huatuo.jmx.kernel;

/**
 * The natives of libhuatuo.so for {@link Kmsg} (C side: {@code src/main/c/huatuo_kmsg_native.c}), registered by
 * {@code JNI_OnLoad}. Results are {@code >= 0} or {@code -errno}.
 */
final class KmsgNative {
    private KmsgNative() {
    }

    static native int open0();

    static native int wakeFd0();

    static native int read0(int fd, int wakeFd, byte[] buf, int timeoutMillis);

    static native void wake0(int wakeFd);

    static native int close0(int fd);
}
