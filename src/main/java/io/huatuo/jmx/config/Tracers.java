package io.huatuo.jmx.config;

import java.nio.file.FileSystems;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The {@code tracers} block: which tracer names exist and which record reads each block, plus
 * readers for the keys that tracer blocks share. Adding a tracer key means one record component and
 * one read call (key, default, bounds) in that tracer's record.
 */
final class Tracers {

    /** The nine tracer names of the contract, each with the reader of its block. */
    static final Map<String, Function<Section, TracerConfig>> READERS;

    static {
        Map<String, Function<Section, TracerConfig>> m = new LinkedHashMap<>();
        m.put("softirq", SoftirqConfig::read);
        m.put("dropwatch", DropwatchConfig::read);
        m.put("netrecvlat", NetrecvlatConfig::read);
        m.put("oom", OomConfig::read);
        m.put("softlockup", SoftlockupConfig::read);
        m.put("hungtask", HungtaskConfig::read);
        m.put("memreclaim", MemreclaimConfig::read);
        m.put("netdev", NetdevConfig::read);
        m.put("lacp", LacpConfig::read);
        READERS = Collections.unmodifiableMap(m);
    }

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Z0-9_]+");

    private Tracers() {
    }

    static Map<String, TracerConfig> read(Section tracers) {
        Map<String, TracerConfig> out = new LinkedHashMap<>();
        READERS.forEach((name, reader) -> out.put(name, tracers.block(name, reader)));
        return Collections.unmodifiableMap(out);
    }

    static boolean enabled(Section s) {
        return s.bool("enabled", TracerConfig.DEFAULT_ENABLED);
    }

    static int maxEventsPerSecond(Section s) {
        return s.integer("maxEventsPerSecond", TracerConfig.DEFAULT_MAX_EVENTS_PER_SECOND, 1,
                TracerConfig.MAX_EVENTS_PER_SECOND_LIMIT);
    }

    /** A threshold or period in milliseconds, 1 ms .. 1 h. */
    static int millis(Section s, String name, int def) {
        return s.integer(name, def, 1, TracerConfig.MAX_MILLIS);
    }

    /** Upper-case identifiers such as kernel enum names (QUEUE_PURGE). */
    static List<String> identifiers(Section s, String name, List<String> def) {
        return s.strings(name, def, v -> IDENTIFIER.matcher(v).matches(), "an upper-case identifier ([A-Z0-9_]+)");
    }

    /** Shell-style globs on interface names (eth*, bond?, en[ops]*). */
    static List<String> globs(Section s, String name, List<String> def) {
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
