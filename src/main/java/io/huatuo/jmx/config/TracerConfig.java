package io.huatuo.jmx.config;

/**
 * The keys every {@code tracers.<name>} block has. Each tracer has its own record (in its own
 * package) with these two plus its own keys; {@link HuatuoConfig#tracer(TracerBlock)} returns it.
 */
public interface TracerConfig {

    /** Default of {@link #enabled()}. */
    boolean DEFAULT_ENABLED = true;
    /** Default of {@link #maxEventsPerSecond()}. */
    int DEFAULT_MAX_EVENTS_PER_SECOND = 100;
    /** Upper bound of {@link #maxEventsPerSecond()}; the lower bound is 1. */
    int MAX_EVENTS_PER_SECOND_LIMIT = 1_000_000;
    /** Upper bound of every millisecond threshold (one hour); the lower bound is 1. */
    int MAX_MILLIS = 3_600_000;

    /**
     * Key {@code enabled}: whether the tracer is started (the MBean's writable {@code Enabled}
     * attribute can still switch it at runtime). Default {@code true}.
     *
     * @return whether the tracer is enabled at start
     */
    boolean enabled();

    /**
     * Key {@code maxEventsPerSecond}: the most event details reported per second; the rest are
     * counted in {@code RateLimitedEvents}. Between 1 and 1000000, default 100.
     *
     * @return the rate limit for event details
     */
    int maxEventsPerSecond();
}
