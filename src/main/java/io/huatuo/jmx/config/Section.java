package io.huatuo.jmx.config;

import io.huatuo.jmx.json.PlainTree;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One YAML mapping being read into typed values. Each read names its key, default and bounds in one
 * call, so a block's reader is a list of such calls; {@link #finish()} then rejects every key that
 * no reader asked for. All errors are {@link ConfigException}s naming the full dotted key and the
 * bad value. Not thread-safe; used only while loading. Tracer blocks are read with the public
 * methods (see {@link TracerBlock}).
 */
public final class Section {

    private final String source;
    private final String path;
    /** The block's keys and their {@link PlainTree} values. */
    private final Map<String, Object> node;
    /** Keys of this block that readers asked for, in reading order (also the "known here" hint). */
    private final Set<String> asked = new LinkedHashSet<>();
    /** Every leaf key of the whole tree that a reader asked for, dotted; shared by all sections. */
    private final Set<String> allKeys;

    private Section(String source, String path, Map<String, Object> node, Set<String> allKeys) {
        this.source = source;
        this.path = path;
        this.node = node;
        this.allKeys = allKeys;
    }

    static Section root(String source, Map<String, Object> node) {
        return new Section(source, "", node, new LinkedHashSet<>());
    }

    /** @return every leaf key asked for so far in this tree, as dotted paths */
    Set<String> allKeys() {
        return allKeys;
    }

    /** @return the full dotted path of {@code name} in this block */
    public String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** @return where {@code name} is set, as messages name it: "source: full.dotted.key" */
    public String where(String name) {
        return source + ": " + key(name);
    }

    public ConfigException error(String name, String problem) {
        return new ConfigException(source + ": " + key(name) + ": " + problem, key(name));
    }

    public boolean bool(String name, boolean def) {
        Object v = leaf(name);
        if (v == ABSENT) {
            return def;
        }
        if (!(v instanceof Boolean b)) {
            throw error(name, "expected true or false, got " + show(v));
        }
        return b;
    }

    public int integer(String name, int def, int min, int max) {
        return (int) longInteger(name, def, min, max);
    }

    public long longInteger(String name, long def, long min, long max) {
        Object v = leaf(name);
        if (v == ABSENT) {
            return def;
        }
        if (!(v instanceof Integer || v instanceof Long || v instanceof BigInteger)) {
            throw error(name, "expected an integer, got " + show(v));
        }
        Number n = (Number) v;
        if ((n instanceof BigInteger big && big.bitLength() > 63) || n.longValue() < min || n.longValue() > max) {
            throw error(name, "must be between " + min + " and " + max + ", got " + n);
        }
        return n.longValue();
    }

    /** Longest hostname or region: they go into every event and record header. */
    static final int MAX_NAME_LENGTH = 253;
    /** Longest other string (paths, user names): PATH_MAX. */
    static final int MAX_STRING_LENGTH = 4096;
    /** Most elements of a list (globs, reasons, names). */
    static final int MAX_LIST_LENGTH = 1000;

    /** A string without control characters (it ends up in one-line headers and JMX attributes). */
    public String string(String name, String def) {
        return string(name, def, MAX_STRING_LENGTH);
    }

    /** {@link #string(String, String)} of at most {@code maxLength} characters. */
    String string(String name, String def, int maxLength) {
        Object v = leaf(name);
        if (v == ABSENT) {
            return def;
        }
        if (!(v instanceof String s)) {
            String hint = v instanceof Map || v instanceof List ? "" : " (put it in quotes)";
            throw error(name, "expected a string, got " + show(v) + hint);
        }
        if (s.length() > maxLength) {
            throw error(name, "at most " + maxLength + " characters, got " + s.length());
        }
        if (s.chars().anyMatch(Character::isISOControl)) {
            throw error(name, "must not contain control characters, got " + show(v));
        }
        return s;
    }

    /** One of a fixed set of words. */
    String choice(String name, String def, List<String> allowed) {
        String s = string(name, def);
        if (!allowed.contains(s)) {
            throw error(name, "expected one of " + String.join(", ", allowed) + ", got \"" + s + "\"");
        }
        return s;
    }

