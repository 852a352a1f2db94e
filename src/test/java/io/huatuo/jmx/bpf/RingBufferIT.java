package io.huatuo.jmx.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RingBufferIT {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void requireKernel() {
        Kernel.assumeRootAndBpf();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private ShimFixture shim(int ringId, int burst) {
        ShimFixture shim = new ShimFixture();
        closeables.add(shim);
        shim.load(ringId);
        shim.object.setGlobalInt("burst", burst);
        return shim;
    }

    @Test
    void batchLargerThanTheBufferComesOutOverSeveralDrainsWithNothingLost() {
        ShimFixture shim = shim(1, 1000);
        assertEquals(1000, shim.object.testRun("shim_emit"));
        ByteBuffer small = ShimFixture.buffer(1024);

        List<ShimEvent> events = new ArrayList<>();
        int drains = 0;
        for (List<ShimEvent> some; !(some = shim.drainOnce(small, 0)).isEmpty(); drains++) {
            assertTrue(small.limit() <= 1024);
            events.addAll(some);
        }

        assertEquals(1000, events.size());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).seq(), "records in order, none missing");
        }
        assertTrue(drains >= 1000 / (1024 / RingBuffer.slotSize(shim.decoder.size())), "drains: " + drains);
        assertEquals(0, shim.rings.oversizeRecords());
        StructLayout counters = shim.object.structLayout("shim_counters");
        assertEquals(0, shim.object.map("counters").sumPerCpuU64(0)[counters.offsetOf("lost", 8) / 8]);
    }

    @Test
    void busyRingDoesNotStarveTheOtherRing() {
        ShimFixture first = shim(1, 1000);
        ShimFixture second = new ShimFixture();
        closeables.add(second);
        second.object.load();
        second.object.setGlobalInt("burst", 1000);
        // one poller for both objects' rings
        first.rings.add(second.object.map("events"), 2, second.decoder.size());
        first.object.testRun("shim_emit");
        second.object.testRun("shim_emit");
        ByteBuffer small = ShimFixture.buffer(1024);

        first.drainOnce(small, 0);
        first.drainOnce(small, 0);

        assertTrue(first.ringIds.contains(1) && first.ringIds.contains(2), "ring ids: " + first.ringIds);
        int total = first.ringIds.size() + first.drainAll(small).size();
        assertEquals(2000, total);
    }

    @Test
    void oversizeRecordsAreCountedAndSkipped() {
        ShimFixture shim = new ShimFixture();
        closeables.add(shim);
        shim.object.load();
        shim.object.setGlobalInt("burst", 5);
        RingBuffer rings = new RingBuffer();
        closeables.add(rings);
        rings.add(shim.object.map("events"), 1, 16);
        assertEquals(RingBuffer.slotSize(16), rings.minBufferSize());
        shim.object.testRun("shim_emit");

        int count = rings.drain(ShimFixture.buffer(4096), 100);

        assertEquals(0, count);
        assertEquals(5, rings.oversizeRecords());
    }

    @Test
    void bufferSmallerThanTheLargestRecordIsRefused() {
        ShimFixture shim = shim(1, 1);

        assertThrows(IllegalArgumentException.class,
                () -> shim.rings.drain(ShimFixture.buffer(shim.rings.minBufferSize() - 8), 0));
        assertThrows(IllegalArgumentException.class,
                () -> shim.rings.drain(ByteBuffer.allocate(4096), 0));
    }

    @Test
    void closeUnblocksDrain() throws Exception {
        ShimFixture shim = shim(1, 1);
        ExecutorService poller = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Integer> drain = CompletableFuture.supplyAsync(
                    () -> shim.rings.drain(ShimFixture.buffer(4096), 10_000), poller);
            Thread.sleep(200);
            assertFalse(drain.isDone(), "the drain is waiting for records");

            long start = System.nanoTime();
            shim.rings.close();
            int count = drain.get(2, TimeUnit.SECONDS);
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(0, count);
            assertTrue(millis < 200, "close took " + millis + " ms");
            assertEquals(-1, shim.rings.drain(ShimFixture.buffer(4096), 0), "drain after close");
            shim.rings.close();
        } finally {
            poller.shutdownNow();
        }
    }

    @Test
    void ringKeepsWorkingAfterItsObjectIsClosedUntilThePollerCloses() {
        ShimFixture shim = shim(3, 2);
        shim.object.testRun("shim_emit");

        shim.object.close();

        assertEquals(2, shim.drainAll(ShimFixture.buffer(4096)).size());
        assertEquals(List.of(3, 3), shim.ringIds);
    }
}
