package io.huatuo.jmx.bpf;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this JVM can use BPF: computed once, on first use, by loading the JNI library and then loading and
 * attaching a trivial raw_tp program (the kernel paths the tracers use; {@code bpftool feature probe} is not
 * trusted, it probes with fentry). Callers choose between failing ({@link #ensureAvailable()}) and running without
 * BPF ({@link #isAvailable()}).
 *
 * <p>Thread-safe.
 */
public final class Bpf {
    static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");

    private Bpf() {
    }

    private static final class Availability {
        static final Throwable CAUSE = probe();
    }

    /** Whether BPF programs can be loaded and attached here. */
    public static boolean isAvailable() {
        return Availability.CAUSE == null;
    }

    /** Why BPF is not available, or null if it is. */
    public static Throwable unavailabilityCause() {
        return Availability.CAUSE;
    }

    /**
     * Returns quietly if BPF is available.
     *
     * @throws BpfException with {@link #unavailabilityCause()} as its cause otherwise
     */
    public static void ensureAvailable() {
        Throwable cause = Availability.CAUSE;
        if (cause != null) {
            throw new BpfException("BPF is not available: " + cause.getMessage(), cause);
        }
    }

    /** The running kernel's release, e.g. {@code 6.18.44-fc}. */
    public static String kernelRelease() {
        return System.getProperty("os.version");
    }

    /**
     * The kernel's tick (1/HZ, the unit of {@code bpf_jiffies64()}) in ns: the resolution of CLOCK_MONOTONIC_COARSE,
     * which advances once a tick.
     */
    public static long tickNanos() {
        NativeLibrary.load();
        return BpfNative.tickNanos();
    }

    /** Keeps (or stops keeping) libbpf's debug-level messages in the logs attached to exceptions. */
    public static void setLibbpfDebug(boolean on) {
        NativeLibrary.load();
        BpfNative.setDebug(on);
    }

    /**
     * Switches BPF run-time statistics on (every program's run time and run count, for every program
     * on the machine) until the returned handle is closed: BPF_ENABLE_STATS, which needs CAP_SYS_ADMIN.
     * While on, each run of every BPF program pays two clock reads.
     *
     * @throws BpfException if the kernel refuses (EPERM without CAP_SYS_ADMIN)
     */
    public static StatsOn enableRunTimeStats() {
        NativeLibrary.load();
        int fd = BpfNative.enableRunTimeStats("enable BPF run-time statistics (BPF_ENABLE_STATS)");
        return () -> BpfNative.close(fd);
    }

    /** Run-time statistics held on; closing lets them go off (unless something else holds them). */
    public interface StatsOn extends AutoCloseable {
        @Override
        void close();
    }

    private static Throwable probe() {
        try {
            NativeLibrary.load();
        } catch (UnsatisfiedLinkError e) {
            return e;
        }
        if (!Files.isReadable(VMLINUX_BTF)) {
            return new BpfException(VMLINUX_BTF + " is missing: CO-RE programs need a kernel built with "
                    + "CONFIG_DEBUG_INFO_BTF=y");
        }
        try {
            BpfNative.probe();
            return null;
        } catch (BpfException e) {
            return e;
        }
    }
}
