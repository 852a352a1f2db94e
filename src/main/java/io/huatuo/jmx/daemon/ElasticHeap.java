package io.huatuo.jmx.daemon;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the heap grow while the daemon is busy and gives it back once it is idle again.
 *
 * <p>The launcher's free ratios (MinHeapFreeRatio=5, MaxHeapFreeRatio=15) keep an idle heap at its
 * live set plus 15 %. Under a burst they leave the old generation so little room that what the young
 * collections promote (the notifications the JMX connector keeps for its clients, the events in the
 * queue) fills it every few collections: at 30,000 events/s with a remote JMX listener, 138 full
 * collections of about 14 ms in 4.5 s, each stopping the ring poller while the kernel's ring fills.
 * Both ratios are manageable flags, so while collections come {@value #BUSY_COLLECTIONS} or more a
 * second they are {@value #BUSY_MIN_FREE}/{@value #BUSY_MAX_FREE} % and the old generation grows with
 * the load; after {@value #IDLE_SECONDS} s without such a second they are the start values again, and
 * one full collection gives the room back. Why that much room: with a listener nearly every
 * notification is promoted (the connector's buffer keeps the last 1,000, more than the survivor space
 * holds), and a full collection comes each time that fills the old generation's free part. At 20,000
 * events/s the JVM's defaults (40/70) still gave 36-37 full collections in 4 s, 70/90 gave 18 and about
 * a quarter less collector time (run side by side).
 *
 * <p>An idle daemon collects about never; a Prometheus scrape causes 2-3 young collections, a
 * Jolokia bulk read well under one. Does nothing if the ratios at start are not tighter than the
 * JVM's defaults, 40/70 (an operator's own choice), or if the JVM does not let them be changed.
 *
 * <p>{@link #tick} is called once a second from one thread.
 */
final class ElasticHeap {
    private static final Logger LOG = LoggerFactory.getLogger(ElasticHeap.class);
    /** Collections in one second that make the daemon busy: eden (3.2 MB) filled 5 times. */
    static final int BUSY_COLLECTIONS = 5;
    /** Seconds without a busy second before the heap is given back. */
    static final int IDLE_SECONDS = 30;
    /** The ratios while busy. */
    static final int BUSY_MIN_FREE = 70;
    static final int BUSY_MAX_FREE = 90;
    /** The JVM's defaults: start ratios at least this loose are an operator's choice, left alone. */
    static final int JVM_MIN_FREE = 40;
    static final int JVM_MAX_FREE = 70;

    private final HotSpotDiagnosticMXBean vm;
    private final LongSupplier collections;
    private final Runnable shrink;
    private final String idleMin;
    private final String idleMax;
    private boolean active;
    private long lastCount;
    private boolean busy;
    private int quietSeconds;
    private long growths;

    /** The running JVM's: its collectors' counts, and System.gc() to shrink. */
    static ElasticHeap ofThisJvm() {
        GarbageCollectorMXBean[] gcs = ManagementFactory.getGarbageCollectorMXBeans()
                .toArray(GarbageCollectorMXBean[]::new);
        return new ElasticHeap(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class), () -> {
            long sum = 0; // a loop, not a stream: this runs once a second, interpreted, on an idle daemon
            for (GarbageCollectorMXBean gc : gcs) {
                sum += Math.max(0, gc.getCollectionCount());
            }
            return sum;
        }, System::gc);
    }

    ElasticHeap(HotSpotDiagnosticMXBean vm, LongSupplier collections, Runnable shrink) {
        this.vm = vm;
        this.collections = collections;
        this.shrink = shrink;
        this.idleMin = vm.getVMOption("MinHeapFreeRatio").getValue();
        this.idleMax = vm.getVMOption("MaxHeapFreeRatio").getValue();
        boolean tight = Integer.parseInt(idleMin) < JVM_MIN_FREE && Integer.parseInt(idleMax) < JVM_MAX_FREE;
        this.active = tight && vm.getVMOption("MinHeapFreeRatio").isWriteable()
                && vm.getVMOption("MaxHeapFreeRatio").isWriteable();
        this.lastCount = collections.getAsLong();
        if (!active) {
            LOG.info("heap free ratios {}/{} % kept as they are under load", idleMin, idleMax);
        }
    }

    void tick() {
        long count = collections.getAsLong();
        long perSecond = count - lastCount;
        lastCount = count;
        if (!active) {
            return;
        }
        if (perSecond >= BUSY_COLLECTIONS) {
            quietSeconds = 0;
            if (!busy) {
                if (!trySet(Integer.toString(BUSY_MIN_FREE), Integer.toString(BUSY_MAX_FREE), true)) {
                    return;
                }
                busy = true;
                growths++;
                LOG.info("busy ({} collections in a second): heap free ratios {}/{} % until {} s without load",
                        perSecond, BUSY_MIN_FREE, BUSY_MAX_FREE, IDLE_SECONDS);
            }
        } else if (busy && ++quietSeconds >= IDLE_SECONDS) {
            busy = false;
            if (!trySet(idleMin, idleMax, false)) {
                return;
            }
            long before = heapCommitted();
            shrink.run();
            lastCount = collections.getAsLong(); // the shrinking collection is not load
            LOG.info("idle for {} s: heap free ratios {}/{} % again, heap committed {} -> {} MB", IDLE_SECONDS,
                    idleMin, idleMax, before >> 20, heapCommitted() >> 20);
        }
    }

    /** Sets both ratios; false (logged once, and the heap left alone from then on) if the JVM refuses. */
    private boolean trySet(String min, String max, boolean growing) {
        try {
            // the JVM refuses a minimum above the maximum and a maximum below the minimum: order matters
            if (growing) {
                vm.setVMOption("MaxHeapFreeRatio", max);
                vm.setVMOption("MinHeapFreeRatio", min);
            } else {
                vm.setVMOption("MinHeapFreeRatio", min);
                vm.setVMOption("MaxHeapFreeRatio", max);
            }
        } catch (RuntimeException e) {
            active = false; // once: the heap keeps whatever sizing it has now
            LOG.warn("heap free ratios cannot be set to {}/{} %, left as they are: {}", min, max, e.toString());
            return false;
        }
        return true;
    }

    private static long heapCommitted() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getCommitted();
    }

    /** Whether the heap has the busy ratios now. */
    boolean busy() {
        return busy;
    }

    /** How often load made the heap grow since start. */
    long growths() {
        return growths;
    }
}
