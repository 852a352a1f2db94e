package io.huatuo.jmx.jmx;

import io.huatuo.jmx.event.Attribute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import javax.management.AttributeChangeNotification;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InvalidAttributeValueException;
import javax.management.ListenerNotFoundException;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanRegistration;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationFilter;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import javax.management.openmbean.OpenMBeanAttributeInfoSupport;
import javax.management.openmbean.OpenMBeanConstructorInfoSupport;
import javax.management.openmbean.OpenMBeanInfoSupport;
import javax.management.openmbean.OpenMBeanOperationInfoSupport;
import javax.management.openmbean.OpenType;

/**
 * An open MBean built from a list of {@link Attribute}s: descriptions on every attribute, writes
 * validated by the attribute's setter (a refused value keeps the old one and the caller gets the
 * message), and a {@code jmx.attribute.change} notification after every accepted write.
 * Listeners are called on the daemon's {@link Notifier}, never on the caller's thread, at most
 * {@link Subscribers#MAX_PER_MBEAN} of them. Every notification of the bean gets the next sequence
 * number (1, 2, ...), so a client that takes them all sees a loss as a jump; the bean remembers which
 * numbers were attribute changes, so a jump can be counted for clients that take only events too.
 * Thread-safe.
 */
public class AttributeBean implements DynamicMBean, NotificationEmitter, MBeanRegistration {
    private final ObjectName objectName;
    /** Sequence numbers of attribute changes remembered (writes are rare and authenticated). */
    static final int CHANGE_HISTORY = 1024;
    private final String description;
    private final Map<String, Attribute> attributes = new LinkedHashMap<>();
    private final Map<String, OpenType<?>> types = new LinkedHashMap<>();
    private final Subscribers subscribers;
    private final AtomicLong lostRemotely = new AtomicLong();
    private final Object sendLock = new Object();
    private long sequence; // guarded by sendLock, like the two below
    private final long[] changeSequences = new long[CHANGE_HISTORY];
    private long changes;
    private final MBeanInfo info;

    /** A bean without events (the daemon). */
    public AttributeBean(ObjectName objectName, String description, List<Attribute> attrs, Notifier notifier) {
        this(objectName, description, attrs, null, List.of(), notifier);
    }

    /**
     * @param eventType open type of {@link Attribute.Type#EVENT} attributes, null when there are none
     */
    protected AttributeBean(ObjectName objectName, String description, List<Attribute> attrs,
            OpenType<?> eventType, List<MBeanNotificationInfo> extraNotifications, Notifier notifier) {
        this.objectName = objectName;
        this.description = description;
        List<OpenMBeanAttributeInfoSupport> infos = new ArrayList<>();
        for (Attribute a : attrs) {
            if (attributes.put(a.name(), a) != null) {
                throw new IllegalArgumentException(objectName + ": duplicate attribute " + a.name());
            }
            OpenType<?> t = a.type() == Attribute.Type.EVENT ? eventType : OpenTypes.of(a);
            if (t == null) {
                throw new IllegalArgumentException(objectName + ": attribute " + a.name() + " has no open type");
            }
            types.put(a.name(), t);
            infos.add(new OpenMBeanAttributeInfoSupport(a.name(), a.description(), t, true, a.isWritable(),
                    a.type() == Attribute.Type.BOOLEAN && a.name().startsWith("Is")));
        }
        List<MBeanNotificationInfo> notifs = new ArrayList<>(extraNotifications);
        notifs.add(new MBeanNotificationInfo(new String[] {AttributeChangeNotification.ATTRIBUTE_CHANGE},
                AttributeChangeNotification.class.getName(), "A writable attribute (threshold, switch) changed"));
        MBeanNotificationInfo[] notifArray = notifs.toArray(MBeanNotificationInfo[]::new);
        this.subscribers = new Subscribers(objectName, notifier);
        this.info = new OpenMBeanInfoSupport(getClass().getName(), description,
                infos.toArray(OpenMBeanAttributeInfoSupport[]::new), new OpenMBeanConstructorInfoSupport[0],
                new OpenMBeanOperationInfoSupport[0], notifArray);
    }

    public ObjectName objectName() {
        return objectName;
    }

    @Override
    public Object getAttribute(String name) throws AttributeNotFoundException, MBeanException {
        Attribute a = attribute(name);
        try {
            return OpenTypes.toOpen(a, types.get(name), a.getter().get());
        } catch (RuntimeException e) {
            throw new MBeanException(e, objectName + ": reading " + name + " failed: " + e.getMessage());
        }
    }

    @Override
    public void setAttribute(javax.management.Attribute attribute)
            throws AttributeNotFoundException, InvalidAttributeValueException, MBeanException {
        Attribute a = attribute(attribute.getName());
        if (!a.isWritable()) {
            throw new AttributeNotFoundException(objectName + ": attribute " + a.name() + " is read-only");
        }
        Object value = coerce(a, attribute.getValue());
        Object old;
        synchronized (this) {
            old = a.getter().get();
            try {
                a.setter().accept(value);
            } catch (IllegalArgumentException e) {
                throw new InvalidAttributeValueException(objectName + ": " + a.name() + "=" + value
                        + " refused: " + e.getMessage());
            } catch (RuntimeException e) {
                throw new MBeanException(e, objectName + ": " + a.name() + "=" + value + " failed: "
                        + e.getMessage());
            }
        }
        Object now = a.getter().get();
        if (!now.equals(old)) {
            synchronized (sendLock) {
                long seq = ++sequence;
                changeSequences[(int) (changes++ % CHANGE_HISTORY)] = seq;
                subscribers.send(new AttributeChangeNotification(objectName, seq, System.currentTimeMillis(),
                        a.name() + " changed from " + old + " to " + now, a.name(), types.get(a.name()).getClassName(),
                        old, now));
            }
        }
    }

