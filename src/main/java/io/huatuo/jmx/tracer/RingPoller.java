package io.huatuo.jmx.tracer;

import io.huatuo.jmx.bpf.BpfMap;
import io.huatuo.jmx.bpf.RingBuffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one poller thread: drains every tracer's BPF ring in batches into one reusable direct buffer
 * (no JNI upcall, no allocation per record) and hands each record to its tracer's decoder.
 * Decoders run on this thread and must be cheap; slow work happens in the enrichment stage.
 * Rings are registered before {@link #start}; {@link #close} may be called from any thread.
 */
public final class RingPoller implements AutoCloseable {
    /** Decodes one record; {@code buf} is valid only during the call. */
    @FunctionalInterface
    public interface RecordHandler {
        void onRecord(ByteBuffer buf, int offset, int length);
    }

    private static final Logger LOG = LoggerFactory.getLogger(RingPoller.class);
    private static final int HEADER_BYTES = 8;
    private static final int POLL_MILLIS = 100;
    /**
     * Pause after a drain that found records, so that under load records accumulate and one wakeup
     * (and one hand-off to the enrichment stage) serves many. The first record after a quiet spell
     * is still read at once; later ones wait at most this long. 1000 pauses/s at most, none idle.
     */
    private static final long BATCH_PAUSE_NANOS = 1_000_000;

    private final ByteBuffer buffer;
    private final RingBuffer ring = new RingBuffer();
    private final List<RecordHandler> handlers = new ArrayList<>();
    private volatile Thread thread;
    private volatile boolean running;
    private long decodeErrors;

    /** @param bufferBytes batch buffer size; must hold the largest record plus its 8-byte header */
    public RingPoller(int bufferBytes) {
        this.buffer = ByteBuffer.allocateDirect(bufferBytes).order(ByteOrder.nativeOrder());
    }

    /** Adds a tracer's ring; only before {@link #start}. */
    public synchronized void register(BpfMap ringMap, int maxRecordBytes, RecordHandler handler) {
        if (thread != null) {
            throw new IllegalStateException("rings must be registered before the poller starts");
        }
        if (maxRecordBytes + HEADER_BYTES > buffer.capacity()) {
            throw new IllegalArgumentException("record of " + maxRecordBytes + " bytes exceeds the batch buffer");
        }
        int id = handlers.size();
        ring.add(ringMap, id, maxRecordBytes);
        handlers.add(handler);
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
        RecordHandler[] byId = handlers.toArray(RecordHandler[]::new);
        while (running) {
            int n;
            try {
                n = ring.drain(buffer, POLL_MILLIS);
            } catch (RuntimeException e) {
                if (running) {
                    LOG.error("ring buffer drain failed; poller stops", e);
                }
                return;
            }
            if (n < 0) {
                return; // closed
            }
            int pos = 0;
            for (int i = 0; i < n; i++) {
                int id = buffer.getInt(pos);
                int len = buffer.getInt(pos + 4);
                try {
                    byId[id].onRecord(buffer, pos + HEADER_BYTES, len);
                } catch (RuntimeException e) {
                    // a bad record must not stop the other tracers
                    if (decodeErrors++ % 1000 == 0) {
                        LOG.warn("decoder of ring {} failed ({} failures so far)", id, decodeErrors, e);
                    }
                }
                pos += HEADER_BYTES + ((len + 7) & ~7);
            }
            if (n > 0 && running) {
                LockSupport.parkNanos(BATCH_PAUSE_NANOS);
            }
        }
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
