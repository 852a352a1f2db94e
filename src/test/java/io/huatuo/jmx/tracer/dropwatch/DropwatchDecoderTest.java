package io.huatuo.jmx.tracer.dropwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.CapturedRecord;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.RecordFields;
import io.huatuo.jmx.tracer.TracerContext;
import io.huatuo.jmx.tracer.TracerTesting;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dropwatch decoder on a record captured from the kernel; no root needed (the object is only opened). */
class DropwatchDecoderTest {
    private BpfObject object;
    private Dropwatch dropwatch;

    @BeforeEach
    void prepare() {
        object = BpfObject.openResource("dropwatch");
        dropwatch = new Dropwatch(List.of("QUEUE_PURGE"), null, true, true);
        TracerTesting.prepareDecoder(dropwatch, new TracerContext(HuatuoConfig.defaults(TracerRegistry.ALL), null, e -> true), object);
    }

    @AfterEach
    void close() {
        object.close();
    }

    static ByteBuffer captured(String name) throws IOException {
        return CapturedRecord.load("/dropwatch/" + name);
    }

    @Test
    void decodesACapturedNoSocketDrop() throws IOException {
        ByteBuffer b = captured("no_socket_lo.hex");
        PendingEvent p = dropwatch.decode(b, 16, 448);
        p.builder().hostname("h").set("stack", "-");
        Event e = p.builder().build();
        assertEquals("NO_SOCKET", e.get("reason"));
        assertEquals("no_socket", e.get("type"));
        assertEquals("127.0.0.1", e.get("saddr"));
        assertEquals("127.0.0.1", e.get("daddr"));
        assertEquals(38536, e.get("sport"));
        assertEquals(9, e.get("dport"));
        assertEquals(14845, e.get("pid"));
        assertEquals("nc", e.get("comm"));
        assertEquals(0x99bcedd1L, e.get("seq"));
        assertEquals(0L, e.get("ack_seq"));
        assertEquals(40, e.get("pkt_len"));
        assertEquals("", e.get("state"));
        assertEquals("lo", e.get("ifname"));
        assertTrue((Long) e.get("netns") > 0);
        assertEquals(26, p.stackIps().length, "stack_bytes 208 = 26 frames");
        assertTrue(p.stackIps()[0] < 0, "kernel addresses are in the upper half");
        assertEquals(List.of("src_hostname", "dest_hostname"),
                p.dnsRequests().stream().map(PendingEvent.DnsRequest::field).toList());
    }

    @Test
    void rejectsAShortRecord() throws IOException {
        ByteBuffer b = captured("no_socket_lo.hex");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dropwatch.decode(b, 16, 100));
        assertTrue(e.getMessage().contains("100 bytes"), e.getMessage());
    }

    @Test
    void anExcludedReasonThisKernelLacksIsIgnoredWithAWarningNamingFileAndKey() {
        Map<String, Integer> kernel = Map.of("NO_SOCKET", 3, "TCP_CLOSE", 5);
        Dropwatch.Excluded x = Dropwatch.excluded(List.of("QUEUE_PURGE", "TCP_CLOSE"), kernel,
                "/etc/huatuo-jmx/huatuo-jmx.yaml: tracers.dropwatch.excludeReasons");
        assertEquals(List.of("TCP_CLOSE"), x.inEffect());
        assertEquals("/etc/huatuo-jmx/huatuo-jmx.yaml: tracers.dropwatch.excludeReasons: drop reason QUEUE_PURGE"
                + " unknown to this kernel, ignored; excluded here: TCP_CLOSE (ExcludedReasons)", x.warning());
        assertEquals(new Dropwatch.Excluded(List.of("TCP_CLOSE"), null),
                Dropwatch.excluded(List.of("TCP_CLOSE"), kernel, "f: k"));
        assertTrue(Dropwatch.excluded(List.of("A", "B"), kernel, null).warning()
                .startsWith("dropwatch: default excludeReasons: drop reasons A, B unknown"));
    }

    @Test
    void aKernelWithoutDropReasonsExcludesNothingAndSaysSo() {
        Dropwatch.Excluded x = Dropwatch.excluded(List.of("TCP_CLOSE"), Map.of(), "f: k");
        assertEquals(List.of(), x.inEffect());
        assertTrue(x.warning().contains("Linux 5.17"), x.warning());
        assertEquals(new Dropwatch.Excluded(List.of(), null), Dropwatch.excluded(List.of(), Map.of(), "f: k"));
    }


    @Test
    void reasonTypesAndStatesAreNamed() {
        assertEquals("netfilter_drop", Dropwatch.dropType("NETFILTER_DROP"));
        assertEquals("tcp_drop", Dropwatch.dropType("TCP_INVALID_SEQUENCE"));
        assertEquals("socket_overflow", Dropwatch.dropType("TCP_BACKLOG"));
        assertEquals("common_drop", Dropwatch.dropType("NOT_SPECIFIED"));
        assertEquals("SYN_SENT", RecordFields.tcpState(2));
        assertEquals("STATE_99", RecordFields.tcpState(99));
    }
}
