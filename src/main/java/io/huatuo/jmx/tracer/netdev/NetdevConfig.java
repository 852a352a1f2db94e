package io.huatuo.jmx.tracer.netdev;

import io.huatuo.jmx.config.Section;
import io.huatuo.jmx.config.TracerConfig;
import io.huatuo.jmx.config.Tracers;
import java.util.List;

/**
 * The {@code tracers.netdev} block: which network interfaces are watched, as shell-style globs on
 * the interface name ({@code *}, {@code ?}, {@code [...]}, {@code {a,b}}).
 *
 * @param enabled            key {@code enabled}, see {@link TracerConfig#enabled()}; default true
 * @param maxEventsPerSecond key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}; default 100
 * @param include            key {@code include}: interfaces to watch; empty means the tracer's built-in set
 *                           (physical NICs, bonds and their slaves, VLANs); default []
 * @param exclude            key {@code exclude}: interfaces never watched, applied after {@code include};
 *                           default []
 */
public record NetdevConfig(boolean enabled, int maxEventsPerSecond, List<String> include, List<String> exclude)
        implements TracerConfig {

    /**
     * Copies the lists, so that the configuration stays immutable.
     *
     * @param enabled            see {@link #enabled()}
     * @param maxEventsPerSecond see {@link #maxEventsPerSecond()}
     * @param include            see {@link #include()}
     * @param exclude            see {@link #exclude()}
     */
    public NetdevConfig {
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
    }

    public static NetdevConfig read(Section s) {
        return new NetdevConfig(Tracers.enabled(s), Tracers.maxEventsPerSecond(s),
                Tracers.globs(s, "include", List.of()),
                Tracers.globs(s, "exclude", List.of()));
    }
}
