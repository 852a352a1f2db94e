package io.huatuo.jmx.tracer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small reads of /proc/sys and /sys values. */
public final class KernelFiles {
    private KernelFiles() {
    }

    /** The number in the first line of {@code p}, or -1 when it is missing or not a number. */
    public static long readLong(Path p) {
        try {
            // not Files.readString/readAllBytes: on /proc/sys integer files (size 0) JDK 17 gets only the first byte
            return Long.parseLong(Files.readAllLines(p).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
