package io.huatuo.jmx.edge;

import io.huatuo.jmx.jmx.TracerBean;
import java.io.IOException;
import java.rmi.MarshalledObject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.AttributeChangeNotification;
import javax.management.AttributeList;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.IntrospectionException;
import javax.management.ListenerNotFoundException;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanRegistrationException;
import javax.management.NotCompliantMBeanException;
import javax.management.Notification;
import javax.management.NotificationFilterSupport;
import javax.management.ObjectInstance;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import javax.management.remote.NotificationResult;
import javax.management.remote.TargetedNotification;
import javax.management.remote.rmi.RMIConnection;
import javax.security.auth.Subject;

/**
 * One JMX client's connection, as the JDK's RMIConnectionImpl serves it, with two additions:
 * <ul>
 * <li>its notification listeners are bounded ({@link JmxConnections});</li>
 * <li>every notification it fetches is checked against the sequence numbers of its source: a tracer
 * numbers its notifications 1, 2, 3, ..., so a jump for a listener that takes all of that tracer's
 * events is what this client missed (the connector's shared buffer overflowed while it was slow or
 * stopped, or the daemon's notifier dropped the delivery), counted in the tracer's NotificationsLost.</li>
 * </ul>
 * Listeners whose filter is not the JDK's NotificationFilterSupport (or none) are bounded but not
 * checked: what they should have received cannot be known here. A loss is counted when the listener's
 * next notification arrives.
 */
final class AccountedConnection implements RMIConnection {
    private final RMIConnection inner;
    private final JmxConnections connections;
    /** This connection's listener IDs; the value tracks losses, or is UNTRACKED. */
    private final Map<Integer, Tracked> listeners = new ConcurrentHashMap<>();
    private int held; // listeners counted against the limits; guarded by connections, like released
    private boolean released;

    /** What a listener of a tracer's events has seen; its fields are guarded by the object itself. */
    private static final class Tracked {
        final TracerBean bean;
        final boolean withChanges;
        long last;

        Tracked(TracerBean bean, boolean withChanges, long last) {
            this.bean = bean;
            this.withChanges = withChanges;
            this.last = last;
        }
    }

    private static final Tracked UNTRACKED = new Tracked(null, false, 0);

    AccountedConnection(RMIConnection inner, JmxConnections connections) {
        this.inner = inner;
        this.connections = connections;
    }

    /** Gives back this connection's share of the limits; once, when it closes. */
    void release() {
        synchronized (connections) {
            if (!released) {
                released = true;
                connections.closed(held);
                held = 0;
            }
        }
    }

    /** Counts listeners of this connection no more (removed, or their add failed). */
    private void unhold(int n) {
        synchronized (connections) {
            if (!released && n > 0) {
                held -= n;
                connections.unreserve(n);
            }
        }
    }

    // ---- notifications ----

    @Override
    public Integer[] addNotificationListeners(ObjectName[] names, MarshalledObject[] filters,
            Subject[] delegationSubjects) throws InstanceNotFoundException, IOException {
        int n = names == null ? 0 : names.length;
        synchronized (connections) {
            if (released) {
                throw new IOException("the connection is closed");
            }
            connections.reserve(held, n);
            held += n;
        }
        Integer[] ids;
        try {
            ids = inner.addNotificationListeners(names, filters, delegationSubjects);
        } catch (IOException | RuntimeException | InstanceNotFoundException e) {
            unhold(n);
            throw e;
        }
        for (int i = 0; i < ids.length; i++) {
            listeners.put(ids[i], track(names[i], filters == null ? null : filters[i]));
        }
        return ids;
    }

