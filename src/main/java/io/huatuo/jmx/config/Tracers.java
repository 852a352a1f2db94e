package io.huatuo.jmx.config;

import java.nio.file.FileSystems;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code tracers} block: one block per tracer the daemon was given, plus readers for the keys
 * that tracer blocks share. Adding a tracer key means one record component and one read call (key,
 * default, bounds) in that tracer's record.
 */
public final class Tracers {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Z0-9_]+");

    private Tracers() {
    }

    static Map<String, TracerConfig> read(Section tracers, List<? extends TracerBlock<?>> blocks) {
        Map<String, TracerConfig> out = new LinkedHashMap<>();
        for (TracerBlock<?> b : blocks) {
            if (out.put(b.name(), tracers.block(b.name(), b::read)) != null) {
                throw new IllegalArgumentException("two tracers named " + b.name());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Key {@code enabled}, see {@link TracerConfig#enabled()}. */
    public static boolean enabled(Section s) {
        return s.bool("enabled", TracerConfig.DEFAULT_ENABLED);
    }

    /** Key {@code maxEventsPerSecond}, see {@link TracerConfig#maxEventsPerSecond()}. */
    public static int maxEventsPerSecond(Section s) {
        return s.integer("maxEventsPerSecond", TracerConfig.DEFAULT_MAX_EVENTS_PER_SECOND, 1,
                TracerConfig.MAX_EVENTS_PER_SECOND_LIMIT);
    }

    /** A threshold or period in milliseconds, 1 ms .. 1 h. */
    public static int millis(Section s, String name, int def) {
        return s.integer(name, def, 1, TracerConfig.MAX_MILLIS);
    }

    /** Upper-case identifiers such as kernel enum names (QUEUE_PURGE). */
    public static List<String> identifiers(Section s, String name, List<String> def) {
        return s.strings(name, def, v -> IDENTIFIER.matcher(v).matches(), "an upper-case identifier ([A-Z0-9_]+)");
    }

    /** Shell-style globs on interface names (eth*, bond?, en[ops]*). */
    public static List<String> globs(Section s, String name, List<String> def) {
        return s.strings(name, def, Tracers::isInterfaceGlob, "an interface name glob such as eth* or bond?");
    }

    private static boolean isInterfaceGlob(String glob) {
        if (glob.isEmpty() || glob.contains("/") || glob.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            return false;
        }
        try {
            FileSystems.getDefault().getPathMatcher("glob:" + glob);
            return true;
        } catch (IllegalArgumentException e) { // PatternSyntaxException is one
            return false;
        }
    }
}
