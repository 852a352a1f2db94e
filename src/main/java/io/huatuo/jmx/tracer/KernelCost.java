package io.huatuo.jmx.tracer;

/**
 * What a tracer's BPF programs cost the kernel in the last measurement window.
 *
 * @param nanosPerSecond CPU time its programs ran, summed over CPUs, per second of wall time; -1 if not measured
 * @param runsPerSecond  runs of its programs per second; -1 if not measured
 * @param note           when and over how long it was measured, or why it was not
 */
public record KernelCost(long nanosPerSecond, long runsPerSecond, String note) {
    /** A tracer with no BPF programs. */
    public static final KernelCost NO_PROGRAMS = new KernelCost(0, 0, "no BPF programs");

    public static KernelCost notMeasured(String why) {
        return new KernelCost(-1, -1, why);
    }
}
