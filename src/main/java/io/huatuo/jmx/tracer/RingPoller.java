package io.huatuo.jmx.tracer;

import io.huatuo.jmx.bpf.BpfMap;
import io.huatuo.jmx.bpf.RingBuffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one poller thread: drains every tracer's BPF ring in batches into one reusable direct buffer
 * (no JNI upcall, no allocation per record) and hands each record to its tracer's decoder.
 * Decoders run on this thread and must be cheap; slow work happens in the enrichment stage.
 * Rings are registered before {@link #start}; {@link #close} may be called from any thread.
 * If the thread dies (a drain error, an Error out of a decoder), every registered tracer is told
 * why, so that none keeps reporting RUNNING without a reader.
 */
public final class RingPoller implements AutoCloseable {
    /** Decodes one record; {@code buf} is valid only during the call. */
    @FunctionalInterface
    public interface RecordHandler {
        void onRecord(ByteBuffer buf, int offset, int length);
    }

    /** Told once, on the poller thread, that the poller stopped for good and why. */
    @FunctionalInterface
    public interface StopHandler {
        void pollerStopped(String reason);
    }

    private record Ring(String tracer, RecordHandler handler, StopHandler stopped) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(RingPoller.class);
    private static final int HEADER_BYTES = 8;
    /**
     * Longest wait for a record: close() wakes a waiting drain, so this only bounds how late a test's injected
     * failure is seen; every wakeup of an idle daemon costs CPU (~0.1 ms on a KVM guest).
     */
    private static final int POLL_MILLIS = 1000;
    /**
     * Pause after a drain that found records, so that under load records accumulate and one wakeup
     * (and one hand-off to the enrichment stage) serves many. The first record after a quiet spell
     * is still read at once; later ones wait at most this long. 1000 pauses/s at most, none idle.
     */
    private static final long BATCH_PAUSE_NANOS = 1_000_000;

    private final ByteBuffer buffer;
    private final RingBuffer ring = new RingBuffer();
    private final List<Ring> rings = new ArrayList<>();
    private volatile Thread thread;
    private volatile boolean running;
    private volatile Throwable injected;

    /** @param bufferBytes batch buffer size; must hold the largest record plus its 8-byte header */
    public RingPoller(int bufferBytes) {
        this.buffer = ByteBuffer.allocateDirect(bufferBytes).order(ByteOrder.nativeOrder());
    }

    /** Adds a tracer's ring; only before {@link #start}. {@code tracer} names it in the log. */
    public synchronized void register(String tracer, BpfMap ringMap, int maxRecordBytes, RecordHandler handler,
            StopHandler stopped) {
        if (thread != null) {
            throw new IllegalStateException("rings must be registered before the poller starts");
        }
        if (maxRecordBytes + HEADER_BYTES > buffer.capacity()) {
            throw new IllegalArgumentException("record of " + maxRecordBytes + " bytes exceeds the batch buffer");
        }
        int id = rings.size();
        ring.add(ringMap, id, maxRecordBytes);
        rings.add(new Ring(tracer, handler, stopped));
    }

    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "huatuo-ring-poller");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        Ring[] byId = rings.toArray(Ring[]::new);
        long[] decodeErrors = new long[byId.length];
        try {
            while (running) {
                Throwable t = injected;
                if (t != null) {
                    injected = null;
                    throw t;
                }
                int n = ring.drain(buffer, POLL_MILLIS);
                if (n < 0) {
                    if (running) {
                        throw new IllegalStateException("the ring buffers were closed under the poller");
                    }
                    return;
                }
                int pos = 0;
                for (int i = 0; i < n; i++) {
                    int id = buffer.getInt(pos);
                    int len = buffer.getInt(pos + 4);
                    try {
                        byId[id].handler().onRecord(buffer, pos + HEADER_BYTES, len);
                    } catch (RuntimeException e) {
                        // a bad record must not stop the other tracers
                        if (decodeErrors[id]++ % 1000 == 0) {
                            LOG.warn("{}: a record could not be decoded ({} so far)", byId[id].tracer(), decodeErrors[id], e);
                        }
                    }
                    pos += HEADER_BYTES + ((len + 7) & ~7);
                }
                if (n > 0 && running) {
                    LockSupport.parkNanos(BATCH_PAUSE_NANOS);
                }
            }
        } catch (Throwable e) { // whatever ends the thread, the tracers must hear of it
            if (running) {
                stopped(byId, e);
            }
        }
    }

    private void stopped(Ring[] byId, Throwable cause) {
        String reason = "ring poller stopped: " + cause;
        LOG.error("{}; tracers {} get no more events", reason,
                Arrays.stream(byId).map(Ring::tracer).toList(), cause);
        for (Ring r : byId) {
            try {
                r.stopped().pollerStopped(reason);
            } catch (RuntimeException e) {
                LOG.warn("{}: could not be told that the ring poller stopped", r.tracer(), e);
            }
        }
    }

    /**
     * For tests: the poller thread fails with {@code failure} at its next round, on the same path as a
     * drain error.
     */
    void injectFailure(Throwable failure) {
        injected = failure;
    }

    /** Stops and joins the poller, then frees the native ring state; idempotent. */
    @Override
    public void close() {
        running = false;
        Thread t = thread;
        ring.close();
        if (t != null) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
