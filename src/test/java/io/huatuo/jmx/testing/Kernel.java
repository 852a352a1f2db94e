package io.huatuo.jmx.testing;

import io.huatuo.jmx.bpf.Bpf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
