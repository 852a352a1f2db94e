package io.huatuo.jmx.jmx;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's one notification thread: every listener call of every MBean runs here, in order, never
 * on a tracer's or a client's thread. Its queue is bounded; a delivery that finds it full is dropped and
 * counted (the MBean counts whom it was for). Thread-safe.
 */
public final class Notifier implements AutoCloseable {
    private final ThreadPoolExecutor executor;
    private final AtomicLong dropped = new AtomicLong();

    /** @param queueSize deliveries that may wait at most */
    public Notifier(int queueSize) {
        executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueSize), r -> {
            Thread t = new Thread(r, "huatuo-notify");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** @return false when the queue is full (the delivery is dropped and counted) */
    boolean offer(Runnable delivery) {
        try {
            executor.execute(delivery);
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
        executor.shutdown();
    }
}