    /** Tracks a listener of a tracer that takes all its events, from the sequence number it starts after. */
    private Tracked track(ObjectName name, MarshalledObject<?> filter) {
        TracerBean bean = connections.tracer(name);
        if (bean == null) {
            return UNTRACKED;
        }
        boolean events;
        boolean changes;
        if (filter == null) {
            events = true;
            changes = true;
        } else {
            Object f;
            try {
                f = filter.get(); // under the connection's serial filter, as the connector itself reads it
            } catch (IOException | ClassNotFoundException | RuntimeException e) {
                return UNTRACKED;
            }
            if (f == null) {
                events = true;
                changes = true;
            } else if (f.getClass() == NotificationFilterSupport.class) {
                events = enables((NotificationFilterSupport) f, bean.notificationType());
                changes = enables((NotificationFilterSupport) f, AttributeChangeNotification.ATTRIBUTE_CHANGE);
            } else {
                return UNTRACKED;
            }
        }
        // the listener is registered now: every later notification of the bean reaches it unless lost
        return events ? new Tracked(bean, changes, bean.lastSequence()) : UNTRACKED;
    }

    /** NotificationFilterSupport enables a type when the type starts with one of its enabled types. */
    private static boolean enables(NotificationFilterSupport f, String type) {
        return f.getEnabledTypes().stream().anyMatch(type::startsWith);
    }

    @Override
    public NotificationResult fetchNotifications(long clientSequenceNumber, int maxNotifications, long timeout)
            throws IOException {
        NotificationResult r = inner.fetchNotifications(clientSequenceNumber, maxNotifications, timeout);
        for (TargetedNotification tn : r.getTargetedNotifications()) {
            Tracked t = listeners.get(tn.getListenerID());
            if (t == null || t.bean == null) {
                continue;
            }
            Notification n = tn.getNotification();
            long seq = n.getSequenceNumber();
            long missed = 0;
            synchronized (t) {
                if (seq > t.last) {
                    missed = t.bean.notificationsBetween(t.last, seq, t.withChanges);
                    t.last = seq;
                }
            }
            if (missed > 0) {
                t.bean.countLost(missed);
            }
        }
        return r;
    }

    @Override
    public void removeNotificationListeners(ObjectName name, Integer[] listenerIDs, Subject delegationSubject)
            throws InstanceNotFoundException, ListenerNotFoundException, IOException {
        try {
            inner.removeNotificationListeners(name, listenerIDs, delegationSubject);
        } finally {
            int removed = 0;
            for (Integer id : listenerIDs == null ? new Integer[0] : listenerIDs) {
                if (listeners.remove(id) != null) {
                    removed++;
                }
            }
            unhold(removed);
        }
    }

    @Override
    public void addNotificationListener(ObjectName name, ObjectName listener, MarshalledObject filter,
            MarshalledObject handback, Subject delegationSubject) throws InstanceNotFoundException, IOException {
        inner.addNotificationListener(name, listener, filter, handback, delegationSubject); // refused by the view
    }

    @Override
    public void removeNotificationListener(ObjectName name, ObjectName listener, Subject delegationSubject)
            throws InstanceNotFoundException, ListenerNotFoundException, IOException {
        inner.removeNotificationListener(name, listener, delegationSubject);
    }

    @Override
    public void removeNotificationListener(ObjectName name, ObjectName listener, MarshalledObject filter,
            MarshalledObject handback, Subject delegationSubject)
            throws InstanceNotFoundException, ListenerNotFoundException, IOException {
        inner.removeNotificationListener(name, listener, filter, handback, delegationSubject);
    }

    // ---- everything else as the connector serves it ----

    @Override
    public String getConnectionId() throws IOException {
        return inner.getConnectionId();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }

    @Override
    public ObjectInstance createMBean(String className, ObjectName name, Subject delegationSubject)
            throws ReflectionException, InstanceAlreadyExistsException, MBeanRegistrationException, MBeanException,
            NotCompliantMBeanException, IOException {
        return inner.createMBean(className, name, delegationSubject);
    }

    @Override
    public ObjectInstance createMBean(String className, ObjectName name, ObjectName loaderName,
            Subject delegationSubject) throws ReflectionException, InstanceAlreadyExistsException,
            MBeanRegistrationException, MBeanException, NotCompliantMBeanException, InstanceNotFoundException,
            IOException {
        return inner.createMBean(className, name, loaderName, delegationSubject);
    }

