package io.huatuo.jmx.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RingSizeTest {
    private static final int KIB = 1024;

    @Test
    void theDefaultRateLimitKeepsTheCompiledRing() {
        assertEquals(256 * KIB, BpfTracer.ringBytes(256 * KIB, 100, 448));
        assertEquals(64 * KIB, BpfTracer.ringBytes(64 * KIB, 100, 96));
        // 1000 a second of 448-byte records is 45,600 bytes in 100 ms: still the compiled ring
        assertEquals(256 * KIB, BpfTracer.ringBytes(256 * KIB, 1000, 448));
    }

    @Test
    void aRaisedLimitGetsAPowerOfTwoHolding100Ms() {
        // 50,000 a second of 448 + 8 bytes is 2,280,000 bytes in 100 ms
        assertEquals(4096 * KIB, BpfTracer.ringBytes(256 * KIB, 50_000, 448));
        // 20,000 a second: 912,000 bytes
        assertEquals(1024 * KIB, BpfTracer.ringBytes(256 * KIB, 20_000, 448));
        // records are 8-aligned in the ring: 97 bytes take 104 + 8; 10,000 a second need 112,000 bytes
        assertEquals(128 * KIB, BpfTracer.ringBytes(64 * KIB, 10_000, 97));
    }

    @Test
    void theRingIsCapped() {
        assertEquals(BpfTracer.MAX_RING_BYTES, BpfTracer.ringBytes(256 * KIB, 1_000_000, 448));
        assertEquals(4096 * KIB, BpfTracer.MAX_RING_BYTES);
    }
}
