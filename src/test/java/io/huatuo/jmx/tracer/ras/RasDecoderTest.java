package io.huatuo.jmx.tracer.ras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.tracer.TracerContext;
import io.huatuo.jmx.tracer.TracerTesting;
import io.huatuo.jmx.tracer.ras.RasBpf.RasEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ras decoder on records laid out as the object's BTF has them (the generated layout, which
 * prepareDecoder checks against the object), one per source, and the choice of programs per kernel;
 * no root needed, the object is only opened. Real errors are injected in guests (RasVmIT).
 */
class RasDecoderTest {
    private static final int AT = 8; // records are decoded at an offset, as the ring poller hands them over
    private static final ObjectMapper JSON = new ObjectMapper();
    private BpfObject object;
    private Ras ras;

    @BeforeEach
    void prepare() {
        object = BpfObject.openResource(Ras.NAME);
        ras = new Ras(tp -> true);
        TracerTesting.prepareDecoder(ras, context(), object);
    }

    @AfterEach
    void close() {
        object.close();
    }

    private static TracerContext context() {
        return new TracerContext(HuatuoConfig.defaults(TracerRegistry.ALL), null, e -> true);
    }

    private static ByteBuffer record(int source) {
        ByteBuffer b = ByteBuffer.allocate(AT + RasEvent.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        return b.putInt(AT + RasEvent.SOURCE_OFFSET, source);
    }

    private Event decode(ByteBuffer b) {
        return ras.decode(b, AT, RasEvent.SIZE).builder().hostname("h").build();
    }

    private static JsonNode info(Event e) throws Exception {
        return JSON.readTree((String) e.get("info"));
    }

    @Test
    void aMachineCheckOfAMemoryReadIsUncorrectedRecoverableWithItsAddress() throws Exception {
        // VAL | UC | EN | MISCV | ADDRV | S | AR, MCACOD 0x134 (data read), as mce-inject's examples have it
        long status = 0xbd80000000100134L;
        ByteBuffer b = record(RasBpf.MCE).putLong(AT + RasEvent.STATUS_OFFSET, status)
                .putLong(AT + RasEvent.ADDR_OFFSET, 0x1234000L).putLong(AT + RasEvent.MCGCAP_OFFSET, 0x1000c0aL)
                .putLong(AT + RasEvent.MCGSTATUS_OFFSET, 5).putInt(AT + RasEvent.CPU_OFFSET, 1)
                .putInt(AT + RasEvent.SOCKETID_OFFSET, 0).putInt(AT + RasEvent.APICID_OFFSET, 2)
                .put(AT + RasEvent.BANK_OFFSET, (byte) 1);
        Event e = decode(b);
        assertEquals("CPU/MEM", e.get("dev"));
        assertEquals("MCE", e.get("event"));
        assertEquals("UncorrectedRecoverable", e.get("type"));
        assertEquals(1, e.get("cpu"));
        assertEquals("0x1234000", e.get("address"));
        JsonNode info = info(e);
        assertEquals(Long.toUnsignedString(status), info.get("banks_msr_status").bigIntegerValue().toString(),
                "the full 64 bits, unsigned");
        assertEquals(1, info.get("bank").asInt());
        assertEquals(0x1000c0aL, info.get("mcg_cpu_cap").asLong());
        assertEquals(2, info.get("apicid").asInt());
    }

    @Test
    void machineCheckSeverities() {
        long val = 1L << 63;
        long uc = 1L << 61;
        long pcc = 1L << 57;
        long deferred = 1L << 44;
        assertEquals("Corrected", Ras.mceType(val | 0x17a, 0));
        assertEquals("UncorrectedFatal", Ras.mceType(val | uc | pcc, 0));
        assertEquals("UncorrectedRecoverable", Ras.mceType(val | uc, 0));
        assertEquals("UncorrectedDeferred", Ras.mceType(val | deferred, 2), "AMD's deferred error");
        assertEquals("Corrected", Ras.mceType(val | deferred, 0), "on Intel bit 44 is part of the error count");
    }

    @Test
    void aCorrectedMachineCheckWithoutAddressHasNone() {
        Event e = decode(record(RasBpf.MCE).putLong(AT + RasEvent.STATUS_OFFSET, 0x9000000000000000L)
                .putLong(AT + RasEvent.ADDR_OFFSET, 0xdead000L));
        assertEquals("Corrected", e.get("type"));
        assertEquals("", e.get("address"), "MCi_ADDR is not valid without ADDRV");
    }

    @Test
    void aMemoryControllerErrorNamesItsDimm() throws Exception {
        ByteBuffer b = record(RasBpf.EDAC).putInt(AT + RasEvent.SEVERITY_OFFSET, 0)
                .putInt(AT + RasEvent.ERROR_COUNT_OFFSET, 3).putLong(AT + RasEvent.ADDR_OFFSET, 0x7f3e5000L)
                .putLong(AT + RasEvent.MISC_OFFSET, 0x42).put(AT + RasEvent.MC_INDEX_OFFSET, (byte) 1)
                .put(AT + RasEvent.LAYER_OFFSET, (byte) 0).put(AT + RasEvent.LAYER_OFFSET + 1, (byte) 2)
                .put(AT + RasEvent.LAYER_OFFSET + 2, (byte) -1).put(AT + RasEvent.GRAIN_BITS_OFFSET, (byte) 6);
        b.put(AT + RasEvent.MSG_OFFSET, "memory read error".getBytes(StandardCharsets.US_ASCII));
        b.put(AT + RasEvent.LABEL_OFFSET, "CPU_SrcID#0_MC#1_Chan#2_DIMM#0".getBytes(StandardCharsets.US_ASCII));
        b.put(AT + RasEvent.DETAIL_OFFSET, "ProcessorSocketId:0x0 \"quoted\"".getBytes(StandardCharsets.US_ASCII));
        Event e = decode(b);
        assertEquals("MEM CPU_SrcID#0_MC#1_Chan#2_DIMM#0", e.get("dev"));
        assertEquals("EDAC", e.get("event"));
        assertEquals("Corrected", e.get("type"));
        assertEquals(-1, e.get("cpu"));
        assertEquals("0x7f3e5000", e.get("address"));
        JsonNode info = info(e);
        assertEquals(3, info.get("error_count").asInt());
        assertEquals("memory read error", info.get("error_msg").asText());
        assertEquals(2, info.get("mid_layer").asInt());
        assertEquals(-1, info.get("low_layer").asInt(), "layers are signed, -1 unknown");
        assertEquals(0x42, info.get("syndrome").asInt());
        assertEquals("ProcessorSocketId:0x0 \"quoted\"", info.get("driver_detail").asText(), "escaped, not broken");
        assertEquals("UncorrectedFatal", decode(record(RasBpf.EDAC).putInt(AT + RasEvent.SEVERITY_OFFSET, 3))
                .get("type"));
        assertEquals("MEM mc0", decode(record(RasBpf.EDAC)).get("dev"), "no label: the controller");
    }

    @Test
    void aPcieErrorNamesTheDeviceAndItsReasons() throws Exception {
        ByteBuffer b = record(RasBpf.AER).putLong(AT + RasEvent.STATUS_OFFSET, (1L << 14) | (1L << 20))
                .putInt(AT + RasEvent.SEVERITY_OFFSET, 0).put(AT + RasEvent.TLP_VALID_OFFSET, (byte) 1)
                .putInt(AT + RasEvent.TLP_OFFSET, 0x4a000001).putInt(AT + RasEvent.TLP_OFFSET + 12, 0xdeadbeef);
        b.put(AT + RasEvent.DEV_OFFSET, "0000:3b:00.0".getBytes(StandardCharsets.US_ASCII));
        Event e = decode(b);
        assertEquals("PCIe 0000:3b:00.0", e.get("dev"));
        assertEquals("AER", e.get("event"));
        assertEquals("UncorrectedRecoverable", e.get("type"));
        assertEquals("", e.get("address"));
        JsonNode info = info(e);
        assertEquals("0000:3b:00.0", info.get("dev_name").asText());
        assertEquals("Completion Timeout, Unsupported Request Error", info.get("err_reason").asText());
        assertEquals("4a000001 00000000 00000000 deadbeef", info.get("tlp_header").asText());

        ByteBuffer c = record(RasBpf.AER).putLong(AT + RasEvent.STATUS_OFFSET, 1).putInt(AT + RasEvent.SEVERITY_OFFSET, 2);
        c.put(AT + RasEvent.DEV_OFFSET, "0000:00:1c.0".getBytes(StandardCharsets.US_ASCII));
        Event corrected = decode(c);
        assertEquals("Corrected", corrected.get("type"));
        assertEquals("Receiver Error", info(corrected).get("err_reason").asText());
        assertEquals("not available", info(corrected).get("tlp_header").asText());
        assertEquals("UncorrectedFatal", decode(record(RasBpf.AER).putInt(AT + RasEvent.SEVERITY_OFFSET, 1)).get("type"));
    }

    @Test
    void aRecordOfUnknownSourceOrTooShortIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> decode(record(9)));
        assertTrue(e.getMessage().contains("unknown source 9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ras.decode(record(1), AT, 100));
        assertTrue(e.getMessage().contains("100 bytes"), e.getMessage());
    }

    @Test
    void probeNamesTheTracepointsInUseAndTheMissingOnes() {
        assertEquals("tp_btf/mce_record, tp_btf/mc_event, tp_btf/aer_event", Ras.describe(Ras.SOURCES));
        assertEquals("tp_btf/mc_event (not in this kernel: mce_record, aer_event)",
                Ras.describe(List.of(Ras.SOURCES.get(1))));
    }

    @Test
    void aKernelWithoutAnyOfTheTracepointsIsRefusedBeforeLoading() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TracerTesting.prepareDecoder(new Ras(tp -> false), context(), object));
        assertTrue(e.getMessage().startsWith("none of these tracepoints is in this kernel"), e.getMessage());
    }
}
