package io.huatuo.jmx.tracer;

/** The {@code State} attribute. */
public enum TracerState {
    /** Attached and reporting. */
    RUNNING,
    /** Switched off (config or the Enabled attribute); nothing attached. */
    DISABLED,
    /** No probe can work on this kernel; {@code Probe} says why. */
    UNAVAILABLE,
    /** A probe worked once but failed at run time; {@code Probe} says why. */
    FAILED
}
