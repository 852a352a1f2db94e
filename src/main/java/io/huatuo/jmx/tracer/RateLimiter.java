package io.huatuo.jmx.tracer;

/**
 * The Java-side twin of bpf/include/huatuo.h's limit, for tracers whose events come from netlink,
 * /dev/kmsg or /proc: at most {@code perSecond} details per one-second window. Thread-safe.
 */
final class RateLimiter {
    private volatile long perSecond;
    private long windowStartNanos;
    private boolean started;
    private long windowCount;

    RateLimiter(long perSecond) {
        this.perSecond = perSecond;
    }

    long perSecond() {
        return perSecond;
    }

    void setPerSecond(long perSecond) {
        this.perSecond = perSecond;
    }

    /** Whether one more detail may go out now. */
    synchronized boolean tryAcquire(long nowNanos) {
        if (!started || nowNanos - windowStartNanos >= 1_000_000_000L) {
            started = true;
            windowStartNanos = nowNanos;
            windowCount = 0;
        }
        return windowCount++ < perSecond;
    }
}
