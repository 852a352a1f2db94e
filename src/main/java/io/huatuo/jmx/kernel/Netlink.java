package io.huatuo.jmx.kernel;

import io.huatuo.jmx.bpf.NativeLibrary;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A netlink socket (the JDK has none), bound to multicast groups. {@link #receive} fills a direct
 * buffer with every datagram that is queued, each as {@code [u32 length][bytes][pad to 4]} in
 * native byte order. One thread receives; {@link #close} may be called from any thread, wakes a
 * blocked receive and is idempotent.
 */
public final class Netlink implements AutoCloseable {
    public static final int NETLINK_ROUTE = 0;
    /** rtnetlink multicast group of link (interface) changes. */
    public static final int RTMGRP_LINK = 1;
    /** Smallest buffer {@link #receive} accepts: one whole datagram and its length. */
    public static final int MIN_BUFFER = 64 * 1024 + 8;
    /** errno of a receive overrun: the kernel dropped messages for this socket. */
    public static final int ENOBUFS = 105;
    private static final int ECANCELED = 125;

    private final long handle;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantLock receiving = new ReentrantLock();

    private Netlink(long handle) {
        this.handle = handle;
    }

    /** An error of a netlink call; {@link #errno()} tells an overrun ({@link #ENOBUFS}) from the rest. */
    public static final class NetlinkException extends IOException {
        private final int errno;

        NetlinkException(String what, int errno) {
            super(what + ": " + NativeLibrary.strerror(errno) + " (errno " + errno + ")");
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /** Opens a socket of {@code protocol} bound to the {@code groups} bit mask. */
    public static Netlink open(int protocol, int groups) throws NetlinkException {
        NativeLibrary.load();
        long h = NetlinkNative.open0(protocol, groups);
        if (h < 0) {
            throw new NetlinkException("netlink socket (protocol " + protocol + ", groups " + groups + ")", (int) -h);
        }
        return new Netlink(h);
    }

    /** A direct buffer in the byte order the kernel writes. */
    public static ByteBuffer buffer(int capacity) {
        return ByteBuffer.allocateDirect(Math.max(capacity, MIN_BUFFER)).order(ByteOrder.nativeOrder());
    }

    /** Asks the kernel for every link (RTM_GETLINK dump); the replies carry {@code seq}. */
    public void requestLinkDump(int seq) throws NetlinkException {
        receiving.lock(); // never on a freed handle
        try {
            if (closed.get()) {
                throw new NetlinkException("link dump request", 9);
            }
            int rc = NetlinkNative.dumpLinks0(handle, seq);
            if (rc < 0) {
                throw new NetlinkException("link dump request", -rc);
            }
        } finally {
            receiving.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: until data or close) and fills {@code into} from
     * position 0; sets its limit to the bytes written. Returns the bytes written, 0 on timeout, -1
     * once closed. Throws with {@link #ENOBUFS} when the kernel dropped messages.
     */
    public int receive(ByteBuffer into, int timeoutMillis) throws NetlinkException {
        receiving.lock();
        try {
            if (closed.get()) {
                return -1;
            }
            int n = NetlinkNative.receive0(handle, into, timeoutMillis);
            if (n == -ECANCELED) {
                return -1;
            }
            if (n < 0) {
                throw new NetlinkException("netlink receive", -n);
            }
            into.clear().limit(n);
            return n;
        } finally {
            receiving.unlock();
        }
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        NetlinkNative.wake0(handle);
        receiving.lock(); // the blocked receive returns promptly after the wake
        try {
            NetlinkNative.close0(handle);
        } finally {
            receiving.unlock();
        }
    }
}
