package io.huatuo.jmx.edge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Holds the jmx_exporter collector to the {@link Exposure} policy whatever a rules file says: its
 * MBean selection ({@code includeObjectNames}, {@code excludeObjectNames}) is resolved here against the
 * visible MBeans into an explicit list, and every attribute of a visible platform MBean that may not be
 * read is added to {@code excludeObjectNameAttributes} (the collector never reads those). A rules file
 * that points the collector at another JMX server is refused: the embedded exporter reads this daemon.
 */
final class PrometheusExposure {
    /** Keys that make the collector connect elsewhere; meaningful for the standalone exporter only. */
    private static final List<String> REMOTE_KEYS = List.of("jmxUrl", "hostPort", "username", "password", "ssl");

    private PrometheusExposure() {
    }

    /**
     * @param rules  the rules file's text
     * @param source what to name in errors, e.g. {@code prometheus.rulesFile: /etc/x.yaml}
     * @return the same configuration, restricted to what may be exposed, as YAML for the collector
     * @throws IllegalArgumentException naming the source and key of a rules file that cannot be used
     */
    @SuppressWarnings("unchecked")
    static String restrict(String rules, MBeanServer server, String source) {
        // SnakeYAML is the collector's own parser; SafeConstructor builds plain maps, lists and scalars only
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        Map<String, Object> cfg;
        try {
            Object parsed = yaml.load(rules);
            cfg = parsed == null ? new LinkedHashMap<>() : (Map<String, Object>) parsed;
        } catch (YAMLException | ClassCastException e) {
            throw new IllegalArgumentException(source + ": not a YAML mapping: " + e.getMessage(), e);
        }
        for (String key : REMOTE_KEYS) {
            if (cfg.containsKey(key)) {
                throw new IllegalArgumentException(source + ": " + key + ": not supported by the embedded exporter, "
                        + "which reads this daemon's own MBeans (remove it; it is for the standalone exporter)");
            }
        }
        List<ObjectName> include = names(cfg, source, "includeObjectNames", "whitelistObjectNames", "*:*");
        List<ObjectName> exclude = names(cfg, source, "excludeObjectNames", "blacklistObjectNames", null);
        Set<ObjectName> selected = new TreeSet<>();
        for (ObjectName pattern : include) {
            for (ObjectName n : server.queryNames(pattern, null)) {
                if (Exposure.isVisible(n) && exclude.stream().noneMatch(e -> e.apply(n))) {
                    selected.add(n);
                }
            }
        }
        Map<String, Object> hiddenAttributes = cfg.get("excludeObjectNameAttributes") instanceof Map<?, ?> m
                ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
        for (ObjectName n : selected) {
            List<String> hidden = new ArrayList<>();
            try {
                for (MBeanAttributeInfo a : server.getMBeanInfo(n).getAttributes()) {
                    if (!Exposure.canRead(n, a.getName())) {
                        hidden.add(a.getName());
                    }
                }
            } catch (JMException e) {
                throw new IllegalStateException(n + ": cannot read its description: " + e.getMessage(), e);
            }
            if (!hidden.isEmpty()) {
                List<Object> all = new ArrayList<>(hiddenAttributes.get(n.toString()) instanceof List<?> l ? l : List.of());
                all.addAll(hidden);
                hiddenAttributes.put(n.toString(), all);
            }
        }
        cfg.remove("whitelistObjectNames");
        cfg.remove("blacklistObjectNames");
        cfg.remove("excludeObjectNames"); // applied above
        cfg.put("includeObjectNames", selected.stream().map(ObjectName::toString).toList());
        cfg.put("excludeObjectNameAttributes", hiddenAttributes);
        return yaml.dump(cfg);
    }

    /** The patterns under {@code key} (or its old name), or the default; null default = none. */
    private static List<ObjectName> names(Map<String, Object> cfg, String source, String key, String oldKey,
            String def) {
        Object v = cfg.containsKey(key) ? cfg.get(key) : cfg.get(oldKey);
        List<ObjectName> out = new ArrayList<>();
        if (v == null) {
            if (def != null) {
                out.add(name(def, source, key));
            }
            return out;
        }
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException(source + ": " + key + ": expected a list of ObjectName patterns");
        }
        for (Object o : list) {
            out.add(name(String.valueOf(o), source, key));
        }
        return out;
    }

    private static ObjectName name(String s, String source, String key) {
        try {
            return new ObjectName(s);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(source + ": " + key + ": '" + s + "' is not an ObjectName pattern");
        }
    }
}
