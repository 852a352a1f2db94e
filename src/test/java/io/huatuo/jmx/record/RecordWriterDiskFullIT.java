package io.huatuo.jmx.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.security.auth.module.UnixSystem;
import io.huatuo.jmx.testing.CapturedLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk: a 64 KiB tmpfs. Needs root (mount); without root it is skipped, except under
 * CI (CI=true) where a skip would hide that the test never ran, so it fails instead.
 */
class RecordWriterDiskFullIT {

    @TempDir
    Path tmp;

    @Test
    void fullDiskCountsErrorsKeepsEarlierEntriesAndRecovers() throws Exception {
        requireRoot();
        Path mount = Files.createDirectory(tmp.resolve("tiny"));
        run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount.toString());
        try (CapturedLog log = new CapturedLog()) {
            // Room we can give back later, to see the writer recover once space is free again.
            Path filler = mount.resolve("filler");
            Files.write(filler, new byte[16 * 1024]);

            RecordWriter w = new RecordWriter(mount, "dropwatch", 1 << 20, 10);
            int n = 0;
            while (w.writeErrors() == 0 && n < 10_000) {
                w.write(RecordWriterTest.header(n), RecordWriterTest.document(n)); // must not throw
                n++;
            }
            assertTrue(w.writeErrors() > 0, "the 64 KiB tmpfs never filled up");
            long written = w.entriesWritten();
            for (int i = 0; i < 20; i++) {
                w.write(RecordWriterTest.header(n), RecordWriterTest.document(n));
                n++;
            }
            assertEquals(written, w.entriesWritten(), "nothing fits on a full disk");
            assertEquals(21, w.writeErrors());
            assertTrue(w.lastError().startsWith("disk full"), w.lastError());
            assertEquals(1, log.count("record dropwatch: disk full"), log.text());

            // Earlier entries are intact and no half entry was left behind.
            Path file = mount.resolve("record/dropwatch");
            assertEquals(ints(0, (int) written), RecordWriterTest.parse(read(file)));

            Files.delete(filler);
            w.write(RecordWriterTest.header(n), RecordWriterTest.document(n));
            assertEquals(written + 1, w.entriesWritten());
            assertEquals(1, log.count("record dropwatch: writing to"), log.text());
            List<Integer> expected = ints(0, (int) written);
            expected.add(n);
            assertEquals(expected, RecordWriterTest.parse(read(file)));
        } finally {
            if (run("umount", mount.toString()) != 0) {
                run("umount", "-l", mount.toString());
            }
        }
    }

    private static void requireRoot() {
        if (new UnixSystem().getUid() == 0) {
            return;
        }
        String why = "RecordWriterDiskFullIT needs root to mount a tmpfs";
        if ("true".equals(System.getenv("CI"))) {
            fail(why + ", and CI=true: this test must run under CI");
        }
        Assumptions.abort(why + "; skipped (not root)");
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        if (p.exitValue() != 0 && "mount".equals(command[0])) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
        return p.exitValue();
    }

    private static List<Integer> ints(int from, int to) {
        return IntStream.range(from, to).boxed().collect(Collectors.toList());
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