    @Override
    public ObjectInstance createMBean(String className, ObjectName name, MarshalledObject params,
            String[] signature, Subject delegationSubject) throws ReflectionException, InstanceAlreadyExistsException,
            MBeanRegistrationException, MBeanException, NotCompliantMBeanException, IOException {
        return inner.createMBean(className, name, params, signature, delegationSubject);
    }

    @Override
    public ObjectInstance createMBean(String className, ObjectName name, ObjectName loaderName,
            MarshalledObject params, String[] signature, Subject delegationSubject) throws ReflectionException,
            InstanceAlreadyExistsException, MBeanRegistrationException, MBeanException, NotCompliantMBeanException,
            InstanceNotFoundException, IOException {
        return inner.createMBean(className, name, loaderName, params, signature, delegationSubject);
    }

    @Override
    public void unregisterMBean(ObjectName name, Subject delegationSubject)
            throws InstanceNotFoundException, MBeanRegistrationException, IOException {
        inner.unregisterMBean(name, delegationSubject);
    }

    @Override
    public ObjectInstance getObjectInstance(ObjectName name, Subject delegationSubject)
            throws InstanceNotFoundException, IOException {
        return inner.getObjectInstance(name, delegationSubject);
    }

    @Override
    public Set<ObjectInstance> queryMBeans(ObjectName name, MarshalledObject query, Subject delegationSubject)
            throws IOException {
        return inner.queryMBeans(name, query, delegationSubject);
    }

    @Override
    public Set<ObjectName> queryNames(ObjectName name, MarshalledObject query, Subject delegationSubject)
            throws IOException {
        return inner.queryNames(name, query, delegationSubject);
    }

    @Override
    public boolean isRegistered(ObjectName name, Subject delegationSubject) throws IOException {
        return inner.isRegistered(name, delegationSubject);
    }

    @Override
    public Integer getMBeanCount(Subject delegationSubject) throws IOException {
        return inner.getMBeanCount(delegationSubject);
    }

    @Override
    public Object getAttribute(ObjectName name, String attribute, Subject delegationSubject)
            throws MBeanException, javax.management.AttributeNotFoundException, InstanceNotFoundException,
            ReflectionException, IOException {
        return inner.getAttribute(name, attribute, delegationSubject);
    }

    @Override
    public AttributeList getAttributes(ObjectName name, String[] attributes, Subject delegationSubject)
            throws InstanceNotFoundException, ReflectionException, IOException {
        return inner.getAttributes(name, attributes, delegationSubject);
    }

    @Override
    public void setAttribute(ObjectName name, MarshalledObject attribute, Subject delegationSubject)
            throws InstanceNotFoundException, javax.management.AttributeNotFoundException,
            javax.management.InvalidAttributeValueException, MBeanException, ReflectionException, IOException {
        inner.setAttribute(name, attribute, delegationSubject);
    }

    @Override
    public AttributeList setAttributes(ObjectName name, MarshalledObject attributes, Subject delegationSubject)
            throws InstanceNotFoundException, ReflectionException, IOException {
        return inner.setAttributes(name, attributes, delegationSubject);
    }

    @Override
    public Object invoke(ObjectName name, String operationName, MarshalledObject params, String[] signature,
            Subject delegationSubject) throws InstanceNotFoundException, MBeanException, ReflectionException,
            IOException {
        return inner.invoke(name, operationName, params, signature, delegationSubject);
    }

    @Override
    public String getDefaultDomain(Subject delegationSubject) throws IOException {
        return inner.getDefaultDomain(delegationSubject);
    }

    @Override
    public String[] getDomains(Subject delegationSubject) throws IOException {
        return inner.getDomains(delegationSubject);
    }

    @Override
    public MBeanInfo getMBeanInfo(ObjectName name, Subject delegationSubject)
            throws InstanceNotFoundException, IntrospectionException, ReflectionException, IOException {
        return inner.getMBeanInfo(name, delegationSubject);
    }

    @Override
    public boolean isInstanceOf(ObjectName name, String className, Subject delegationSubject)
            throws InstanceNotFoundException, IOException {
        return inner.isInstanceOf(name, className, delegationSubject);
    }
}
