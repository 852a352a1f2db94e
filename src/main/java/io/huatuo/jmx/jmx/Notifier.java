package io.huatuo.jmx.jmx;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's notification thread: every call of a listener that does real work per notification
 * (Jolokia serializes each one to JSON for its clients) runs on it, in order, never on a tracer's or a
 * client's thread. Its queue is bounded; a delivery that finds it full is dropped and counted (the MBean
 * counts whom it was for). The JMX connector's buffer is not called here (see {@link Subscribers}).
 * Thread-safe.
 */
public final class Notifier implements AutoCloseable {
    private final ThreadPoolExecutor lane;
    private final AtomicLong dropped = new AtomicLong();

    /** @param queueSize deliveries that may wait at most */
    public Notifier(int queueSize) {
        lane = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueSize), r -> {
            Thread t = new Thread(r, "huatuo-notify");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** @return false when the queue is full (the delivery is dropped and counted) */
    boolean offer(Runnable delivery) {
        try {
            lane.execute(delivery);
            return true;
        } catch (RejectedExecutionException e) {
            dropped.incrementAndGet();
            return false;
        }
    }

    /** @return deliveries (one notification to one listener) dropped because the queue was full */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        lane.shutdown();
    }
}
