package io.huatuo.jmx.config;

/**
 * How one {@code tracers.<name>} block is read. The configuration does not know the tracers: the
 * daemon passes their blocks in (each tracer's type is one), so a new tracer needs no change here.
 *
 * @param <C> the tracer's configuration record
 */
public interface TracerBlock<C extends TracerConfig> {

    /** @return the block's key under {@code tracers}, which is also the tracer's name */
    String name();

    /**
     * Reads the block: one call per key (name, default, bounds), see {@link Tracers} for the keys
     * every tracer has. Unknown keys are rejected after it returns.
     *
     * @param block the block, empty when the file does not have it
     * @return the tracer's configuration, defaults filled in
     */
    C read(Section block);
}
