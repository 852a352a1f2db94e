package io.huatuo.jmx.edge;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (0.0.4): metric and label name syntax,
 * escaped label values, float values, one TYPE line per family before its samples, no duplicate
 * series. Fails with the offending line.
 */
final class PromText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)\\})? (\\S+)( -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"\\s*(,|$)");

    private final Map<String, String> types = new LinkedHashMap<>();
    private final Map<String, Map<Map<String, String>, Double>> samples = new HashMap<>();

    static PromText parse(String text) {
        PromText p = new PromText();
        String family = null;
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher m;
            if ((m = TYPE.matcher(line)).matches()) {
                if (p.types.put(m.group(1), m.group(2)) != null) {
                    throw new AssertionError("second TYPE line: " + line);
                }
                family = m.group(1);
            } else if (HELP.matcher(line).matches() || line.startsWith("#")) {
                continue;
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                String fam = p.types.containsKey(name) ? name : name.replaceAll("_(total|created|bucket|sum|count)$", "");
                if (family == null || !(fam.equals(family) || name.equals(family)
                        || name.equals(family + "_total") || name.equals(family + "_created"))) {
                    throw new AssertionError("sample outside its family " + family + ": " + line);
                }
                Map<String, String> labels = labels(m.group(3) == null ? "" : m.group(3), line);
                double v = value(m.group(4), line);
                if (p.samples.computeIfAbsent(name, k -> new HashMap<>()).put(labels, v) != null) {
                    throw new AssertionError("duplicate series: " + line);
                }
            } else {
                throw new AssertionError("not a valid exposition line: " + line);
            }
        }
        return p;
    }

    private static Map<String, String> labels(String s, String line) {
        Map<String, String> out = new HashMap<>();
        Matcher m = LABEL.matcher(s);
        int pos = 0;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new AssertionError("bad labels: " + line);
            }
            out.put(m.group(1), m.group(2).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\"));
            pos = m.end();
        }
        return out;
    }

    private static double value(String s, String line) {
        switch (s) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new AssertionError("bad value: " + line);
                }
        }
    }

    /** @return the TYPE of a family, looked up by family or sample name (counters: name_total) */
    String type(String name) {
        String t = types.get(name);
        if (t == null) {
            t = types.get(name.replaceAll("_total$", ""));
        }
        if (t == null) {
            throw new AssertionError("no TYPE for " + name + " in " + types.keySet());
        }
        return t;
    }

    double value(String sample, Map<String, String> labels) {
        Map<Map<String, String>, Double> s = samples.get(sample);
        if (s == null || !s.containsKey(labels)) {
            throw new AssertionError("no sample " + sample + labels + "; have " + (s == null ? "none" : s.keySet()));
        }
        return s.get(labels);
    }

    Set<String> names() {
        return samples.keySet();
    }

    List<String> families() {
        return new ArrayList<>(types.keySet());
    }
}
