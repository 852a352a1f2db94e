package io.huatuo.jmx.edge;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wrong passwords on any endpoint: each is logged (endpoint, user name, remote address; never the
 * password) and counted, and an address with more than a few failures must wait before it may try again,
 * twice as long after each further failure (up to 30 s). A successful login does not start the count
 * over, so one known (readonly) password cannot reset the wait while guessing another user's. While it
 * waits its attempts are refused without looking at the password, so waiting cannot be skipped by trying
 * in parallel. The count of an address starts over after 10 minutes without a failure. Thread-safe; one
 * per daemon.
 */
public final class LoginGuard {
    private static final Logger LOG = LoggerFactory.getLogger(LoginGuard.class);
    /** Failures from one address that cost nothing (typos). */
    static final int FREE_FAILURES = 3;
    static final long FIRST_WAIT_MS = 1000;
    static final long MAX_WAIT_MS = 30_000;
    static final long FORGET_AFTER_MS = 10 * 60_000;
    /** Addresses remembered at most (the oldest are forgotten), so a flood of addresses costs bounded memory. */
    private static final int MAX_ADDRESSES = 4096;

    private final LongSupplier clock;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final Map<String, Address> addresses = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Address> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    private static final class Address {
        int failures;
        long lastFailure;
        long waitUntil;
    }

    public LoginGuard() {
        this(System::currentTimeMillis);
    }

    LoginGuard(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * @return null when the address may try, else why not (for the client: the address and the wait)
     */
    synchronized String refusal(String address) {
        Address a = addresses.get(address);
        long now = clock.getAsLong();
        if (a == null || a.waitUntil <= now) {
            return null;
        }
        refused.incrementAndGet();
        return "too many failed logins from " + address + "; try again in " + ((a.waitUntil - now + 999) / 1000) + " s";
    }

    /** Seconds until the address may try again (for an HTTP Retry-After), at least 1. */
    synchronized long retryAfterSeconds(String address) {
        Address a = addresses.get(address);
        return a == null ? 1 : Math.max(1, (a.waitUntil - clock.getAsLong() + 999) / 1000);
    }

    /** A wrong user or password from the address: logged, counted, and the address may have to wait. */
    void failed(String endpoint, String user, String address) {
        long wait;
        int n;
        synchronized (this) {
            long now = clock.getAsLong();
            Address a = addresses.computeIfAbsent(address, k -> new Address());
            if (now - a.lastFailure > FORGET_AFTER_MS) {
                a.failures = 0;
            }
            n = ++a.failures;
            a.lastFailure = now;
            wait = n <= FREE_FAILURES ? 0
                    : Math.min(MAX_WAIT_MS, FIRST_WAIT_MS << Math.min(20, n - FREE_FAILURES - 1));
            a.waitUntil = now + wait;
        }
        failures.incrementAndGet();
        LOG.warn("{}: authentication failed for user '{}' from {} (failure {} from this address{})", endpoint,
                printable(user), address, n, wait == 0 ? "" : "; it must wait " + wait / 1000 + " s before trying again");
    }

    /** @return wrong users or passwords since start, on every endpoint */
    public long failures() {
        return failures.get();
    }

    /** @return attempts refused unchecked because their address had to wait */
    public long refused() {
        return refused.get();
    }

    /** A user name as the client sent it, safe for one log line: no control characters, at most 64 chars. */
    static String printable(String user) {
        if (user == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < user.length() && sb.length() < 64; i++) {
            char c = user.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        return sb.length() < user.length() ? sb + "..." : sb.toString();
    }
}
