package io.huatuo.jmx.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;

/** Reads and writes /proc/sys for kernel tests that must change (and restore) a sysctl. */
public final class Sysctl {
    private Sysctl() {
    }

    private static Path path(String name) {
        return Path.of("/proc/sys", name.replace('.', '/'));
    }

    public static String read(String name) {
        try {
            // not Files.readString: on /proc/sys (size 0) it returns only the first byte on JDK 17
            return String.join("\n", Files.readAllLines(path(name))).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("read sysctl " + name, e);
        }
    }

    public static void write(String name, String value) {
        try {
            Files.writeString(path(name), value);
        } catch (IOException e) {
            throw new UncheckedIOException("write sysctl " + name + "=" + value, e);
        }
    }

    /** Fails the test (never provokes anything) unless a *_panic sysctl is 0. */
    public static void requireZero(String name) {
        Assertions.assertEquals("0", read(name), name + " must be 0 before provoking it (kernel.panic would reboot)");
    }
}
