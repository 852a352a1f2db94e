package io.huatuo.jmx.tracer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Malformed input a tracer read from the kernel (a truncated netlink message, an unparsable proc
 * line): counted per kind and logged the first time each kind is seen, so that a stream of bad
 * input neither floods the log nor goes unnoticed. Thread-safe.
 */
public final class BadInput {
    private static final Logger LOG = LoggerFactory.getLogger(BadInput.class);

    private final String tracer;
    private final Map<String, AtomicLong> byKind = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    public BadInput(String tracer) {
        this.tracer = tracer;
    }

    /** Counts one piece of bad input; {@code detail} goes to the log only the first time per kind. */
    public void count(String kind, String detail) {
        total.incrementAndGet();
        if (byKind.computeIfAbsent(kind, k -> new AtomicLong()).getAndIncrement() == 0) {
            LOG.warn("{}: malformed input ({}): {}; further ones of this kind are only counted", tracer, kind, detail);
        }
    }

    public long total() {
        return total.get();
    }

    public long count(String kind) {
        AtomicLong n = byKind.get(kind);
        return n == null ? 0 : n.get();
    }
}
