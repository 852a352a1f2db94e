package io.huatuo.jmx.tracer;

import io.huatuo.jmx.event.Schema;
import java.util.List;

/** A tracer that is not built yet: registered so the contract holds, always UNAVAILABLE. */
public final class PlaceholderTracer extends Tracer {
    public PlaceholderTracer(String name) {
        super(new Schema(name, List.of()));
    }

    @Override
    public void start(TracerContext context, boolean enabled) {
        setState(TracerState.UNAVAILABLE, "not implemented yet");
    }

    @Override
    public void setEnabled(boolean enabled) {
        if (enabled) {
            throw new IllegalArgumentException(name() + " is unavailable: " + probe());
        }
    }

    @Override
    public long occurrenceCount() {
        return 0;
    }

    @Override
    public long rateLimitedEvents() {
        return 0;
    }

    @Override
    public long maxEventsPerSecond() {
        return 0;
    }

    @Override
    public void setMaxEventsPerSecond(long value) {
        throw new IllegalArgumentException(name() + " is unavailable: " + probe());
    }

    @Override
    public void close() {
    }
}
