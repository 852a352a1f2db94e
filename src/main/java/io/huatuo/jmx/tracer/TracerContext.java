package io.huatuo.jmx.tracer;

import io.huatuo.jmx.config.HuatuoConfig;

/**
 * What a tracer gets at start: the configuration, the ring poller, where to hand decoded events,
 * and the clock mapping from kernel monotonic time to wall-clock time.
 */
public final class TracerContext {
    private final HuatuoConfig config;
    private final RingPoller poller;
    private final EventSink sink;
    /** CLOCK_REALTIME - CLOCK_MONOTONIC in ns; the JVM's nanoTime is CLOCK_MONOTONIC on Linux. */
    private final long monotonicToEpochNanos;

    public TracerContext(HuatuoConfig config, RingPoller poller, EventSink sink) {
        this.config = config;
        this.poller = poller;
        this.sink = sink;
        this.monotonicToEpochNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    }

    public HuatuoConfig config() {
        return config;
    }

    public RingPoller poller() {
        return poller;
    }

    public EventSink sink() {
        return sink;
    }

    /** Wall-clock epoch milliseconds of a bpf_ktime_get_ns() timestamp. */
    public long epochMillis(long ktimeNs) {
        return (ktimeNs + monotonicToEpochNanos) / 1_000_000L;
    }
}
