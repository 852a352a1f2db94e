package io.huatuo.jmx.tracer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small reads of /proc/sys and /sys values. */
public final class KernelFiles {
    /** Longer than any number's line (20 digits, a sign, a line break): a longer first line is no number. */
    static final int MAX_LINE = 32;

    private KernelFiles() {
    }

    /** The number in the first line of {@code p}, or -1 when it is missing or not a number. */
    public static long readLong(Path p) {
        // Attribute getters call this on every poll: one small buffer, not a reader's 8 K chars and bytes
        // (Files.readAllLines). Not Files.readAllBytes either: on /proc/sys files (size 0) JDK 17 gets one byte.
        byte[] b = new byte[MAX_LINE];
        int n;
        try (InputStream in = Files.newInputStream(p)) {
            n = in.readNBytes(b, 0, b.length);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        int end = 0;
        while (end < n && b[end] != '\n') {
            end++;
        }
        if (end == b.length) {
            return -1; // no line break within MAX_LINE bytes
        }
        try {
            return Long.parseLong(new String(b, 0, end, StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
