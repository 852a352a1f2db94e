package io.huatuo.jmx.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** On this test JVM's own flags: the launcher's tight ratios are set first, and the JVM's restored after. */
class ElasticHeapTest {
    private final HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    private final AtomicLong collections = new AtomicLong();
    private final AtomicInteger shrinks = new AtomicInteger();
    private String min0;
    private String max0;

    @BeforeEach
    void remember() {
        min0 = vm.getVMOption("MinHeapFreeRatio").getValue();
        max0 = vm.getVMOption("MaxHeapFreeRatio").getValue();
    }

    @AfterEach
    void restore() {
        vm.setVMOption("MaxHeapFreeRatio", "100");
        vm.setVMOption("MinHeapFreeRatio", min0);
        vm.setVMOption("MaxHeapFreeRatio", max0);
    }

    private void ratios(String min, String max) {
        vm.setVMOption("MinHeapFreeRatio", "0");
        vm.setVMOption("MaxHeapFreeRatio", max);
        vm.setVMOption("MinHeapFreeRatio", min);
    }

    private String min() {
        return vm.getVMOption("MinHeapFreeRatio").getValue();
    }

    private String max() {
        return vm.getVMOption("MaxHeapFreeRatio").getValue();
    }

    private ElasticHeap heap() {
        return new ElasticHeap(vm, collections::get, shrinks::incrementAndGet);
    }

    @Test
    void loadLoosensTheRatiosAndIdleRestoresThemAndShrinks() {
        ratios("5", "15");
        ElasticHeap heap = heap();
        collections.addAndGet(ElasticHeap.BUSY_COLLECTIONS - 1); // a Prometheus scrape is not load
        heap.tick();
        assertFalse(heap.busy());
        assertEquals("5", min());
        collections.addAndGet(ElasticHeap.BUSY_COLLECTIONS);
        heap.tick();
        assertTrue(heap.busy());
        assertEquals(Integer.toString(ElasticHeap.BUSY_MIN_FREE), min());
        assertEquals(Integer.toString(ElasticHeap.BUSY_MAX_FREE), max());
        // a quiet spell shorter than IDLE_SECONDS, then load again: still busy, nothing shrunk
        for (int i = 0; i < ElasticHeap.IDLE_SECONDS - 1; i++) {
            collections.incrementAndGet();
            heap.tick();
        }
        collections.addAndGet(2L * ElasticHeap.BUSY_COLLECTIONS);
        heap.tick();
        assertTrue(heap.busy());
        assertEquals(0, shrinks.get());
        for (int i = 0; i < ElasticHeap.IDLE_SECONDS; i++) {
            heap.tick();
        }
        assertFalse(heap.busy());
        assertEquals("5", min());
        assertEquals("15", max());
        assertEquals(1, shrinks.get());
        assertEquals(1, heap.growths());
        collections.addAndGet(ElasticHeap.BUSY_COLLECTIONS); // the next burst grows it again
        heap.tick();
        assertTrue(heap.busy());
        assertEquals(2, heap.growths());
    }

    @Test
    void ratiosAnOperatorLoosenedAreLeftAlone() {
        ratios("40", "70");
        ElasticHeap heap = heap();
        collections.addAndGet(100);
        heap.tick();
        assertFalse(heap.busy());
        ratios("20", "80"); // the maximum already at or above the JVM's default
        heap = heap();
        collections.addAndGet(100);
        heap.tick();
        assertFalse(heap.busy());
        assertEquals("20", min());
        assertEquals("80", max());
        assertEquals(0, shrinks.get());
    }
}
