package io.huatuo.jmx.jmx;

import javax.management.NotificationListener;

/**
 * A listener that only hands notifications on to remote clients (the JMX connector's notification
 * buffer), whose connections find and count each client's losses themselves: a delivery to it that
 * the {@link Notifier} drops is not counted again by the MBean.
 */
public interface RemoteDelivery extends NotificationListener {
}
