package io.huatuo.jmx.testing;

import io.huatuo.jmx.bpf.Bpf;
import io.huatuo.jmx.bpf.BpfException;
import io.huatuo.jmx.bpf.Btf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Support for kernel tests: they run as root with BPF, skip elsewhere, and fail under CI=true. */
public final class Kernel {
    private Kernel() {
    }

    /** Whether the environment variable CI is "true": kernel tests must run there, never skip. */
    public static boolean isCi() {
        return "true".equals(System.getenv("CI"));
    }

    /** Returns if this process is root and BPF works; otherwise skips the test, or fails it under CI. */
    public static void assumeRootAndBpf() {
        String why = !isRoot() ? "not running as root"
                : !Bpf.isAvailable() ? "BPF is not available: " + Bpf.unavailabilityCause() : null;
        if (why == null) {
            return;
        }
        if (isCi()) {
            Assertions.fail("kernel test cannot run (CI=true, so this is a failure): " + why,
                    Bpf.unavailabilityCause());
        }
        Assumptions.abort("kernel test skipped: " + why);
    }

    /**
     * How much slower than a real machine this one is, for latency bounds: HUATUO_TEST_TIME_SCALE,
     * default 1. The QEMU guests of ./dev.sh test-kernels (TCG emulation) set 3.
     */
    public static int timeScale() {
        String v = System.getenv("HUATUO_TEST_TIME_SCALE");
        try {
            return v == null ? 1 : Math.max(1, Integer.parseInt(v));
        } catch (NumberFormatException e) {
            throw new AssertionError("HUATUO_TEST_TIME_SCALE must be a whole number, got " + v);
        }
    }

    /** Whether the running kernel is at least major.minor (from its release, e.g. 6.1.0-57-cloud-amd64). */
    public static boolean atLeast(int major, int minor) {
        try {
            String[] v = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip().split("[.-]");
            int ma = Integer.parseInt(v[0]);
            int mi = Integer.parseInt(v[1]);
            return ma > major || ma == major && mi >= minor;
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("cannot read the kernel release", e);
        }
    }

    /** Whether /proc/kallsyms (modules included) has a symbol of that name, e.g. a driver's function. */
    public static boolean hasSymbol(String name) {
        return kallsymsNames().anyMatch(name::equals);
    }

    /**
     * The kernel's tracepoints, told independently of BTF by their __traceiter_&lt;name&gt; functions in
     * /proc/kallsyms (kernels before 5.10 have no such functions; the matrix starts at 5.10).
     */
    public static Set<String> tracepoints() {
        return kallsymsNames().filter(n -> n.startsWith("__traceiter_")).map(n -> n.substring("__traceiter_".length()))
                .collect(Collectors.toSet());
    }

    private static Stream<String> kallsymsNames() {
        try {
            return Files.readAllLines(Path.of("/proc/kallsyms")).stream().map(l -> l.split("\\s+")[2]);
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/kallsyms", e);
        }
    }

    /** Whether the kernel's BTF has drop reasons (enum skb_drop_reason, Linux 5.17+). */
    public static boolean hasDropReasons() {
        return btfHas(() -> Btf.vmlinuxEnum("skb_drop_reason"));
    }

    /** Whether the kernel's BTF describes per-CPU variables (softirq_off reads preempt_count through them). */
    public static boolean hasPercpuBtf() {
        return btfHas(() -> Btf.vmlinuxPercpuVarOffset("runqueues"));
    }

    private static boolean btfHas(Runnable lookup) {
        try {
            lookup.run();
            return true;
        } catch (BpfException e) {
            return false;
        }
    }

    /**
     * Skips a test whose own BPF tool (the shim's test object, the spinner) calls bpf_loop, which
     * kernels before 5.17 do not have: a limit of the test's tool, not of huatuo-jmx, so it skips
     * with that reason even under CI (the kernel matrix counts it as skipped).
     */
    public static void assumeBpfLoop() {
        boolean has = btfHas(() -> {
            if (!Btf.vmlinuxEnum("bpf_func_id").containsKey("BPF_FUNC_loop")) {
                throw new BpfException("no BPF_FUNC_loop");
            }
        });
        Assumptions.assumeTrue(has, "the test's BPF object needs bpf_loop (Linux 5.17+), this kernel has none");
    }

    private static boolean isRoot() {
        try {
            // "Uid:	real	effective	saved	fs"
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:"))
                    .anyMatch(l -> l.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
