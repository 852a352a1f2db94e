package io.huatuo.jmx.tracer;

import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerBlock;
import io.huatuo.jmx.config.TracerConfig;
import java.util.function.Function;

/**
 * Everything the daemon needs to know about one kind of tracer, in one place: its name (ObjectName,
 * {@code tracer_name}, record file, metric label, {@code tracers.<name>} block), how its block is
 * read, how it is built from that block, and how urgent one of its events is. Each tracer declares
 * its type as a constant; the registry lists them.
 *
 * @param <C>      the tracer's configuration record
 * @param name     the tracer's name
 * @param reader   reads {@code tracers.<name>} (see {@link TracerBlock#read})
 * @param factory  builds the tracer (not started) from its block
 * @param severity how urgent one event is, for the monitoring integrations
 */
public record TracerType<C extends TracerConfig>(String name, Function<Section, C> reader,
        Function<C, ? extends Tracer> factory, Severity severity) implements TracerBlock<C> {

    @Override
    public C read(Section block) {
        return reader.apply(block);
    }

    /** @return a new tracer of this type, built from its block in {@code config}; not started */
    public Tracer create(HuatuoConfig config) {
        Tracer t = factory.apply(config.tracer(this));
        if (!t.name().equals(name)) {
            throw new IllegalStateException("tracer type " + name + " built a tracer named " + t.name());
        }
        return t;
    }
}
