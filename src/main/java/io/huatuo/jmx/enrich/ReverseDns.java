package io.huatuo.jmx.enrich;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Reverse DNS for event enrichment (e.g. {@code src_hostname}), cached, and never holding the
 * caller longer than it asks.
 *
 * <p>{@link #lookup} answers from the cache, or waits at most {@code waitMillis} for a lookup that
 * runs on a small pool of daemon threads; if that is not enough it returns "" and the lookup
 * finishes into the cache for the next event. Concurrent lookups of one address share one query.
 * Names and failures are cached with their own TTLs; a failed lookup (the resolver gives the
 * address text back, nothing, or throws) is a negative entry, shown as "". Only IP literals are
 * looked up: anything else returns "" at once, so a caller can never trigger a forward query.
 *
 * <p>Thread-safe. {@link #close()} stops the pool; afterwards only cached answers are given.
 */
public final class ReverseDns implements AutoCloseable {
    public static final Duration DEFAULT_POSITIVE_TTL = Duration.ofMinutes(10);
    public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofMinutes(1);
    public static final int DEFAULT_MAX_ENTRIES = 4096;
    public static final int DEFAULT_THREADS = 2;
    /** Lookups waiting for a thread; beyond this a lookup is skipped (counted in {@link #getRejected()}). */
    public static final int QUEUE_CAPACITY = 256;

    private static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    // Starts with a hex digit or ':' and has a ':', so InetAddress parses it as IPv6 and never queries DNS.
    private static final Pattern IPV6 = Pattern.compile("(?=[^%]*:)[0-9A-Fa-f:][0-9A-Fa-f:.]*(%[A-Za-z0-9._-]+)?");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,252}");

    private record Entry(String name, long expiresAtNanos) {
    }

    private final Function<InetAddress, String> resolver;
    private final long positiveTtlNanos;
    private final long negativeTtlNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Entry> cache; // LRU, guarded by itself
    private final ConcurrentHashMap<String, CompletableFuture<String>> inflight = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor pool;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private volatile boolean closed;

    /** Reverse DNS through the system resolver, with the default TTLs, size and pool. */
    public ReverseDns() {
        this(builder());
    }

    private ReverseDns(Builder b) {
        this.resolver = b.resolver;
        this.positiveTtlNanos = b.positiveTtl.toNanos();
        this.negativeTtlNanos = b.negativeTtl.toNanos();
        this.nanoClock = b.nanoClock;
        int maxEntries = b.maxEntries;
        this.cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > maxEntries;
            }
        };
        AtomicInteger threadNo = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(b.threads, b.threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(QUEUE_CAPACITY), r -> {
                    Thread t = new Thread(r, "huatuo-rdns-" + threadNo.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true); // no threads while idle
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The host name of {@code ip}, or "" if it has none, is not known yet, or {@code ip} is not an
     * IP literal. Blocks at most {@code waitMillis} (0: never).
     */
    public String lookup(String ip, long waitMillis) {
        if (ip == null || ip.isEmpty()) {
            return "";
        }
        Optional<String> hit = cached(ip);
        if (hit.isPresent()) {
            hits.increment();
            return hit.get();
        }
        InetAddress address = parseLiteral(ip);
        if (address == null) {
            return "";
        }
        misses.increment();
        if (closed) {
            return "";
        }
        CompletableFuture<String> pending;
        try {
            pending = inflight.computeIfAbsent(ip, k -> start(k, address));
        } catch (RejectedExecutionException e) {
            rejected.increment();
            return "";
        }
        if (closed) {
            pending.complete(""); // close() ran after the check above and missed this lookup
        }
        if (waitMillis <= 0 && !pending.isDone()) {
            timeouts.increment();
            return "";
        }
        try {
            return pending.get(Math.max(waitMillis, 0), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            timeouts.increment();
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } catch (ExecutionException | CancellationException e) {
            return "";
        }
    }

    /** The cached, unexpired answer for {@code ip} ("" for a cached failure); never starts a lookup. */
    public Optional<String> cached(String ip) {
        Entry e;
        synchronized (cache) {
            e = cache.get(ip);
        }
        if (e != null && nanoClock.getAsLong() - e.expiresAtNanos() < 0) {
            return Optional.of(e.name());
        }
        return Optional.empty();
    }

    /** Lookups answered from the cache (names and cached failures). */
    public long getHits() {
        return hits.sum();
    }

    /** Lookups the cache could not answer. */
    public long getMisses() {
        return misses.sum();
    }

    /** Misses that returned "" because the answer was not there within the wait. */
    public long getTimeouts() {
        return timeouts.sum();
    }

    /** Misses not looked up because the queue was full. */
    public long getRejected() {
        return rejected.sum();
    }

    /** Entries in the cache, expired ones included until they are replaced or evicted. */
    public int getCacheSize() {
        synchronized (cache) {
            return cache.size();
        }
    }

    /** Stops the pool; idempotent. Waiting callers get "" right away. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Release waiting callers first: an interrupted resolver could otherwise still complete
        // its lookup with a name after close.
        inflight.values().forEach(f -> f.complete(""));
        inflight.clear();
        pool.shutdownNow();
    }

    private CompletableFuture<String> start(String ip, InetAddress address) {
        CompletableFuture<String> f = new CompletableFuture<>();
        pool.execute(() -> {
            String name = "";
            try {
                name = resolve(ip, address);
            } finally {
                store(ip, name);
                inflight.remove(ip, f);
                f.complete(name);
            }
        });
        return f;
    }

    private String resolve(String ip, InetAddress address) {
        String name;
        try {
            name = resolver.apply(address);
        } catch (RuntimeException e) {
            return "";
        }
        if (name == null) {
            return "";
        }
        name = name.trim();
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        // InetAddress answers a failed reverse lookup with the address text itself
        if (name.equals(ip) || name.equals(address.getHostAddress()) || !NAME.matcher(name).matches()) {
            return "";
        }
        return name;
    }

    private void store(String ip, String name) {
        long ttl = name.isEmpty() ? negativeTtlNanos : positiveTtlNanos;
        Entry e = new Entry(name, nanoClock.getAsLong() + ttl);
        synchronized (cache) {
            cache.put(ip, e);
        }
    }

    /** The address for an IP literal, or null for anything that would need a forward lookup. */
    static InetAddress parseLiteral(String ip) {
        if (!IPV4.matcher(ip).matches() && !IPV6.matcher(ip).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(ip); // a literal: parsed, no query
        } catch (UnknownHostException | RuntimeException e) {
            return null;
        }
    }

    /** Settings for a {@link ReverseDns}; every one has a default. */
    public static final class Builder {
        private Function<InetAddress, String> resolver = InetAddress::getCanonicalHostName;
        private Duration positiveTtl = DEFAULT_POSITIVE_TTL;
        private Duration negativeTtl = DEFAULT_NEGATIVE_TTL;
        private int maxEntries = DEFAULT_MAX_ENTRIES;
        private int threads = DEFAULT_THREADS;
        private LongSupplier nanoClock = System::nanoTime;

        private Builder() {
        }

        /** How an address becomes a name; returning the address text, "" or null means "no name". */
        public Builder resolver(Function<InetAddress, String> resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        public Builder positiveTtl(Duration ttl) {
            this.positiveTtl = nonNegative(ttl, "positiveTtl");
            return this;
        }

        public Builder negativeTtl(Duration ttl) {
            this.negativeTtl = nonNegative(ttl, "negativeTtl");
            return this;
        }

        public Builder maxEntries(int maxEntries) {
            if (maxEntries < 1) {
                throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
            }
            this.maxEntries = maxEntries;
            return this;
        }

        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be positive: " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** Monotonic clock in nanoseconds for TTLs (tests move it by hand). */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        public ReverseDns build() {
            return new ReverseDns(this);
        }

        private static Duration nonNegative(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative: " + d);
            }
            return d;
        }
    }
}
