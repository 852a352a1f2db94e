package io.huatuo.jmx.tracer.ras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.stream.Stream;
import javax.management.Notification;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hardware errors injected through the kernel's own injectors, in a guest only (failsafe leaves *VmIT
 * out on the host; nobody injects hardware errors into the machine the tests run on): a machine
 * check by mce-inject's software injection (the record goes the kernel's whole logging path, on
 * kernels with CONFIG_X86_MCE, Debian's 6.12 here), and PCIe AER errors by aer_inject into the
 * guest's PCIe root port (the kernel's AER driver handles them as if the port had raised them).
 * Memory controller (EDAC) errors cannot be injected: a VM has no EDAC-capable memory controller.
 */
class RasVmIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MCE_INJECT = Path.of("/sys/kernel/debug/mce-inject");
    private static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        daemon = TestDaemon.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void machineChecksFromMceInjectAreReportedWithSeverityAndLocation() throws Exception {
        assumeTracepoint("mce_record");
        Shell.check("modprobe", "mce-inject");
        BlockingQueue<Notification> q = daemon.subscribe(Ras.NAME);
        // VAL | EN | ADDRV, a corrected memory read error in bank 1 of CPU 0
        long corrected = 0x9400000000000134L;
        injectMce(corrected, 0x1234000L, 1);
        CompositeData e = TestDaemon.await(q, 60_000, cd -> "MCE".equals(cd.get("event")));
        System.out.println("ras MCE: " + e.values());
        assertEquals("CPU/MEM", e.get("dev"));
        assertEquals("Corrected", e.get("type"));
        assertEquals(0, e.get("cpu"));
        assertEquals("0x1234000", e.get("address"));
        JsonNode info = JSON.readTree((String) e.get("info"));
        assertEquals(1, info.get("bank").asInt());
        assertEquals(Long.toUnsignedString(corrected), info.get("banks_msr_status").bigIntegerValue().toString());
        assertEquals(0, info.get("cpu").asInt());

        // VAL | UC | EN | PCC without ADDRV: uncorrected, context corrupt; no address, so the kernel
        // does not take a page offline for it
        injectMce(0xb200000000000135L, 0, 2);
        e = TestDaemon.await(q, 60_000, cd -> "MCE".equals(cd.get("event")));
        assertEquals("UncorrectedFatal", e.get("type"));
        assertEquals("", e.get("address"));
        assertEquals(2, JSON.readTree((String) e.get("info")).get("bank").asInt());
        daemon.awaitRecord(Ras.NAME, "\"event\": \"MCE\"");
    }

    @Test
    void pcieErrorsFromAerInjectAreReportedWithTheDeviceAndReason() throws Exception {
        assumeTracepoint("aer_event");
        String port = aerPort();
        Shell.check("modprobe", "aer_inject");
        BlockingQueue<Notification> q = daemon.subscribe(Ras.NAME);
        injectAer(port, 0, 1, new int[4]); // correctable: Receiver Error
        CompositeData e = TestDaemon.await(q, 60_000, cd -> "AER".equals(cd.get("event")));
        System.out.println("ras AER: " + e.values());
        assertEquals("PCIe " + port, e.get("dev"));
        assertEquals("Corrected", e.get("type"));
        JsonNode info = JSON.readTree((String) e.get("info"));
        assertEquals("Receiver Error", info.get("err_reason").asText());
        assertEquals(port, info.get("dev_name").asText());

        // uncorrectable, non-fatal by default: Unsupported Request, whose TLP header the port logs
        injectAer(port, 1 << 20, 0, new int[] {0x4a000001, 0x0000000f, 0x12345678, 0x9abcdef0});
        e = TestDaemon.await(q, 60_000, cd -> "AER".equals(cd.get("event")));
        assertEquals("UncorrectedRecoverable", e.get("type"));
        info = JSON.readTree((String) e.get("info"));
        assertEquals("Unsupported Request Error", info.get("err_reason").asText());
        assertEquals("4a000001 0000000f 12345678 9abcdef0", info.get("tlp_header").asText());
        daemon.awaitRecord(Ras.NAME, "\"dev\": \"PCIe " + port + "\"");
        TestDaemon.Counts c = daemon.settledCounts(Ras.NAME);
        assertTrue(c.occurrences() >= 2 && c.events() >= 2, c.toString());
    }

    /** Software injection: the record goes through mce_log and the kernel's decoder chain, no hardware touched. */
    private static void injectMce(long status, long addr, int bank) throws IOException {
        write("flags", "sw"); // software injection
        write("status", "0x" + Long.toHexString(status));
        write("addr", "0x" + Long.toHexString(addr));
        write("misc", "0");
        write("cpu", "0");
        write("bank", String.valueOf(bank)); // writing the bank injects
    }

    /** One mce-inject file, as echo writes it: its flags file cuts the last byte, expecting a newline. */
    private static void write(String file, String value) throws IOException {
        Files.writeString(MCE_INJECT.resolve(file), value + "\n");
    }

    /** One struct aer_error_inj (drivers/pci/pcie/aer_inject.c) written to /dev/aer_inject. */
    private static void injectAer(String bdf, int uncorStatus, int corStatus, int[] headerLog) throws IOException {
        String[] p = bdf.split("[:.]");
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
        b.put((byte) Integer.parseInt(p[1], 16)).put((byte) Integer.parseInt(p[2], 16))
                .put((byte) Integer.parseInt(p[3], 16)).put((byte) 0);
        b.putInt(uncorStatus).putInt(corStatus);
        for (int h : headerLog) {
            b.putInt(h);
        }
        b.putInt(Integer.parseInt(p[0], 16));
        try (OutputStream out = Files.newOutputStream(Path.of("/dev/aer_inject"))) {
            out.write(b.array());
        }
    }

    /**
     * The guest's own PCIe root port for injection, as domain:bus:dev.fn: QEMU's pcie-root-port
     * (1b36:000c) with the kernel's AER service and no device behind it, so that no error, and no
     * recovery the AER driver runs for one, ever reaches the root disk or another device in use.
     */
    private static String aerPort() throws IOException {
        List<String> aerPorts;
        try (Stream<Path> s = Files.list(Path.of("/sys/bus/pci_express/devices"))) {
            aerPorts = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(":pcie002"))
                    .map(n -> n.substring(0, n.length() - ":pcie002".length())).sorted().toList();
        }
        String port = aerPorts.stream().filter(RasVmIT::isEmptyQemuRootPort).findFirst().orElse(null);
        if (port == null) {
            fail("no empty QEMU PCIe root port among the ports with the kernel's AER service " + aerPorts
                    + " (the guest needs a pcie-root-port)");
        }
        return port;
    }

    private static boolean isEmptyQemuRootPort(String bdf) {
        Path dev = Path.of("/sys/bus/pci/devices", bdf);
        try (Stream<Path> children = Files.list(dev.toRealPath())) {
            return "0x1b36".equals(Files.readString(dev.resolve("vendor")).trim())
                    && "0x000c".equals(Files.readString(dev.resolve("device")).trim())
                    // a device behind it is a subdirectory named by its address (its port services,
                    // <bdf>:pcie00N, are subdirectories too, and do not count)
                    && children.noneMatch(c -> c.getFileName().toString()
                            .matches("\\p{XDigit}{4}:\\p{XDigit}{2}:\\p{XDigit}{2}\\.[0-7]"));
        } catch (IOException e) {
            return false;
        }
    }

    private static void assumeTracepoint(String name) {
        Assumptions.assumeTrue(Kernel.tracepoints().contains(name), "this kernel has no " + name + " tracepoint");
    }

    private static void fail(String why) {
        if (Kernel.isCi()) {
            Assertions.fail("guest test cannot run (CI=true): " + why);
        }
        Assumptions.abort(why);
    }
}
