package io.huatuo.jmx.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** The shim_test object with its ring buffer on a poller, for kernel tests. */
final class ShimFixture implements AutoCloseable {
    final BpfObject object = BpfObject.openResource(ShimEvent.OBJECT);
    final ShimEvent.Decoder decoder = new ShimEvent.Decoder(object.structLayout("shim_event"));
    final RingBuffer rings = new RingBuffer();
    final List<Integer> ringIds = new ArrayList<>();

    /** Loads the object and adds its ring as ringId, declaring the record size from BTF. */
    ShimFixture load(int ringId) {
        io.huatuo.jmx.testing.Kernel.assumeBpfLoop();
        object.load();
        rings.add(object.map("events"), ringId, decoder.size());
        return this;
    }

    static ByteBuffer buffer(int capacity) {
        return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
    }

    /** Drains once, decoding the records and remembering their ring ids. */
    List<ShimEvent> drainOnce(ByteBuffer batch, int timeoutMillis) {
        List<ShimEvent> events = new ArrayList<>();
        int count = rings.drain(batch, timeoutMillis);
        int visited = RingBuffer.forEach(batch, (ringId, buf, offset, length) -> {
            ringIds.add(ringId);
            events.add(decoder.decode(buf, offset, length));
        });
        if (visited != count) {
            throw new AssertionError("drain reported " + count + " records, the batch holds " + visited);
        }
        return events;
    }

    /** Drains until the rings are empty. */
    List<ShimEvent> drainAll(ByteBuffer batch) {
        List<ShimEvent> all = new ArrayList<>();
        for (List<ShimEvent> some; !(some = drainOnce(batch, 0)).isEmpty();) {
            all.addAll(some);
        }
        return all;
    }

    /** Drains until a record matches, for up to timeoutMillis. */
    ShimEvent drainUntil(Predicate<ShimEvent> wanted, long timeoutMillis) {
        ByteBuffer batch = buffer(64 * 1024);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            for (ShimEvent e : drainOnce(batch, 100)) {
                if (wanted.test(e)) {
                    return e;
                }
            }
        }
        throw new AssertionError("no matching record within " + timeoutMillis + " ms");
    }

    @Override
    public void close() {
        rings.close();
        object.close();
    }
}
