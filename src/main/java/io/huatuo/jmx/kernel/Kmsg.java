package io.huatuo.jmx.kernel;

import io.huatuo.jmx.bpf.NativeLibrary;
import java.nio.charset.StandardCharsets;

/**
 * The kernel log read from {@code /dev/kmsg}, starting after the newest record at open (older records are
 * never replayed), one record per {@link #read}. Reads wait with a timeout, and {@link #wake} ends a wait
 * from another thread, so a reader thread can wait long, check a stop flag between reads, and the fd is
 * closed only after that thread has left {@link #read}.
 *
 * <p>One reader thread; {@link #wake} may be called from any thread until {@link #close} (a closed fd's
 * number can be reused); {@link #close} must not run concurrently with {@link #read} or {@link #wake}.
 */
public final class Kmsg implements AutoCloseable {
    private static final int EPIPE = 32;

    private final byte[] buf = new byte[8192];
    private int fd;
    private int wakeFd;

    /** /dev/kmsg cannot be opened or read; the message says why. */
    public static final class KmsgException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        KmsgException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Kmsg(int fd, int wakeFd) {
        this.fd = fd;
        this.wakeFd = wakeFd;
    }

    /** Opens /dev/kmsg after its newest record. @throws KmsgException naming the reason (e.g. not root) */
    public static Kmsg openAtEnd() {
        try {
            NativeLibrary.load();
        } catch (UnsatisfiedLinkError e) {
            throw new KmsgException("open /dev/kmsg: the native library is not available: " + e.getMessage(), e);
        }
        int fd = KmsgNative.open0();
        if (fd < 0) {
            throw new KmsgException("open /dev/kmsg: " + NativeLibrary.strerror(-fd) + " (errno " + -fd + ")", null);
        }
        int wakeFd = KmsgNative.wakeFd0();
        if (wakeFd < 0) {
            KmsgNative.close0(fd);
            throw new KmsgException("eventfd for /dev/kmsg: " + NativeLibrary.strerror(-wakeFd) + " (errno " + -wakeFd
                    + ")", null);
        }
        return new Kmsg(fd, wakeFd);
    }

    /**
     * Waits up to {@code timeoutMillis} for the next record.
     *
     * @return the record as /dev/kmsg gives it ({@code "PRI,seq,usec,flags;text\n"} plus continuation lines),
     *         null on timeout or after {@link #wake}, or "" when older records were overwritten before they could
     *         be read
     * @throws KmsgException on a read error
     */
    public String read(int timeoutMillis) {
        int n = KmsgNative.read0(fd, wakeFd, buf, timeoutMillis);
        if (n == -EPIPE) {
            return "";
        }
        if (n < 0) {
            throw new KmsgException("read /dev/kmsg: " + NativeLibrary.strerror(-n) + " (errno " + -n + ")", null);
        }
        return n == 0 ? null : new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    /** Makes a waiting {@link #read}, and every later one, return null at once: for stopping the reader. */
    public void wake() {
        int w = wakeFd;
        if (w >= 0) {
            KmsgNative.wake0(w);
        }
    }

    /** Closes the fds; idempotent. */
    @Override
    public void close() {
        if (fd >= 0) {
            KmsgNative.close0(fd);
            fd = -1;
        }
        if (wakeFd >= 0) {
            KmsgNative.close0(wakeFd);
            wakeFd = -1;
        }
    }
}
