package io.huatuo.jmx.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReverseDnsTest {
    /** Generous: the lookups under test finish in microseconds. */
    static final long LONG_WAIT_MS = 5_000;

    final AtomicInteger calls = new AtomicInteger();
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final List<ReverseDns> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(ReverseDns::close);
    }

    ReverseDns dns(Function<InetAddress, String> resolver) {
        ReverseDns d = ReverseDns.builder()
                .resolver(a -> {
                    calls.incrementAndGet();
                    return resolver.apply(a);
                })
                .nanoClock(clock::get)
                .build();
        opened.add(d);
        return d;
    }

    static Function<InetAddress, String> names(Map<String, String> table) {
        return a -> table.getOrDefault(a.getHostAddress(), a.getHostAddress());
    }

    void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void cachedNameIsReturnedWithoutAskingTheResolverAgain() {
        ReverseDns d = dns(names(Map.of("10.156.248.76", "pb-router-1.example.net")));

        assertEquals("pb-router-1.example.net", d.lookup("10.156.248.76", LONG_WAIT_MS));
        assertEquals("pb-router-1.example.net", d.lookup("10.156.248.76", 0));

        assertEquals(1, calls.get());
        assertEquals(1, d.getHits());
        assertEquals(1, d.getMisses());
        assertEquals(0, d.getTimeouts());
    }

    @Test
    void slowResolverReturnsEmptyWithinTheWaitAndFillsTheCacheLater() throws InterruptedException {
        ReverseDns d = dns(a -> {
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "slow.example.net";
        });

        long start = System.nanoTime();
        String first = d.lookup("10.0.0.9", 100);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertEquals("", first);
        assertTrue(elapsedMs < 1_500, "lookup held the caller " + elapsedMs + " ms");
        assertEquals(1, d.getTimeouts());

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (d.cached("10.0.0.9").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(Optional.of("slow.example.net"), d.cached("10.0.0.9"));
        assertEquals("slow.example.net", d.lookup("10.0.0.9", 0));
        assertEquals(1, calls.get());
    }

    @Test
    void zeroWaitNeverBlocks() {
        CountDownLatch release = new CountDownLatch(1);
        ReverseDns d = dns(a -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "later.example.net";
        });

        assertEquals("", d.lookup("10.0.0.10", 0));
        assertEquals(1, d.getTimeouts());
        release.countDown();
        assertEquals("later.example.net", d.lookup("10.0.0.10", LONG_WAIT_MS));
    }

    @Test
    void failedLookupIsCachedAsNegative() {
        ReverseDns d = dns(a -> a.getHostAddress()); // what InetAddress gives back when nothing is found

        assertEquals("", d.lookup("192.0.2.1", LONG_WAIT_MS));
        assertEquals("", d.lookup("192.0.2.1", LONG_WAIT_MS));

        assertEquals(1, calls.get());
        assertEquals(1, d.getHits());
        assertEquals(Optional.of(""), d.cached("192.0.2.1"));
    }

    @Test
    void throwingOrBlankResolverCountsAsNegative() {
        ReverseDns throwing = dns(a -> {
            throw new IllegalStateException("resolver broke");
        });
        ReverseDns blank = dns(a -> null);

        assertEquals("", throwing.lookup("192.0.2.2", LONG_WAIT_MS));
        assertEquals(Optional.of(""), throwing.cached("192.0.2.2"));
        assertEquals("", blank.lookup("192.0.2.3", LONG_WAIT_MS));
        assertEquals(Optional.of(""), blank.cached("192.0.2.3"));
    }

    @Test
    void positiveEntryExpiresAfterItsTtl() {
        ReverseDns d = dns(names(Map.of("10.0.0.1", "a.example.net")));
        d.lookup("10.0.0.1", LONG_WAIT_MS);

        advance(Duration.ofMinutes(9));
        assertEquals("a.example.net", d.lookup("10.0.0.1", 0));
        assertEquals(1, calls.get());

        advance(Duration.ofMinutes(2));
        assertEquals(Optional.empty(), d.cached("10.0.0.1"));
        assertEquals("a.example.net", d.lookup("10.0.0.1", LONG_WAIT_MS));
        assertEquals(2, calls.get());
    }

    @Test
    void negativeEntryExpiresSoonerThanPositive() {
        ReverseDns d = dns(a -> a.getHostAddress());
        d.lookup("192.0.2.1", LONG_WAIT_MS);

        advance(Duration.ofSeconds(50));
        d.lookup("192.0.2.1", LONG_WAIT_MS);
        assertEquals(1, calls.get());

        advance(Duration.ofSeconds(20));
        d.lookup("192.0.2.1", LONG_WAIT_MS);
        assertEquals(2, calls.get());
    }

    @Test
    void ttlsAreConfigurable() {
        ReverseDns d = ReverseDns.builder()
                .resolver(a -> {
                    calls.incrementAndGet();
                    return "x.example.net";
                })
                .positiveTtl(Duration.ofSeconds(5))
                .nanoClock(clock::get)
                .build();
        opened.add(d);
        d.lookup("10.0.0.1", LONG_WAIT_MS);
        advance(Duration.ofSeconds(6));
        d.lookup("10.0.0.1", LONG_WAIT_MS);

        assertEquals(2, calls.get());
    }

    @Test
    void concurrentLookupsOfOneAddressShareOneQuery() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ReverseDns d = dns(a -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "shared.example.net";
        });
        ExecutorService callers = Executors.newFixedThreadPool(6);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(callers.submit(() -> d.lookup("10.0.0.7", LONG_WAIT_MS)));
            }
            Thread.sleep(200);
            release.countDown();
            for (Future<String> f : answers) {
                assertEquals("shared.example.net", f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            callers.shutdownNow();
        }
        assertEquals(1, calls.get());
    }

    @Test
    void onlyIpLiteralsAreLookedUp() {
        ReverseDns d = dns(a -> "never.example.net");

        assertEquals("", d.lookup("example.com", LONG_WAIT_MS));
        assertEquals("", d.lookup("999.1.1.1", LONG_WAIT_MS));
        assertEquals("", d.lookup(".:", LONG_WAIT_MS));
        assertEquals("", d.lookup("", LONG_WAIT_MS));
        assertEquals("", d.lookup(null, LONG_WAIT_MS));
        assertEquals(0, calls.get());

        assertEquals("never.example.net", d.lookup("2001:db8::1", LONG_WAIT_MS));
        assertEquals(1, calls.get());
    }

    @Test
    void namesWithOddCharactersAreTreatedAsFailures() {
        ReverseDns d = dns(a -> "evil name\nwith newline");

        assertEquals("", d.lookup("10.0.0.3", LONG_WAIT_MS));
    }

    @Test
    void trailingDotOfAFullyQualifiedNameIsDropped() {
        ReverseDns d = dns(a -> "fq.example.net.");

        assertEquals("fq.example.net", d.lookup("10.0.0.4", LONG_WAIT_MS));
    }

    @Test
    void cacheSizeIsBounded() {
        ReverseDns d = ReverseDns.builder().resolver(a -> "n.example.net").maxEntries(2).build();
        opened.add(d);
        for (int i = 1; i <= 3; i++) {
            d.lookup("10.0.0." + i, LONG_WAIT_MS);
        }

        assertEquals(2, d.getCacheSize());
    }

    @Test
    void afterCloseLookupsReturnEmptyAtOnceAndCloseIsIdempotent() {
        ReverseDns d = dns(a -> "c.example.net");
        assertEquals("c.example.net", d.lookup("10.0.0.1", LONG_WAIT_MS));
        d.close();
        d.close();

        long start = System.nanoTime();
        assertEquals("", d.lookup("10.0.0.2", LONG_WAIT_MS));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2));
        assertEquals("c.example.net", d.lookup("10.0.0.1", 0), "cached answers still served");
    }

    @Test
    void closeReleasesCallersWaitingForALookup() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        ReverseDns d = dns(a -> {
            try {
                never.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "late.example.net";
        });
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<String> answer = caller.submit(() -> d.lookup("10.0.0.5", 20_000));
            Thread.sleep(200);
            d.close();
            assertEquals("", answer.get(10, TimeUnit.SECONDS));
        } finally {
            caller.shutdownNow();
        }
    }
}
