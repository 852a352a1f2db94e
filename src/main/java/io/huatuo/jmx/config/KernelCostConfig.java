package io.huatuo.jmx.config;

/**
 * The {@code kernelCost} block: how often the daemon measures what its own BPF programs cost the
 * kernel (each tracer's {@code KernelCostNanosPerSecond} and {@code ProgramRunsPerSecond}).
 * Run-time statistics are switched on for one window per period only: while they are on, every BPF
 * program on the machine pays two clock reads per run.
 *
 * @param enabled       key {@code enabled}: measure; default true
 * @param periodSeconds key {@code periodSeconds}: one window every this many seconds; 2..86400, default 300
 * @param windowSeconds key {@code windowSeconds}: how long each window is; 1..60 and less than
 *                      {@code periodSeconds}, default 5
 */
public record KernelCostConfig(boolean enabled, int periodSeconds, int windowSeconds) {

    static KernelCostConfig read(Section s) {
        boolean enabled = s.bool("enabled", true);
        int period = s.integer("periodSeconds", 300, 2, 86_400);
        int window = s.integer("windowSeconds", 5, 1, 60);
        if (window >= period) {
            throw s.error("windowSeconds", "must be less than periodSeconds (" + period + "), got " + window);
        }
        return new KernelCostConfig(enabled, period, window);
    }
}
