package io.huatuo.jmx.tracer;

import java.util.function.LongSupplier;

/**
 * How much a monotonic counter grew over the last minute and the last five minutes, kept by the
 * daemon so that a poller (Zabbix, Nagios) needs no state of its own: one sample per second in a
 * ring, and a window is the live value minus the sample taken that many seconds ago (the count
 * since start while the daemon is younger than the window). Thread-safe.
 */
public final class RollingCounts {
    /** The longest window in seconds; the ring holds one more sample than that. */
    static final int LONGEST = 300;

    private final LongSupplier counter;
    private final long[] samples = new long[LONGEST + 1];
    private int newest = -1; // index of the newest sample
    private int count;       // samples taken, at most samples.length

    public RollingCounts(LongSupplier counter) {
        this.counter = counter;
    }

    /** Takes this second's sample; called once per second. */
    public synchronized void tick() {
        newest = (newest + 1) % samples.length;
        samples[newest] = counter.getAsLong();
        count = Math.min(count + 1, samples.length);
    }

    /** Growth over the last {@code seconds} (1..300), measured against the live value. */
    public long lastSeconds(int seconds) {
        if (seconds < 1 || seconds > LONGEST) {
            throw new IllegalArgumentException("window of " + seconds + " s, expected 1.." + LONGEST);
        }
        long now = counter.getAsLong();
        long then;
        synchronized (this) {
            // samples[newest] was taken at most a second ago; the one `seconds` ticks before it is the window's start
            then = count > seconds ? samples[Math.floorMod(newest - seconds, samples.length)] : 0;
        }
        return Math.max(0, now - then);
    }
}
