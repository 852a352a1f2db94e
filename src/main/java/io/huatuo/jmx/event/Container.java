package io.huatuo.jmx.event;

import java.util.Objects;

/**
 * The container a process belongs to, as the envelope reports it. Unknown parts are "".
 */
public record Container(String id, String hostname, String hostNamespace, String type, String level) {
    public Container {
        id = Objects.requireNonNullElse(id, "");
        hostname = Objects.requireNonNullElse(hostname, "");
        hostNamespace = Objects.requireNonNullElse(hostNamespace, "");
        type = Objects.requireNonNullElse(type, "");
        level = Objects.requireNonNullElse(level, "");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("a container needs an id");
        }
    }
}