    /** A file to read at start: "" (none) or an absolute path to a readable file. */
    String optionalFile(String name) {
        String s = string(name, "");
        if (s.isEmpty()) {
            return s;
        }
        if (!s.startsWith("/")) {
            throw error(name, "must be an absolute path, got \"" + s + "\"");
        }
        if (!java.nio.file.Files.isReadable(Path.of(s)) || java.nio.file.Files.isDirectory(Path.of(s))) {
            throw error(name, "no readable file at \"" + s + "\"");
        }
        return s;
    }

    /** Two keys that are set together or not at all (a user and its password file). */
    static void requirePair(Section s, String a, String aValue, String b, String bValue) {
        if (aValue.isEmpty() != bValue.isEmpty()) {
            String missing = aValue.isEmpty() ? a : b;
            throw s.error(missing, "must be set together with " + s.key(aValue.isEmpty() ? b : a));
        }
    }

    /** A bind address or host name, not empty. */
    String host(String name, String def) {
        String host = string(name, def);
        if (host.isBlank()) {
            throw error(name, "must be an address or a host name, got \"" + host + "\"");
        }
        return host;
    }

    /** A list of DNS names (letters, digits, '-', '.'), for Host header checks. */
    List<String> hostNames(String name) {
        return strings(name, List.of(), n -> n.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})?"), "a host name");
    }

    Path absolutePath(String name, String def) {
        String s = string(name, def);
        if (!s.startsWith("/")) {
            throw error(name, "must be an absolute path, got \"" + s + "\"");
        }
        return Path.of(s).normalize();
    }

    /**
     * A list of strings, each accepted by {@code valid}; {@code expected} describes a valid element
     * for the error message (e.g. "an upper-case identifier").
     */
    public List<String> strings(String name, List<String> def, Predicate<String> valid, String expected) {
        Object v = leaf(name);
        if (v == ABSENT) {
            return def;
        }
        if (!(v instanceof List<?> list)) {
            throw error(name, "expected a list, got " + show(v));
        }
        if (list.size() > MAX_LIST_LENGTH) {
            throw error(name, "at most " + MAX_LIST_LENGTH + " elements, got " + list.size());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Object e = list.get(i);
            if (!(e instanceof String s) || s.length() > MAX_STRING_LENGTH || !valid.test(s)) {
                throw error(name + "[" + i + "]", "expected " + expected + ", got " + show(e));
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    /**
     * Reads the nested block {@code name} with {@code reader}, then rejects its unknown keys. An
     * absent or empty block (every key commented out) reads as all defaults.
     */
    <T> T block(String name, Function<Section, T> reader) {
        asked.add(name);
        Object v = node.get(name);
        Map<String, Object> child;
        if (v == null || "".equals(v)) {
            child = new LinkedHashMap<>();
        } else if (v instanceof Map<?, ?>) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) v;
            child = m;
        } else {
            throw error(name, "expected a block of keys, got " + show(v));
        }
        Section section = new Section(source, key(name), child, allKeys);
        T value = reader.apply(section);
        section.finish();
        return value;
    }

    /** Rejects the first key of this block that no reader asked for. */
    void finish() {
        for (String name : node.keySet()) {
            if (!asked.contains(name)) {
                throw new ConfigException(source + ": unknown key '" + key(name) + "' (known here: "
                        + String.join(", ", asked) + ")", key(name));
            }
        }
    }

    /** What {@link #leaf} returns for a key that is not set (a YAML null is set: it reads as null). */
    private static final Object ABSENT = PlainTree.Absent.INSTANCE;

    private Object leaf(String name) {
        asked.add(name);
        allKeys.add(key(name));
        // Note: an empty value ("key:") reads as "" and is then checked like any other value.
        return node.containsKey(name) ? node.get(name) : ABSENT;
    }

    /** The value as the user should recognize it: strings quoted, long values cut. */
    static String show(Object v) {
        String s = PlainTree.toJson(v); // strings come out quoted and escaped
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
