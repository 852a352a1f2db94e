package io.huatuo.jmx.event;

import java.util.List;

/** The envelope fields every event carries, in HUATUO's order. */
public final class Envelope {
    public static final String HOSTNAME = "hostname";
    public static final String REGION = "region";
    public static final String CONTAINER_ID = "container_id";
    public static final String CONTAINER_HOSTNAME = "container_hostname";
    public static final String CONTAINER_HOST_NAMESPACE = "container_host_namespace";
    public static final String CONTAINER_TYPE = "container_type";
    public static final String CONTAINER_LEVEL = "container_level";
    public static final String UPLOADED_TIME = "uploaded_time";
    public static final String TIME = "time";
    public static final String TRACER_NAME = "tracer_name";
    public static final String TRACER_TIME = "tracer_time";
    public static final String TRACER_TYPE = "tracer_type";

    /** Flat order used by LastEvent / notifications; container fields are "" for host events. */
    public static final List<Field> FIELDS = List.of(
            Field.string(HOSTNAME, "Host that saw the event"),
            Field.string(REGION, "Region configured for this host"),
            Field.string(UPLOADED_TIME, "When the daemon handed the event out (RFC 3339, nanoseconds)"),
            Field.string(TIME, "When the event happened (yyyy-MM-dd HH:mm:ss.SSS Z)"),
            Field.string(TRACER_NAME, "Tracer that reported the event"),
            Field.string(TRACER_TIME, "When the tracer saw the event (yyyy-MM-dd HH:mm:ss.SSS Z)"),
            Field.string(TRACER_TYPE, "How the tracer runs: auto (always on)"),
            Field.string(CONTAINER_ID, "Short id of the container of the process, empty on the host"),
            Field.string(CONTAINER_HOSTNAME, "Hostname inside the container, empty on the host or if unknown"),
            Field.string(CONTAINER_HOST_NAMESPACE, "Kubernetes namespace of the container, empty if unknown"),
            Field.string(CONTAINER_TYPE, "Container runtime (docker, containerd, crio, podman), empty on the host"),
            Field.string(CONTAINER_LEVEL, "Kubernetes QoS class (guaranteed, burstable, besteffort), empty otherwise"));

    /** Tracer type of every tracer here: always on, not triggered by hand. */
    public static final String TRACER_TYPE_AUTO = "auto";

    private Envelope() {
    }
}
