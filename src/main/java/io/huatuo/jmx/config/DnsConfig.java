package io.huatuo.jmx.config;

/**
 * The {@code dns} block: reverse DNS names for the addresses in events (e.g. dropwatch's
 * {@code src_hostname}).
 *
 * @param enabled       key {@code enabled}: look names up; default true
 * @param timeoutMillis key {@code timeoutMillis}: the longest an event waits for a lookup before it
 *                      goes out without the name; 0..10000, default 100
 * @param cacheSeconds  key {@code cacheSeconds}: how long a name (or its absence) is cached; 1..86400, default 600
 */
public record DnsConfig(boolean enabled, int timeoutMillis, int cacheSeconds) {

    static DnsConfig read(Section s) {
        return new DnsConfig(
                s.bool("enabled", true),
                s.integer("timeoutMillis", 100, 0, 10_000),
                s.integer("cacheSeconds", 600, 1, 86_400));
    }
}
