package io.huatuo.jmx.jmx;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's notification threads: every listener call of every MBean runs on one of them, in
 * order, never on a tracer's or a client's thread. Two lanes, so that listeners that do real work per
 * notification (Jolokia serializes each one to JSON for its clients) cannot hold up the JMX connector's
 * buffer, which only stores it: the remote lane for {@link RemoteDelivery} listeners, the local lane for
 * the rest. Each lane's queue is bounded; a delivery that finds it full is dropped and counted (the MBean
 * counts whom it was for). Thread-safe.
 */
public final class Notifier implements AutoCloseable {
    private final ThreadPoolExecutor remote;
    private final ThreadPoolExecutor local;
    private final AtomicLong dropped = new AtomicLong();

    /** @param queueSize deliveries that may wait at most, per lane */
    public Notifier(int queueSize) {
        remote = lane("huatuo-notify", queueSize);
        local = lane("huatuo-notify-local", queueSize);
    }

    private static ThreadPoolExecutor lane(String name, int queueSize) {
        return new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueSize), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * @param toRemote whether the listener only hands on to remote clients (the connector's buffer)
     * @return false when the lane's queue is full (the delivery is dropped and counted)
     */
    boolean offer(Runnable delivery, boolean toRemote) {
        try {
            (toRemote ? remote : local).execute(delivery);
            return true;
        } catch (RejectedExecutionException e) {
            dropped.incrementAndGet();
            return false;
        }
    }

    /** @return deliveries (one notification to one listener) dropped because a lane's queue was full */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        remote.shutdown();
        local.shutdown();
    }
}
