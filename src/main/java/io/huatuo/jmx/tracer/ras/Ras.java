package io.huatuo.jmx.tracer.ras;

import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.json.PlainTree;
import io.huatuo.jmx.bpf.Btf;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.event.Field;
import io.huatuo.jmx.event.Schema;
import io.huatuo.jmx.tracer.BpfTracer;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.TracerType;
import io.huatuo.jmx.tracer.ras.RasBpf.Programs;
import io.huatuo.jmx.tracer.ras.RasBpf.RasEvent;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * ras: hardware errors the kernel reports (bpf/ras.bpf.c, record bpf/ras.h): x86 machine checks
 * ({@code mce:mce_record}), memory controller errors through EDAC ({@code ras:mc_event}) and PCIe AER
 * errors ({@code ras:aer_event}), each where the kernel has the tracepoint; {@code Probe} names the ones
 * in use and the ones this kernel lacks, and without any the tracer is UNAVAILABLE. Events follow
 * HUATUO's ras records: {@code dev}, {@code event}, {@code type} (the severity) and {@code info} (the
 * details as JSON), plus the CPU and address where there is one.
 */
public final class Ras extends BpfTracer {
    public static final String NAME = "ras";
    public static final TracerType<RasConfig> TYPE = new TracerType<>(NAME, RasConfig::read, c -> new Ras(),
            Severity.HIGH);

    /** A source: its tracepoint and program. */
    record Source(String tracepoint, String program) {
    }

    static final List<Source> SOURCES = List.of(new Source("mce_record", Programs.RAS_MCE),
            new Source("mc_event", Programs.RAS_EDAC), new Source("aer_event", Programs.RAS_AER));

    public static final Schema SCHEMA = new Schema(NAME, List.of(
            Field.string("dev", "Where: CPU/MEM for a machine check, MEM and the DIMM label (or controller) for a "
                    + "memory controller error, PCIe and the device for an AER error"),
            Field.string("event", "The source: MCE, EDAC or AER"),
            Field.string("type", "Severity: Corrected, UncorrectedRecoverable, UncorrectedDeferred, UncorrectedFatal "
                    + "or Info"),
            Field.string("info", "The source's details as a JSON object (registers, counts, labels, the AER reason)"),
            Field.int32("cpu", "The CPU a machine check was seen on, -1 for the other sources"),
            Field.string("address", "The physical address of the error (hex), empty when the report has none")));

    // MCi_STATUS bits (Intel SDM vol. 3B 15.3.2.2, AMD APM vol. 2 9.3.2.2)
    private static final long MCI_STATUS_UC = 1L << 61;
    private static final long MCI_STATUS_ADDRV = 1L << 58;
    private static final long MCI_STATUS_PCC = 1L << 57;
    private static final long MCI_STATUS_DEFERRED = 1L << 44; // AMD and Hygon only
    private static final int X86_VENDOR_AMD = 2;
    private static final int X86_VENDOR_HYGON = 9;
    private static final String[] EDAC_TYPES = {"Corrected", "UncorrectedRecoverable", "UncorrectedDeferred",
        "UncorrectedFatal", "Info"};
    // AER_NONFATAL 0, AER_FATAL 1, AER_CORRECTABLE 2 (linux/aer.h)
    private static final String[] AER_TYPES = {"UncorrectedRecoverable", "UncorrectedFatal", "Corrected"};
    /** PCIe AER status bits by severity (PCIe base spec 7.8.4), as the kernel's aer_event trace prints them. */
    private static final Map<Integer, String> AER_CORRECTABLE = Map.of(0, "Receiver Error", 6, "Bad TLP",
            7, "Bad DLLP", 8, "RELAY_NUM Rollover", 12, "Replay Timer Timeout", 13, "Advisory Non-Fatal Error",
            14, "Corrected Internal Error", 15, "Header Log Overflow");
    private static final Map<Integer, String> AER_UNCORRECTABLE = Map.ofEntries(Map.entry(0, "Undefined"),
            Map.entry(4, "Data Link Protocol Error"), Map.entry(5, "Surprise Down Error"), Map.entry(12, "Poisoned TLP"),
            Map.entry(13, "Flow Control Protocol Error"), Map.entry(14, "Completion Timeout"),
            Map.entry(15, "Completer Abort"), Map.entry(16, "Unexpected Completion"),
            Map.entry(17, "Receiver Overflow"), Map.entry(18, "Malformed TLP"), Map.entry(19, "ECRC Error"),
            Map.entry(20, "Unsupported Request Error"), Map.entry(21, "ACS Violation"),
            Map.entry(22, "Uncorrectable Internal Error"), Map.entry(23, "MC Blocked TLP"),
            Map.entry(24, "AtomicOp Egress Blocked"), Map.entry(25, "TLP Prefix Blocked Error"),
            Map.entry(26, "Poisoned TLP Egress Blocked"));

