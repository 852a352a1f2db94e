package io.huatuo.jmx.tracer;

/** Where tracers hand decoded events; implementations must not block the caller. */
@FunctionalInterface
public interface EventSink {
    /** @return false when the event could not be queued (the tracer counts it as lost) */
    boolean offer(PendingEvent event);
}
