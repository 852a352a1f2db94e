package io.huatuo.jmx.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingBufferBatchTest {
    @Test
    void slotSizeIsHeaderPlusLengthRoundedUpToEight() {
        assertEquals(8, RingBuffer.slotSize(0));
        assertEquals(16, RingBuffer.slotSize(1));
        assertEquals(56, RingBuffer.slotSize(48));
        assertEquals(64, RingBuffer.slotSize(49));
    }

    @Test
    void forEachVisitsEveryRecordAndSkipsPadding() {
        ByteBuffer batch = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
        batch.putInt(7).putInt(3).put(new byte[] {1, 2, 3}).put(new byte[5]);
        batch.putInt(9).putInt(8).putLong(42);
        batch.flip();
        List<String> seen = new ArrayList<>();

        int count = RingBuffer.forEach(batch, (ringId, buf, offset, length) ->
                seen.add(ringId + ":" + offset + ":" + length + ":" + buf.get(offset)));

        assertEquals(2, count);
        assertEquals(List.of("7:8:3:1", "9:24:8:42"), seen);
        assertEquals(0, batch.position());
        assertEquals(32, batch.limit());
    }

    @Test
    void forEachRejectsARecordLongerThanTheBatch() {
        ByteBuffer batch = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        batch.putInt(1).putInt(100).flip();
        batch.limit(16);

        assertThrows(IllegalArgumentException.class, () -> RingBuffer.forEach(batch, (r, b, o, l) -> { }));
    }
}
