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
 * The notification listeners of one MBean, at most {@link #MAX_PER_MBEAN}, each called on the
 * {@link Notifier}'s thread; filters run on the sender's thread. Deliveries the notifier drops are
 * counted here as lost, except those of a listener registered with a {@link RemoteDelivery} filter
 * (its clients count them). Matching on removal is by identity, as in the JDK's
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

    /** Hands the notification to every listener whose filter takes it; never blocks. */
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
            boolean toRemote = f instanceof RemoteDelivery;
            if (!notifier.offer(() -> deliver(r, n), toRemote) && !toRemote) {
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

    /** @return deliveries to local (not remote-delivery) listeners the notifier had no room for */
    long lost() {
        return lost.get();
    }
}
