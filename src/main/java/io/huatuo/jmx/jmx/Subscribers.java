package io.huatuo.jmx.jmx;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationFilter;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notification listeners of one MBean, at most {@link #MAX_PER_MBEAN}. A listener registered with
 * a {@link RemoteDelivery} filter (the JMX connector's buffer, which only stores the notification) is
 * called on the sender's thread: a hand-off to another thread would cost more than the call (about
 * 0.25 ms of wake-up on a 2-vCPU VM, measured per notification). Every other listener is called on the
 * {@link Notifier}'s thread; deliveries it drops are counted here as lost. Filters run on the sender's
 * thread. Matching on removal is by identity, as in the JDK's
 * NotificationBroadcasterSupport (the MBean server hands in the same listener wrapper again). Thread-safe.
 */
final class Subscribers {
    private static final Logger LOG = LoggerFactory.getLogger(Subscribers.class);
    /** Far above real use (the JMX connector adds one, each Jolokia subscription one), below harm. */
    static final int MAX_PER_MBEAN = 256;

    private record Registration(NotificationListener listener, NotificationFilter filter, Object handback) {
    }

    private final ObjectName owner;
    private final Notifier notifier;
    private final List<Registration> registrations = new CopyOnWriteArrayList<>();
    private final AtomicLong lost = new AtomicLong();
    private volatile boolean used;

    Subscribers(ObjectName owner, Notifier notifier) {
        this.owner = owner;
        this.notifier = notifier;
    }

    synchronized void add(NotificationListener listener, NotificationFilter filter, Object handback) {
        if (listener == null) {
            throw new IllegalArgumentException(owner + ": null listener");
        }
        if (registrations.size() >= MAX_PER_MBEAN) {
            throw new IllegalStateException(owner + " has " + MAX_PER_MBEAN
                    + " notification listeners, the limit per MBean; remove one first");
        }
        registrations.add(new Registration(listener, filter, handback));
        used = true;
    }

    synchronized void remove(NotificationListener listener) throws ListenerNotFoundException {
        if (!registrations.removeIf(r -> r.listener() == listener)) {
            throw new ListenerNotFoundException(owner + ": no such listener");
        }
    }

    synchronized void remove(NotificationListener listener, NotificationFilter filter, Object handback)
            throws ListenerNotFoundException {
        for (Registration r : registrations) {
            if (r.listener() == listener && r.filter() == filter && r.handback() == handback) {
                registrations.remove(r);
                return;
            }
        }
        throw new ListenerNotFoundException(owner + ": no such listener with that filter and handback");
    }

    /** Whether a listener was ever added: until then notifications reach no one and need not be built. */
    boolean used() {
        return used;
    }

    int count() {
        return registrations.size();
    }

    /** Hands the notification to every listener whose filter takes it; never waits for a local listener. */
    void send(Notification n) {
        for (Registration r : registrations) {
            NotificationFilter f = r.filter();
            try {
                if (f != null && !f.isNotificationEnabled(n)) {
                    continue;
                }
            } catch (RuntimeException e) {
                LOG.debug("{}: a notification filter failed", owner, e);
                continue;
            }
            if (f instanceof RemoteDelivery) {
                deliver(r, n);
            } else if (!notifier.offer(() -> deliver(r, n))) {
                lost.incrementAndGet();
            }
        }
    }

    private void deliver(Registration r, Notification n) {
        try {
            r.listener().handleNotification(n, r.handback());
        } catch (RuntimeException e) {
            LOG.debug("{}: a notification listener failed", owner, e);
        }
    }

    /** @return deliveries the notifier had no room for */
    long lost() {
        return lost.get();
    }
}
