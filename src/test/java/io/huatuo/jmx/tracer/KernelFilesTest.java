package io.huatuo.jmx.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelFilesTest {
    @TempDir
    Path dir;

    private long read(String content) throws IOException {
        Path p = dir.resolve("value");
        Files.writeString(p, content, StandardCharsets.US_ASCII);
        return KernelFiles.readLong(p);
    }

    @Test
    void readsTheNumberOfTheFirstLine() throws IOException {
        assertEquals(60, read("60\n"));
        assertEquals(7, read("  7 \nsecond line\n"));
        assertEquals(-5, read("-5"));
        assertEquals(Long.MAX_VALUE, read(Long.MAX_VALUE + "\n"));
        assertEquals(Long.MIN_VALUE, read(Long.MIN_VALUE + "\n"));
    }

    @Test
    void whatIsNoNumberIsMinusOne() throws IOException {
        assertEquals(-1, read(""));
        assertEquals(-1, read("\n"));
        assertEquals(-1, read("abc\n"));
        assertEquals(-1, read("1 2\n"));
        assertEquals(-1, read("99999999999999999999\n")); // beyond a long
        assertEquals(-1, read("1".repeat(KernelFiles.MAX_LINE) + "\n")); // no line break within the buffer
        assertEquals(-1, KernelFiles.readLong(dir.resolve("missing")));
        assertEquals(-1, KernelFiles.readLong(dir)); // a directory
    }

    @Test
    void readsProcSysFilesWhoseSizeIsZero() throws IOException {
        Path pidMax = Path.of("/proc/sys/kernel/pid_max");
        assumeTrue(Files.isReadable(pidMax), "no /proc/sys/kernel/pid_max: not Linux");
        assertEquals(0, Files.size(pidMax));
        long expected = Long.parseLong(Files.readAllLines(pidMax).get(0).trim());
        assertEquals(expected, KernelFiles.readLong(pidMax));
        assertTrue(expected > 0);
    }
}
