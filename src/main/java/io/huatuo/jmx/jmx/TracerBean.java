package io.huatuo.jmx.jmx;

import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Schema;
import java.util.ArrayList;
import java.util.List;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeType;

/**
 * {@code huatuo:type=Tracer,name=<tracer>}: the tracer's attributes plus LastEvent / LastEventTime,
 * and one {@code huatuo.<tracer>} notification per published event whose userData is the same
 * flat CompositeData as LastEvent. {@link #publish} never blocks on listeners. Thread-safe.
 */
public final class TracerBean extends AttributeBean {
    private final String notificationType;
    private final CompositeType eventType;
    /** eventType without its descriptions, for the values (OpenTypes#valueType): a third of each notification */
    private final CompositeType valueType;
    private volatile Last lastEvent;
    private volatile long lastEventTime;

    public TracerBean(Schema schema, List<Attribute> tracerAttributes, Notifier notifier) {
        this(schema, tracerAttributes, notifier, new Holder());
    }

    private TracerBean(Schema schema, List<Attribute> tracerAttributes, Notifier notifier, Holder h) {
        super(ObjectNames.tracer(schema.tracer()), "huatuo " + schema.tracer() + " tracer",
                withLastEvent(tracerAttributes, h), OpenTypes.eventType(schema),
                List.of(new MBeanNotificationInfo(new String[] {ObjectNames.notificationType(schema.tracer())},
                        Notification.class.getName(), "One per reported " + schema.tracer() + " event; userData = LastEvent")),
                notifier);
        this.notificationType = ObjectNames.notificationType(schema.tracer());
        this.eventType = OpenTypes.eventType(schema);
        this.valueType = OpenTypes.valueType(eventType);
        h.bean = this;
    }

    /** Lets the attribute getters, created before the bean exists, read its fields. */
    private static final class Holder {
        TracerBean bean;
    }

    private static List<Attribute> withLastEvent(List<Attribute> attrs, Holder h) {
        List<Attribute> all = new ArrayList<>(attrs);
        all.add(Attribute.readOnly("LastEvent", Attribute.Type.EVENT,
                "The newest event, flat: envelope + tracer fields (null before the first event)",
                () -> h.bean.lastEvent()));
        all.add(Attribute.readOnly("LastEventTime", Attribute.Type.LONG,
                "Epoch milliseconds of LastEvent, 0 if none", () -> h.bean.lastEventTime).gauge("ms"));
        all.add(Attribute.readOnly("LastEventDate", Attribute.Type.STRING,
                "LastEventTime for people: the event's time field (yyyy-MM-dd HH:mm:ss.SSS Z), empty if none",
                () -> h.bean.lastEventDate()));
        all.add(Attribute.readOnly("NotificationsLost", Attribute.Type.LONG,
                "Notifications of this tracer a subscribed client did not get, once per client: the daemon's "
                        + "notifier queue full, a JMX client's connector buffer overflowed (slow or stopped client), "
                        + "a Jolokia pull store full or SSE stream too slow", () -> h.bean.notificationsLost())
                .counter("notifications"));
        return all;
    }

    public CompositeType eventType() {
        return eventType;
    }

    /** @return the type of this tracer's event notifications, {@code huatuo.<tracer>} */
    public String notificationType() {
        return notificationType;
    }

    /**
     * Sets LastEvent and sends the notification (listeners run on the executor). The CompositeData
     * is made only when needed: for the notification once anyone listens, else when LastEvent is read.
     */
    public void publish(Event event) {
        Last last = new Last(event);
        lastEvent = last;
        lastEventTime = event.timeMillis();
        if (hasListened()) {
            CompositeData data = last.composite(valueType);
            send(seq -> {
                Notification n = new Notification(notificationType, objectName(), seq, event.timeMillis(), event.summary());
                n.setUserData(data);
                return n;
            });
        }
    }

    private String lastEventDate() {
        Last last = lastEvent;
        return last == null ? "" : last.event.eventTime();
    }

    public CompositeData lastEvent() {
        Last last = lastEvent;
        return last == null ? null : last.composite(valueType);
    }

    /** The newest event and, once made, its CompositeData (racy but idempotent). */
    private static final class Last {
        final Event event;
        private volatile CompositeData composite;

        Last(Event event) {
            this.event = event;
        }

        CompositeData composite(CompositeType type) {
            CompositeData cd = composite;
            if (cd == null) {
                cd = OpenTypes.toComposite(type, event);
                composite = cd;
            }
            return cd;
        }
    }
}
