package io.huatuo.jmx.bpf;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.util.Map;

/**
 * Facts from the running kernel's BTF ({@code /sys/kernel/btf/vmlinux}), read and parsed in Java; no privileges
 * needed. The parsed BTF (a few MiB) is cached weakly: the tracers ask their questions at start, and the
 * daemon's one collection after start gives the memory back.
 *
 * <p>Thread-safe.
 */
public final class Btf {
    private static WeakReference<BtfData> vmlinux = new WeakReference<>(null);

    private Btf() {
    }

    /**
     * The constants of a kernel enum, in BTF order, with their names as BTF has them, e.g.
     * {@code vmlinuxEnum("skb_drop_reason")} gives {@code SKB_DROP_REASON_NO_SOCKET=3, ...}.
     *
     * @throws BpfException if the kernel BTF cannot be read or has no such enum
     */
    public static Map<String, Long> vmlinuxEnum(String enumName) {
        return vmlinux().enumValues(enumName);
    }

    /**
     * The offset of a per-CPU variable inside the DATASEC {@code .data..percpu}, e.g. {@code __preempt_count}. With
     * the offset of {@code runqueues} a BPF program can find this CPU's copy without a ksym (which needs
     * {@code CONFIG_KALLSYMS_ALL}).
     *
     * @throws BpfException if the kernel BTF cannot be read or has no such variable
     */
    public static long vmlinuxPercpuVarOffset(String var) {
        return vmlinux().datasecVarOffset(".data..percpu", var);
    }

    /**
     * Whether the kernel has the tracepoint {@code name} (e.g. {@code mce_record}) for a {@code tp_btf} program: its
     * {@code btf_trace_<name>} typedef is in vmlinux BTF (tracepoints of modules are not looked for). A tracepoint the
     * kernel was built without stops the whole object's load, so an object with optional tracepoints asks first.
     *
     * @throws BpfException if the kernel BTF cannot be read
     */
    public static boolean vmlinuxHasTracepoint(String name) {
        return vmlinux().hasType(BtfData.KIND_TYPEDEF, "btf_trace_" + name);
    }

    /**
     * The layout of a kernel struct, e.g. {@code pcpu_hot}: member offsets as this kernel has them.
     *
     * @throws BpfException if the kernel BTF cannot be read or has no such struct
     */
    public static StructLayout vmlinuxStruct(String name) {
        return vmlinux().structLayout(name);
    }

    private static synchronized BtfData vmlinux() {
        BtfData btf = vmlinux.get();
        if (btf == null) {
            try {
                btf = BtfData.parse(readFully(), "vmlinux BTF");
            } catch (IOException e) {
                throw new BpfException("vmlinux BTF: cannot read " + Bpf.VMLINUX_BTF + ": " + e.getMessage(), e);
            }
            vmlinux = new WeakReference<>(btf);
        }
        return btf;
    }

    /*
     * Not Files.readAllBytes: NIO reads through a temporary direct buffer as large as the read, and
     * keeps it cached in the reading thread for good (5.5 MiB of native memory in the daemon's main thread).
     */
    private static byte[] readFully() throws IOException {
        try (InputStream in = new FileInputStream(Bpf.VMLINUX_BTF.toFile())) {
            return in.readAllBytes();
        }
    }
}
