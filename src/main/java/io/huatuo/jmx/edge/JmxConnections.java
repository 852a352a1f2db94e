package io.huatuo.jmx.edge;

import io.huatuo.jmx.jmx.TracerBean;
import java.io.IOException;
import java.util.function.Function;
import javax.management.ObjectName;

/**
 * What all JMX connections of one connector share: the bounds on connections and notification
 * listeners (refused beyond them with the limit in the message), and where a tracer's notifications
 * come from, for counting what a client missed. Thread-safe (its own monitor guards the counts).
 */
final class JmxConnections {
    static final int MAX_CONNECTIONS = 64;
    static final int MAX_LISTENERS_PER_CONNECTION = 128;
    static final int MAX_LISTENERS = 1024;

    private final Function<ObjectName, TracerBean> tracers;
    private int connections;
    private int listeners;

    /** @param tracers the tracer MBean of a name, null for any other name */
    JmxConnections(Function<ObjectName, TracerBean> tracers) {
        this.tracers = tracers;
    }

    TracerBean tracer(ObjectName name) {
        return name == null ? null : tracers.apply(name);
    }

    synchronized void open() throws IOException {
        if (connections >= MAX_CONNECTIONS) {
            throw new IOException("refused: " + MAX_CONNECTIONS + " JMX connections are open, the limit; close one");
        }
        connections++;
    }

    /** A connection closed, with the listeners it still held. */
    synchronized void closed(int heldListeners) {
        connections--;
        listeners -= heldListeners;
    }

    /** @param held listeners the connection has already */
    synchronized void reserve(int held, int more) {
        if (held + more > MAX_LISTENERS_PER_CONNECTION) {
            throw new IllegalStateException("refused: a JMX connection may have " + MAX_LISTENERS_PER_CONNECTION
                    + " notification listeners, this one has " + held);
        }
        if (listeners + more > MAX_LISTENERS) {
            throw new IllegalStateException("refused: all JMX connections together may have " + MAX_LISTENERS
                    + " notification listeners, they have " + listeners);
        }
        listeners += more;
    }

    synchronized void unreserve(int n) {
        listeners -= n;
    }

    synchronized int connections() {
        return connections;
    }

    synchronized int listeners() {
        return listeners;
    }
}
