package io.huatuo.jmx.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.CapturedLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordWriterTest {

    @TempDir
    Path dataDir;

    /** HUATUO's dropwatch record ("宿主本地 record/dropwatch"), with the 2-space indentation we write. */
    private static final String HUATUO_DOCUMENT = String.join("\n",
            "{",
            "  \"hostname\": \"node-1\",",
            "  \"region\": \"zjy04\",",
            "  \"uploaded_time\": \"2025-06-11T16:58:15.100223795+08:00\",",
            "  \"time\": \"2025-06-11 16:58:15.099 +0800\",",
            "  \"tracer_name\": \"dropwatch\",",
            "  \"tracer_time\": \"2025-06-11 16:58:15.099 +0800\",",
            "  \"tracer_type\": \"auto\",",
            "  \"tracer_data\": {",
            "    \"type\": \"common_drop\",",
            "    \"comm\": \"kubelet\",",
            "    \"pid\": 1687046,",
            "    \"state\": \"SYN_SENT\",",
            "    \"stack\": \"kfree_skb/ffffffff9a0cd5c0 [kernel]\\nkfree_skb_list/ffffffff9a0cd670 [kernel]\"",
            "  }",
            "}");

    @Test
    void fileHasHuatuosLayout() throws IOException {
        ZoneId zone = ZoneId.of("Asia/Shanghai");
        long time = ZonedDateTime.of(2025, 6, 11, 16, 58, 15, 99_000_000, zone).toInstant().toEpochMilli();
        try (RecordWriter w = new RecordWriter(dataDir, "dropwatch", 1 << 20, 10)) {
            w.write(RecordHeader.format(time, zone, "node-1", "zjy04", "", "", "", ""), HUATUO_DOCUMENT);
            w.write(RecordHeader.format(time, zone, "node-1", "zjy04", "", "", "", ""), HUATUO_DOCUMENT + "\n");
            assertEquals(2, w.entriesWritten());
            assertEquals(0, w.writeErrors());
            assertEquals(dataDir.resolve("record").resolve("dropwatch"), w.file());
        }
        String entry = "2025-06-11 16:58:15 Host=node-1 Region=zjy04\n" + HUATUO_DOCUMENT + "\n";
        // A document's own trailing line break is not doubled.
        assertEquals(entry + entry, read(dataDir.resolve("record/dropwatch")));
    }

    @Test
    void rotationKeepsExactlyMaxFilesOldFilesWithTheNewestEntries() throws IOException {
        int entryBytes = entry(0).getBytes(StandardCharsets.UTF_8).length;
        try (RecordWriter w = new RecordWriter(dataDir, "oom", 2L * entryBytes, 3)) {
            for (int i = 0; i < 20; i++) {
                w.write(header(i), document(i));
            }
            assertEquals(20, w.entriesWritten());
            assertEquals(0, w.writeErrors());
        }
        Path dir = dataDir.resolve("record");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("oom", "oom.1", "oom.2", "oom.3"),
                    files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
        // Two entries per file, oldest in the highest number: 12..19 survive, in order.
        assertEquals(entry(12) + entry(13), read(dir.resolve("oom.3")));
        assertEquals(entry(14) + entry(15), read(dir.resolve("oom.2")));
        assertEquals(entry(16) + entry(17), read(dir.resolve("oom.1")));
        assertEquals(entry(18) + entry(19), read(dir.resolve("oom")));
    }

    @Test
    void aBatchOfAddedEntriesRotatesBetweenEntriesAndIsCountedPerEntry() throws IOException {
        int entryBytes = entry(0).getBytes(StandardCharsets.UTF_8).length;
        try (RecordWriter w = new RecordWriter(dataDir, "softirq", 2L * entryBytes, 3)) {
            for (int i = 0; i < 5; i++) {
                byte[] doc = document(i).getBytes(StandardCharsets.UTF_8);
                w.add(header(i), out -> out.write(doc));
            }
            assertEquals(0, w.entriesWritten(), "nothing reaches the disk before the flush");
            assertFalse(Files.exists(dataDir.resolve("record/softirq")));
            w.flush();
            assertEquals(5, w.entriesWritten());
            w.add(header(5), out -> {
                throw new IOException("cannot render");
            });
            assertEquals(1, w.writeErrors(), "a document that fails to render is counted");
            w.add(header(6), document(6));
            w.close();
            w.flush();
            assertEquals(2, w.writeErrors(), "an entry flushed after close is counted");
        }
        Path dir = dataDir.resolve("record");
        assertEquals(entry(0) + entry(1), read(dir.resolve("softirq.2")));
        assertEquals(entry(2) + entry(3), read(dir.resolve("softirq.1")));
        assertEquals(entry(4), read(dir.resolve("softirq")));
    }

    @Test
    void oversizeEntryIsWrittenWholeIntoAFreshFile() throws IOException {
        String big = "{\n  \"stack\": \"" + "x".repeat(500) + "\"\n}";
        try (RecordWriter w = new RecordWriter(dataDir, "hungtask", 200, 5)) {
            w.write("H big-first", big);  // into the empty file
            w.write(header(1), document(1));
            w.write("H big", big);
            w.write(header(2), document(2));
            assertEquals(4, w.entriesWritten());
            assertEquals(0, w.writeErrors());
        }
        Path dir = dataDir.resolve("record");
        assertEquals("H big-first\n" + big + "\n", read(dir.resolve("hungtask.3")));
        assertEquals(entry(1), read(dir.resolve("hungtask.2")));
        assertEquals("H big\n" + big + "\n", read(dir.resolve("hungtask.1")));
        assertEquals(entry(2), read(dir.resolve("hungtask")));
    }

    @Test
    void uncreatableDirectoryIsCountedLoggedOnceAndRetriedAfterTenSeconds() throws IOException {
        Path blocker = dataDir.resolve("data");
        Files.writeString(blocker, "a regular file where the data directory should be");
        AtomicLong clock = new AtomicLong(1_000);
        try (CapturedLog log = new CapturedLog();
             RecordWriter w = new RecordWriter(blocker, "netdev", 1 << 20, 10, clock::get)) {
            for (int i = 0; i < 5; i++) {
                clock.addAndGet(TimeUnit.SECONDS.toNanos(11)); // past the retry delay: really tried each time
                w.write(header(i), document(i));
            }
            assertEquals(5, w.writeErrors());
            assertEquals(0, w.entriesWritten());
            assertNotNull(w.lastError());
            assertTrue(w.lastError().startsWith("cannot create or open the record file"), w.lastError());
            assertEquals(1, log.count("record netdev: cannot create or open"), log.text());

            Files.delete(blocker);
            w.write(header(5), document(5));  // the last failure was just now: not retried yet
            assertEquals(6, w.writeErrors());
            assertFalse(Files.exists(blocker));

            clock.addAndGet(TimeUnit.SECONDS.toNanos(RecordWriter.DIRECTORY_RETRY_SECONDS));
            w.write(header(6), document(6));
            w.write(header(7), document(7));
            assertEquals(6, w.writeErrors());
            assertEquals(2, w.entriesWritten());
            assertEquals(1, log.count("record netdev: writing to"), log.text());
            assertEquals(entry(6) + entry(7), read(blocker.resolve("record/netdev")));
        }
    }

    @Test
    void failureKindIsLoggedAgainAfterARecovery() throws IOException {
        try (CapturedLog log = new CapturedLog()) {
            RecordWriter w = new RecordWriter(dataDir, "lacp", 1 << 20, 10);
            w.close();
            w.write(header(0), document(0));
            w.write(header(1), document(1));
            assertEquals(2, w.writeErrors());
            assertEquals(1, log.count("writer is closed"), log.text());
        }
        // A successful write resets "logged once": the same failure afterwards is logged again.
        Path record = dataDir.resolve("record");
        AtomicLong clock = new AtomicLong();
        try (CapturedLog log = new CapturedLog();
             RecordWriter w = new RecordWriter(dataDir, "lacp", 1 << 20, 10, clock::get)) {
            w.write(header(0), document(0));
            deleteTree(record);
            Files.writeString(record, "blocker");
            w.write(header(1), document(1));
            Files.delete(record);
            clock.addAndGet(TimeUnit.SECONDS.toNanos(10));
            w.write(header(2), document(2));   // recovered: the directory is created again
            Files.move(record, dataDir.resolve("moved"));
            Files.writeString(record, "blocker");
            clock.addAndGet(TimeUnit.SECONDS.toNanos(10));
            w.write(header(3), document(3));
            assertEquals(2, w.writeErrors());
            assertEquals(2, w.entriesWritten());
            assertEquals(2, log.count("record lacp: cannot create or open"), log.text());
            assertEquals(1, log.count("record lacp: writing to"), log.text());
        }
    }

    @Test
    void renameFailureDropsTheEntryCountsItAndRecovers() throws IOException {
        int entryBytes = entry(0).getBytes(StandardCharsets.UTF_8).length;
        Path dir = dataDir.resolve("record");
        Path obstacle = dir.resolve("memreclaim.2");
        try (CapturedLog log = new CapturedLog();
             RecordWriter w = new RecordWriter(dataDir, "memreclaim", entryBytes, 2)) {
            w.write(header(0), document(0));
            w.write(header(1), document(1));  // memreclaim -> memreclaim.1
            // The oldest file cannot be deleted: a non-empty directory sits in its place.
            Files.createDirectories(obstacle.resolve("inside"));
            w.write(header(2), document(2));
            w.write(header(3), document(3));
            assertEquals(2, w.writeErrors());
            assertEquals(2, w.entriesWritten());
            assertTrue(w.lastError().startsWith("cannot rotate"), w.lastError());
            assertEquals(1, log.count("record memreclaim: cannot rotate"), log.text());

            deleteTree(obstacle);
            w.write(header(4), document(4));
            assertEquals(3, w.entriesWritten());
            assertEquals(1, log.count("record memreclaim: writing to"), log.text());
        }
        assertEquals(entry(0), read(dir.resolve("memreclaim.2")));
        assertEquals(entry(1), read(dir.resolve("memreclaim.1")));
        assertEquals(entry(4), read(dir.resolve("memreclaim")));
    }

    @Test
    void removedRecordDirectoryIsCreatedAgain() throws IOException {
        try (RecordWriter w = new RecordWriter(dataDir, "softirq", 1 << 20, 10)) {
            w.write(header(0), document(0));
            deleteTree(dataDir.resolve("record"));
            w.write(header(1), document(1));
            assertEquals(0, w.writeErrors());
        }
        assertEquals(entry(1), read(dataDir.resolve("record/softirq")));
    }

    @Test
    void entriesFromSeveralThreadsNeverInterleave() throws Exception {
        int threads = 4;
        int perThread = 300;
        try (RecordWriter w = new RecordWriter(dataDir, "netrecvlat", 64 * 1024, 1000)) {
            List<Thread> started = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                Thread th = new Thread(() -> {
                    for (int i = base; i < base + perThread; i++) {
                        w.write(header(i), document(i));
                    }
                });
                th.start();
                started.add(th);
            }
            for (Thread th : started) {
                th.join();
            }
            assertEquals((long) threads * perThread, w.entriesWritten());
        }
        List<Integer> seen = new ArrayList<>();
        try (Stream<Path> files = Files.list(dataDir.resolve("record"))) {
            for (Path f : files.collect(Collectors.toList())) {
                seen.addAll(parse(read(f)));
            }
        }
        assertEquals(IntStream.range(0, threads * perThread).boxed().collect(Collectors.toList()),
                seen.stream().sorted().collect(Collectors.toList()));
    }

    @Test
    void constructorRejectsNamesThatAreNotPlainFileNames() {
        assertThrows(IllegalArgumentException.class, () -> new RecordWriter(dataDir, "../etc", 1024, 1));
        assertThrows(IllegalArgumentException.class, () -> new RecordWriter(dataDir, "", 1024, 1));
        assertThrows(IllegalArgumentException.class, () -> new RecordWriter(dataDir, "oom", 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new RecordWriter(dataDir, "oom", 1024, 0));
    }

    static String header(int n) {
        return String.format("H%05d", n);
    }

    static String document(int n) {
        return String.format("{%n  \"n\": %05d,%n  \"pad\": \"%s\"%n}", n, "p".repeat(40)).replace("\r", "");
    }

    static String entry(int n) {
        return header(n) + "\n" + document(n) + "\n";
    }

    /** Checks that a file holds whole entries only and returns their numbers in file order. */
    static List<Integer> parse(String content) {
        List<Integer> numbers = new ArrayList<>();
        List<String> lines = content.lines().collect(Collectors.toList());
        assertEquals(0, lines.size() % 5, "whole entries only");
        for (int i = 0; i < lines.size(); i += 5) {
            int n = Integer.parseInt(lines.get(i).substring(1));
            assertEquals(entry(n), String.join("\n", lines.subList(i, i + 5)) + "\n", "entry " + n + " intact");
            numbers.add(n);
        }
        return numbers;
    }

    static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted((a, b) -> b.compareTo(a)).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }

    private static String mode(Path p) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void recordFilesAndTheirDirectoryAreRootOnlyAlsoAfterRotation(@TempDir Path dataDir) throws IOException {
        try (RecordWriter w = new RecordWriter(dataDir, "oom", 300, 3)) {
            for (int i = 0; i < 4; i++) {
                w.write("2026-01-01 00:00:00 Host=h Region=r", "{\n  \"n\": \"" + "x".repeat(200) + i + "\"\n}");
            }
        }
        Path dir = dataDir.resolve("record");
        assertEquals("rwx------", mode(dir));
        assertEquals("rw-------", mode(dir.resolve("oom")));
        assertTrue(Files.exists(dir.resolve("oom.3")), "rotated");
        for (int i = 1; i <= 3; i++) {
            assertEquals("rw-------", mode(dir.resolve("oom." + i)));
        }
    }

    @Test
    void filesLeftReadableByOthersAreNarrowedAtStart(@TempDir Path dataDir) throws IOException {
        Path dir = Files.createDirectories(dataDir.resolve("record"));
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path old = Files.writeString(dir.resolve("dropwatch.1"), "x");
        Files.setPosixFilePermissions(old, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path fine = Files.writeString(dir.resolve("oom"), "x");
        Files.setPosixFilePermissions(fine, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertEquals(2, RecordWriter.restrictExisting(dataDir));
        assertEquals("rwx------", mode(dir));
        assertEquals("rw-------", mode(old));
        assertEquals(0, RecordWriter.restrictExisting(dataDir), "nothing left to narrow");
        assertEquals(0, RecordWriter.restrictExisting(dataDir.resolve("absent")));
    }
}