    /**
     * Accepts any whole number for numeric attributes (remote clients send what they have: Integer,
     * Double 100.0, the text "100"), rejects fractions and values out of the type's range instead of
     * truncating them, and rejects the rest.
     */
    private Object coerce(Attribute a, Object v) throws InvalidAttributeValueException {
        if (v == null) {
            throw new InvalidAttributeValueException(objectName + ": " + a.name() + " cannot be null");
        }
        try {
            return switch (a.type()) {
                case LONG -> Long.valueOf(whole(v).longValueExact());
                case INT -> Integer.valueOf(whole(v).intValueExact());
                case BOOLEAN -> {
                    if (v instanceof Boolean b) {
                        yield b;
                    }
                    String s = v.toString().trim();
                    if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
                        throw new NumberFormatException();
                    }
                    yield Boolean.valueOf(s);
                }
                case STRING -> v.toString();
                default -> throw new InvalidAttributeValueException(objectName + ": " + a.name() + " is not writable");
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidAttributeValueException(objectName + ": " + a.name() + " expects "
                    + (a.type() == Attribute.Type.BOOLEAN ? "true or false" : "a whole number (" + a.type() + ")")
                    + ", got '" + v + "'");
        }
    }

    /** The exact value of a number or its text; fractions and overflow are found by the caller's *Exact. */
    private static java.math.BigDecimal whole(Object v) {
        java.math.BigDecimal d = new java.math.BigDecimal(v.toString().trim());
        if (d.precision() - d.scale() > 40) {
            throw new ArithmeticException("too large"); // "1e999999999" must not make a huge number
        }
        return d;
    }

    private Attribute attribute(String name) throws AttributeNotFoundException {
        Attribute a = attributes.get(name);
        if (a == null) {
            throw new AttributeNotFoundException(objectName + " has no attribute " + name);
        }
        return a;
    }

    @Override
    public AttributeList getAttributes(String[] names) {
        AttributeList list = new AttributeList();
        for (String n : names) {
            try {
                list.add(new javax.management.Attribute(n, getAttribute(n)));
            } catch (Exception e) {
                // JMX semantics: attributes that cannot be read are left out of the list
            }
        }
        return list;
    }

    @Override
    public AttributeList setAttributes(AttributeList list) {
        AttributeList done = new AttributeList();
        for (javax.management.Attribute a : list.asList()) {
            try {
                setAttribute(a);
                done.add(new javax.management.Attribute(a.getName(), getAttribute(a.getName())));
            } catch (Exception e) {
                // left out, as the JMX contract of setAttributes says
            }
        }
        return done;
    }

    @Override
    public Object invoke(String action, Object[] params, String[] signature) throws ReflectionException {
        throw new ReflectionException(new NoSuchMethodException(action), objectName + " has no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return info;
    }

    /** Sends a notification built with the next sequence number; never blocks on listeners. */
    protected void send(LongFunction<Notification> build) {
        synchronized (sendLock) {
            subscribers.send(build.apply(++sequence));
        }
    }

    /** @return the sequence number of the newest notification, 0 before the first */
    public long lastSequence() {
        synchronized (sendLock) {
            return sequence;
        }
    }

    /**
     * How many notifications were numbered strictly between two sequence numbers, for a client that
     * takes attribute changes or not: the size of a jump it saw. Exact while the jump spans at most
     * {@link #CHANGE_HISTORY} attribute changes.
     */
    public long notificationsBetween(long after, long before, boolean withChanges) {
        long n = Math.max(0, before - after - 1);
        if (withChanges || n == 0) {
            return n;
        }
        synchronized (sendLock) {
            for (long i = Math.max(0, changes - CHANGE_HISTORY); i < changes; i++) {
                long c = changeSequences[(int) (i % CHANGE_HISTORY)];
                if (c > after && c < before) {
                    n--;
                }
            }
        }
        return n;
    }

    /** Counts notifications a remote client missed (found by its connection). */
    public void countLost(long n) {
        lostRemotely.addAndGet(n);
    }

    /** @return notifications a subscribed client did not get, each missed one counted per client */
    public long notificationsLost() {
        return subscribers.lost() + lostRemotely.get();
    }

    /**
     * Whether a listener was ever added: until then a notification has no one to reach and need not
     * be built (the JMX connector adds its listeners only once a remote client subscribes).
     */
    protected boolean hasListened() {
        return subscribers.used();
    }

    @Override
    public void addNotificationListener(NotificationListener l, NotificationFilter f, Object handback) {
        subscribers.add(l, f, handback);
    }

    @Override
    public void removeNotificationListener(NotificationListener l) throws ListenerNotFoundException {
        subscribers.remove(l);
    }

    @Override
    public void removeNotificationListener(NotificationListener l, NotificationFilter f, Object handback)
            throws ListenerNotFoundException {
        subscribers.remove(l, f, handback);
    }

    @Override
    public MBeanNotificationInfo[] getNotificationInfo() {
        return info.getNotifications();
    }

    @Override
    public ObjectName preRegister(MBeanServer server, ObjectName name) {
        return objectName;
    }

    @Override
    public void postRegister(Boolean done) {
    }

    @Override
    public void preDeregister() {
    }

    @Override
    public void postDeregister() {
    }

    @Override
    public String toString() {
        return objectName + " (" + description + ")";
    }
}
