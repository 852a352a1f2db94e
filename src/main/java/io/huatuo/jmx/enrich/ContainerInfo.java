package io.huatuo.jmx.enrich;

import java.util.Objects;

/**
 * The container a process runs in, as far as the host can tell honestly. Unknown parts are "".
 *
 * @param id            short id: the first 12 hex digits of {@code fullId} (as {@code docker ps} shows it)
 * @param fullId        the 64-hex container id from the cgroup path
 * @param hostname      hostname inside the container ("" if unknown)
 * @param type          runtime: {@link #DOCKER}, {@link #CONTAINERD}, {@link #CRIO} or {@link #PODMAN}
 * @param level         Kubernetes QoS class: {@link #GUARANTEED}, {@link #BURSTABLE}, {@link #BESTEFFORT};
 *                      "" outside Kubernetes
 * @param hostNamespace Kubernetes namespace of the pod ("" if it cannot be read)
 * @param podUid        Kubernetes pod UID with dashes ("" outside Kubernetes)
 * @param cgroupPath    the cgroup path the identity was derived from
 */
public record ContainerInfo(String id, String fullId, String hostname, String type, String level,
                            String hostNamespace, String podUid, String cgroupPath) {
    public static final String DOCKER = "docker";
    public static final String CONTAINERD = "containerd";
    public static final String CRIO = "crio";
    public static final String PODMAN = "podman";

    public static final String GUARANTEED = "guaranteed";
    public static final String BURSTABLE = "burstable";
    public static final String BESTEFFORT = "besteffort";

    /** Length of the short id. */
    public static final int SHORT_ID_LENGTH = 12;

    public ContainerInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(fullId, "fullId");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(hostNamespace, "hostNamespace");
        Objects.requireNonNull(podUid, "podUid");
        Objects.requireNonNull(cgroupPath, "cgroupPath");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("a container needs an id");
        }
    }

    /** True when the container belongs to a Kubernetes pod. */
    public boolean isKubernetes() {
        return !podUid.isEmpty() || !level.isEmpty();
    }

    ContainerInfo withHostDetails(String newHostname, String newHostNamespace) {
        return new ContainerInfo(id, fullId, newHostname, type, level, newHostNamespace, podUid, cgroupPath);
    }
}
