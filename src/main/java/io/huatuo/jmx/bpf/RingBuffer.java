package io.huatuo.jmx.bpf;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One poller for many BPF ring buffers (typically one per BPF object). Each {@link #drain} is one native call: it
 * waits for data, then copies as many records as fit into the caller's direct buffer. There is no upcall and no
 * allocation per record.
 *
 * <p>Batch format, native byte order, from position 0 to the limit; each record:
 * <pre>
 *   int32  ring id (as given to add)
 *   int32  length of the record in bytes
 *   byte[] the record
 *   zero padding to the next multiple of 8
 * </pre>
 * {@link #forEach} walks a batch. Records of one ring keep their order; records of several rings are
 * interleaved in batches, and the ring a batch starts with rotates so that a busy ring cannot starve the others.
 * A record that does not fit stays in its ring for the next drain: nothing is lost or truncated. A record longer
 * than its ring's declared maximum is consumed, skipped and counted ({@link #oversizeRecords()}).
 *
 * <p>Sizing: the buffer must hold at least one record of the largest declared size, {@link #minBufferSize()};
 * a larger buffer (e.g. a few hundred records, or 256 KiB) means fewer calls under load.
 *
 * <p>Concurrency: one thread drains. {@link #add} may be called from any thread; it waits for a drain in progress.
 * {@link #close()} may be called from any thread: it makes a waiting drain return at once, waits until no drain is
 * in progress, and only then frees the native memory; after it, {@link #drain} returns -1. The rings' maps may be
 * closed before or after this poller: their memory stays mapped until {@link #close()}.
 */
public final class RingBuffer implements AutoCloseable {
    /** Bytes before each record in a batch: ring id and length. */
    public static final int RECORD_HEADER_SIZE = 8;

    private final long handle;
    private final ReentrantLock drainLock = new ReentrantLock();
    private final AtomicBoolean closing = new AtomicBoolean();
    private boolean freed;                  // guarded by drainLock
    private volatile int minBufferSize;
    private volatile long oversizeRecords;
    private ByteBuffer lastBuffer;          // drain thread only: the address of the last buffer drained into
    private long lastAddress;

    /**
     * @throws BpfException if the native library is not available or the poller cannot be created
     */
    public RingBuffer() {
        try {
            NativeLibrary.load();
        } catch (UnsatisfiedLinkError e) {
            throw new BpfException("ring buffer: create: the native library is not available: " + e.getMessage(), e);
        }
        handle = BpfNative.ringBufferNew();
    }

    /**
     * Adds a {@code BPF_MAP_TYPE_RINGBUF} map.
     *
     * @param ringId reported with each record of this ring
     * @param maxRecordSize the largest record the BPF side writes to this ring, in bytes; larger ones are skipped
     */
    public void add(BpfMap ringMap, int ringId, int maxRecordSize) {
        String subject = "ring buffer: add map " + ringMap.name() + " as ring " + ringId;
        if (ringMap.type() != BpfMap.TYPE_RINGBUF) {
            throw new IllegalArgumentException(subject + ": not a ring buffer map (type " + ringMap.type() + ")");
        }
        if (maxRecordSize <= 0 || maxRecordSize > ringMap.maxEntries()) {
            throw new IllegalArgumentException(subject + ": max record size " + maxRecordSize
                    + " must be between 1 and the ring size " + ringMap.maxEntries());
        }
        drainLock.lock();
        try {
            if (closing.get()) {
                throw new IllegalStateException(subject + ": closed");
            }
            ringMap.withFd(subject, fd -> BpfNative.ringBufferAdd(handle, subject, fd, ringId, maxRecordSize));
            minBufferSize = Math.max(minBufferSize, slotSize(maxRecordSize));
        } finally {
            drainLock.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for records, then copies as many as fit into {@code buffer}; sets its
     * position to 0 and its limit to the bytes used.
     *
     * @param buffer a direct buffer in native byte order, at least {@link #minBufferSize()} bytes
     * @param timeoutMillis 0 returns at once
     * @return the number of records in the buffer (0 after a timeout or a wake-up by close), or -1 once closed
     */
    public int drain(ByteBuffer buffer, int timeoutMillis) {
        if (!buffer.isDirect() || buffer.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("ring buffer: drain: the buffer must be direct and in native order");
        }
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("ring buffer: drain: negative timeout " + timeoutMillis);
        }
        drainLock.lock();
        try {
            if (closing.get()) {
                return -1;
            }
            if (buffer.capacity() < minBufferSize) {
                throw new IllegalArgumentException("ring buffer: drain: buffer of " + buffer.capacity()
                        + " bytes cannot hold a record of the largest declared size; minBufferSize() is "
                        + minBufferSize);
            }
            if (buffer != lastBuffer) {
                lastAddress = BpfNative.address(buffer);
                lastBuffer = buffer;
            }
            long result = BpfNative.ringBufferDrain(handle, lastAddress, buffer.capacity(), timeoutMillis);
            oversizeRecords = BpfNative.ringBufferOversize(handle);
            buffer.clear().limit((int) result);
            return (int) (result >>> 32);
        } finally {
            Reference.reachabilityFence(buffer); // the native call wrote through its address
            drainLock.unlock();
        }
    }

    /** The buffer size {@link #drain} needs: one record of the largest size declared to {@link #add}. */
    public int minBufferSize() {
        return minBufferSize;
    }

    /** Records skipped because they were longer than their ring's declared maximum. */
    public long oversizeRecords() {
        return oversizeRecords;
    }

    /** Idempotent; see the class comment. */
    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) {
            BpfNative.ringBufferWake(handle); // freed only below, after this
        }
        drainLock.lock();
        try {
            if (!freed) {
                freed = true;
                BpfNative.ringBufferFree(handle);
            }
        } finally {
            drainLock.unlock();
        }
    }

    /** The space one record of {@code recordSize} bytes takes in a batch. */
    public static int slotSize(int recordSize) {
        return RECORD_HEADER_SIZE + ((recordSize + 7) & ~7);
    }

    /** Receives the records of a batch; {@code offset} is the absolute index of the record in {@code batch}. */
    @FunctionalInterface
    public interface RecordVisitor {
        void record(int ringId, ByteBuffer batch, int offset, int length);
    }

    /**
     * Visits each record of a batch filled by {@link #drain}, from its position to its limit, without changing
     * either.
     *
     * @return the number of records visited
     * @throws IllegalArgumentException if the batch is malformed
     */
    public static int forEach(ByteBuffer batch, RecordVisitor visitor) {
        int count = 0;
        for (int pos = batch.position(); pos < batch.limit(); count++) {
            if (batch.limit() - pos < RECORD_HEADER_SIZE) {
                throw new IllegalArgumentException("ring buffer batch: truncated header at " + pos);
            }
            int ringId = batch.getInt(pos);
            int length = batch.getInt(pos + 4);
            if (length < 0 || length > batch.limit() - pos - RECORD_HEADER_SIZE) {
                throw new IllegalArgumentException("ring buffer batch: bad length " + length + " at " + pos);
            }
            visitor.record(ringId, batch, pos + RECORD_HEADER_SIZE, length);
            pos += slotSize(length);
        }
        return count;
    }
}