    private final Predicate<String> kernelHasTracepoint;
    private List<Source> present;

    public Ras() {
        this(Btf::vmlinuxHasTracepoint);
    }

    /** @param kernelHasTracepoint whether the kernel has a tracepoint, by name (tests hand in other kernels) */
    Ras(Predicate<String> kernelHasTracepoint) {
        super(SCHEMA, RasBpf.CONTRACT);
        this.kernelHasTracepoint = kernelHasTracepoint;
    }

    /** The sources this kernel has, in SOURCES order; asked once. */
    private synchronized List<Source> present() {
        if (present == null) {
            present = SOURCES.stream().filter(s -> kernelHasTracepoint.test(s.tracepoint())).toList();
        }
        return present;
    }

    @Override
    protected List<Probe> probes() {
        return List.of(new Probe(describe(present()), present().stream().map(Source::program).toArray(String[]::new)));
    }

    /** How the probe shows in Probe: the tracepoints in use, and the ones this kernel lacks. */
    static String describe(List<Source> present) {
        List<String> used = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Source s : SOURCES) {
            (present.contains(s) ? used : missing).add(s.tracepoint());
        }
        if (used.isEmpty()) {
            return "tp_btf/" + String.join(", tp_btf/", missing);
        }
        return "tp_btf/" + String.join(", tp_btf/", used)
                + (missing.isEmpty() ? "" : " (not in this kernel: " + String.join(", ", missing) + ")");
    }

    @Override
    protected void beforeLoad(BpfObject obj) {
        if (present().isEmpty()) {
            throw new IllegalStateException("none of these tracepoints is in this kernel (built without "
                    + "CONFIG_X86_MCE, CONFIG_RAS and CONFIG_PCIEAER?)");
        }
        for (Source s : SOURCES) {
            if (!present().contains(s)) {
                obj.setAutoload(s.program(), false); // its missing target would fail the whole load
            }
        }
    }

    @Override
    protected int maxRecordBytes() {
        return RasEvent.SIZE;
    }

    @Override
    protected PendingEvent decode(ByteBuffer b, int at, int length) {
        requireRecordBytes(length, RasEvent.SIZE);
        Event.Builder e = Event.builder(SCHEMA).timeMillis(epochMillis(RasEvent.ktimeNs(b, at)));
        int source = RasEvent.source(b, at);
        switch (source) {
            case RasBpf.MCE -> machineCheck(b, at, e);
            case RasBpf.EDAC -> memoryController(b, at, e);
            case RasBpf.AER -> pcieAer(b, at, e);
            default -> throw new IllegalArgumentException("ras record of unknown source " + source);
        }
        // the hardware's report, not a task's doing: no container
        return new PendingEvent(this, e);
    }

    private static void machineCheck(ByteBuffer b, int at, Event.Builder e) {
        long status = RasEvent.status(b, at);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("cpu", RasEvent.cpu(b, at));
        info.put("socketid", RasEvent.socketid(b, at));
        info.put("apicid", RasEvent.apicid(b, at));
        info.put("bank", RasEvent.bank(b, at));
        info.put("banks_msr_status", unsigned(status));
        info.put("banks_msr_addr", unsigned(RasEvent.addr(b, at)));
        info.put("banks_msr_misc", unsigned(RasEvent.misc(b, at)));
        info.put("mcg_status", unsigned(RasEvent.mcgstatus(b, at)));
        info.put("mcg_cpu_cap", unsigned(RasEvent.mcgcap(b, at)));
        info.put("ip", unsigned(RasEvent.ip(b, at)));
        info.put("cpu_vendor", RasEvent.cpuvendor(b, at));
        e.set("dev", "CPU/MEM").set("event", "MCE").set("type", mceType(status, RasEvent.cpuvendor(b, at)))
                .set("info", json(info)).set("cpu", RasEvent.cpu(b, at))
                .set("address", (status & MCI_STATUS_ADDRV) != 0 ? hex(RasEvent.addr(b, at)) : "");
    }

    private static void memoryController(ByteBuffer b, int at, Event.Builder e) {
        String label = RasEvent.label(b, at);
        int mc = RasEvent.mcIndex(b, at);
        long address = RasEvent.addr(b, at);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("error_count", RasEvent.errorCount(b, at));
        info.put("error_msg", RasEvent.msg(b, at));
        info.put("label", label);
        info.put("mc_index", mc);
        info.put("top_layer", RasEvent.layer(b, at, 0));
        info.put("mid_layer", RasEvent.layer(b, at, 1));
        info.put("low_layer", RasEvent.layer(b, at, 2));
        info.put("address", unsigned(address));
        info.put("grain_bits", RasEvent.grainBits(b, at));
        info.put("syndrome", unsigned(RasEvent.misc(b, at)));
        info.put("driver_detail", RasEvent.detail(b, at));
        int severity = RasEvent.severity(b, at);
        e.set("dev", "MEM " + (label.isEmpty() ? "mc" + mc : label)).set("event", "EDAC")
                .set("type", severity < EDAC_TYPES.length ? EDAC_TYPES[severity] : "Type" + severity)
                .set("info", json(info)).set("cpu", -1).set("address", address != 0 ? hex(address) : "");
    }

    private static void pcieAer(ByteBuffer b, int at, Event.Builder e) {
        String dev = RasEvent.dev(b, at);
        int severity = RasEvent.severity(b, at);
        String type = severity < AER_TYPES.length ? AER_TYPES[severity] : "Severity" + severity;
        long status = RasEvent.status(b, at) & 0xffffffffL;
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("dev_name", dev);
        info.put("err_type", type);
        info.put("err_reason", aerReason(status, severity == 2));
        info.put("status", status);
        info.put("tlp_header", RasEvent.tlpValid(b, at) == 0 ? "not available"
                : String.format("%08x %08x %08x %08x", RasEvent.tlp(b, at, 0), RasEvent.tlp(b, at, 1),
                        RasEvent.tlp(b, at, 2), RasEvent.tlp(b, at, 3)));
        e.set("dev", "PCIe " + dev).set("event", "AER").set("type", type).set("info", json(info)).set("cpu", -1)
                .set("address", "");
    }

    /** A machine check's severity from its MCi_STATUS. */
    static String mceType(long status, int cpuVendor) {
        boolean deferredKnown = cpuVendor == X86_VENDOR_AMD || cpuVendor == X86_VENDOR_HYGON;
        if (deferredKnown && (status & MCI_STATUS_DEFERRED) != 0) {
            return "UncorrectedDeferred";
        }
        if ((status & MCI_STATUS_UC) == 0) {
            return "Corrected";
        }
        return (status & MCI_STATUS_PCC) != 0 ? "UncorrectedFatal" : "UncorrectedRecoverable";
    }

    /** The names of the AER status bits set, joined by ", ". */
    static String aerReason(long status, boolean correctable) {
        Map<Integer, String> names = correctable ? AER_CORRECTABLE : AER_UNCORRECTABLE;
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 32; bit++) {
            if ((status & (1L << bit)) != 0) {
                out.add(names.getOrDefault(bit, "bit " + bit));
            }
        }
        return String.join(", ", out);
    }

    private static BigInteger unsigned(long v) {
        return new BigInteger(Long.toUnsignedString(v));
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static String json(Map<String, Object> info) {
        return PlainTree.toJson(info); // numbers and strings
    }
}
