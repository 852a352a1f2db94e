package io.huatuo.jmx.jmx;

import javax.management.NotificationFilter;

/**
 * The filter of a listener that only hands notifications on to remote clients (the JMX connector's
 * notification buffer), whose connections find and count each client's losses themselves: a delivery
 * to it that the {@link Notifier} drops is not counted again by the MBean. (A filter, not the
 * listener, carries the mark: the MBean server hands MBeans its own wrapper of each listener.)
 */
public interface RemoteDelivery extends NotificationFilter {
}
