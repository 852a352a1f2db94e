package io.huatuo.jmx.tracer;

import io.huatuo.jmx.event.Schema;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tracer fed by a kernel signal that BPF does not give here (rtnetlink, /dev/kmsg, /proc). The
 * subclass opens its source in {@link #open} and closes it in {@link #shut}, and calls
 * {@link #report} for every occurrence: this class counts it, applies MaxEventsPerSecond in Java
 * and hands the event on. Enabled=false closes the source.
 */
public abstract class SourceTracer extends Tracer {
    private final AtomicLong occurrences = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();
    private RateLimiter limiter;
    private volatile boolean open;
    protected TracerContext context;

    protected SourceTracer(Schema schema) {
        super(schema);
    }

    /**
     * Checks the source and opens it when {@code enabled}; returns the {@code Probe} text. Throws
     * {@link Unavailable} when this kernel or machine cannot provide the source, and
     * IllegalArgumentException for a bad configuration value (naming the key).
     */
    protected abstract String open(boolean enabled) throws Exception;

    /** Stops reading the source; idempotent. */
    protected abstract void shut();

    /** Thrown by {@link #open} when the source cannot work here; the message becomes {@code Probe}. */
    public static final class Unavailable extends Exception {
        public Unavailable(String reason) {
            super(reason);
        }
    }

    @Override
    public synchronized void start(TracerContext ctx, boolean enabled) {
        this.context = ctx;
        this.limiter = new RateLimiter(checkMaxEventsPerSecond(ctx.config().tracer(name()).maxEventsPerSecond()));
        try {
            String probe = open(enabled);
            open = enabled;
            setState(enabled ? TracerState.RUNNING : TracerState.DISABLED, probe);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Unavailable e) {
            setState(TracerState.UNAVAILABLE, e.getMessage());
        } catch (Exception e) {
            setState(TracerState.UNAVAILABLE, e.toString());
        }
    }

    @Override
    public synchronized void setEnabled(boolean enabled) {
        if (state() == TracerState.UNAVAILABLE) {
            throw new IllegalArgumentException(name() + " is unavailable: " + probe());
        }
        if (enabled == open) {
            return;
        }
        if (enabled) {
            try {
                setState(TracerState.RUNNING, open(true));
                open = true;
            } catch (Exception e) {
                setState(TracerState.FAILED, "re-open failed: " + e.getMessage());
                throw new IllegalStateException(probe(), e);
            }
        } else {
            shut();
            open = false;
            setState(TracerState.DISABLED, probe());
        }
    }

    /** Counts one occurrence and, within the rate limit, hands its event on. Any thread. */
    protected final void report(PendingEvent event) {
        occurrences.incrementAndGet();
        if (!limiter.tryAcquire(System.nanoTime())) {
            rateLimited.incrementAndGet();
            return;
        }
        if (!context.sink().offer(event)) {
            countLostInDaemon();
        }
    }

    @Override
    public long occurrenceCount() {
        return occurrences.get();
    }

    @Override
    public long rateLimitedEvents() {
        return rateLimited.get();
    }

    @Override
    public long maxEventsPerSecond() {
        return limiter == null ? 0 : limiter.perSecond();
    }

    @Override
    public void setMaxEventsPerSecond(long value) {
        limiter.setPerSecond(checkMaxEventsPerSecond(value));
    }

    @Override
    public synchronized void close() {
        if (open) {
            shut();
            open = false;
        }
        if (state() == TracerState.RUNNING) {
            setState(TracerState.DISABLED, "stopped");
        }
    }
}
