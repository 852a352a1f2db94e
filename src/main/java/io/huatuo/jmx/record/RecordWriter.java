package io.huatuo.jmx.record;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends the events of one tracer to {@code <dataDir>/record/<tracer>}, rotating by size.
 *
 * <p>An entry is a header line ({@link RecordHeader}), the already rendered JSON document, and a
 * line break. Before an entry would make the file larger than {@code maxFileBytes}, the file is
 * rotated: {@code <tracer>} becomes {@code <tracer>.1}, {@code .1} becomes {@code .2}, …, and
 * {@code <tracer>.<maxFiles>} is deleted. An entry larger than {@code maxFileBytes} is written whole
 * into a fresh file: entries are never split.
 *
 * <p>{@link #write} never throws and never blocks on anything but the file system: a missing or
 * unwritable directory, a full disk or a failed rename drops the entry, counts it in
 * {@link #writeErrors()} and keeps it in {@link #lastError()}. Each kind of failure is logged once
 * until a write succeeds again, which is logged as a recovery. After a directory failure the file
 * system is not touched again for {@value #DIRECTORY_RETRY_SECONDS} s (entries in between are
 * counted as errors), so a broken mount is not hammered at the event rate.
 *
 * <p>The file is opened for each {@link #write} or {@link #flush} (a batch of {@link #add}ed entries)
 * rather than held open: a record file or directory that an operator removes or moves is simply
 * created again, and no failed state outlives a write.
 *
 * <p>Record files are created 0600 and their directory 0700 (root only): entries carry kernel
 * stacks, process names and addresses of other users' connections. {@link #restrictExisting} narrows
 * files left by older versions at start.
 *
 * <p>Thread-safe: entries written from several threads never interleave. Counters may be read from
 * any thread.
 */
public final class RecordWriter implements Closeable {

    /** Default rotation size: 100 MiB. */
    public static final long DEFAULT_MAX_FILE_BYTES = 100L * 1024 * 1024;
    /** Default number of rotated files kept besides the current one. */
    public static final int DEFAULT_MAX_FILES = 10;
    /** After a directory failure, the file system is tried again after this many seconds. */
    public static final int DIRECTORY_RETRY_SECONDS = 10;
    /** {@link #add} flushes by itself once this much is buffered. */
    public static final int MAX_PENDING_BYTES = 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(RecordWriter.class);
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Pattern TRACER_NAME = Pattern.compile("[a-z0-9_-]+");
    private static final long DIRECTORY_RETRY_NANOS = TimeUnit.SECONDS.toNanos(DIRECTORY_RETRY_SECONDS);

    /** The kinds of failure that are logged once each until the next successful write. */
    enum Failure {
        DIRECTORY("cannot create or open the record file"),
        DISK_FULL("disk full"),
        ROTATE("cannot rotate"),
        WRITE("write failed"),
        CLOSED("writer is closed");

        final String text;

        Failure(String text) {
            this.text = text;
        }
    }

    private final String tracer;
    private final Path dir;
    private final Path file;
    private final long maxFileBytes;
    private final int maxFiles;
    private final LongSupplier nanoClock;

    // Guarded by this.
    private final Batch pending = new Batch();
    private final List<Integer> entryEnds = new ArrayList<>();
    private int written; // pending entries already in the file, during flush()
    private final Set<Failure> logged = EnumSet.noneOf(Failure.class);
    private boolean backingOff;
    private long retryAtNanos;
    private boolean closed;

    // Written under this, read from anywhere (JMX).
    private volatile long entriesWritten;
    private volatile long writeErrors;
    private volatile String lastError;

    /**
     * Creates a writer; nothing is touched on disk until the first {@link #write}.
     *
     * @param dataDir      the daemon's data directory; records go to {@code dataDir/record/tracer}
     * @param tracer       the tracer's name, which is also the file name
     * @param maxFileBytes rotate before the file would grow beyond this size (at least 1)
     * @param maxFiles     how many rotated files to keep (at least 1)
     * @throws IllegalArgumentException if an argument is out of range or the name is not a plain
     *                                  lower-case file name
     */
    public RecordWriter(Path dataDir, String tracer, long maxFileBytes, int maxFiles) {
        this(dataDir, tracer, maxFileBytes, maxFiles, System::nanoTime);
    }

    /** For tests: {@code nanoClock} replaces {@link System#nanoTime()} for the directory retry delay. */
    RecordWriter(Path dataDir, String tracer, long maxFileBytes, int maxFiles, LongSupplier nanoClock) {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(tracer, "tracer");
        if (!TRACER_NAME.matcher(tracer).matches()) {
            throw new IllegalArgumentException("tracer name must match " + TRACER_NAME + ", got \"" + tracer + "\"");
        }
        if (maxFileBytes < 1) {
            throw new IllegalArgumentException("maxFileBytes must be at least 1, got " + maxFileBytes);
        }
        if (maxFiles < 1) {
            throw new IllegalArgumentException("maxFiles must be at least 1, got " + maxFiles);
        }
        this.tracer = tracer;
        this.dir = dataDir.resolve("record");
        this.file = dir.resolve(tracer);
        this.maxFileBytes = maxFileBytes;
        this.maxFiles = maxFiles;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * Appends one entry: {@code headerLine}, a line break, {@code document}, a line break (one
     * trailing line break of the document is not doubled). Never throws: a failure drops the entry
     * and counts it in {@link #writeErrors()}.
     *
     * @param headerLine the header, see {@link RecordHeader#format}; {@code null} is written as empty
     * @param document   the event as 2-space-indented JSON; {@code null} is written as empty
     */
    public synchronized void write(String headerLine, String document) {
        add(headerLine, document);
        flush();
    }

    /**
     * Buffers one entry like {@link #write} without touching the disk; it is written by the next
     * {@link #flush} (or by this call once {@value #MAX_PENDING_BYTES} bytes are buffered). Lets a
     * busy pipeline write a batch of entries with one open and one write of the file.
     */
    public synchronized void add(String headerLine, String document) {
        String doc = document == null ? "" : document;
        add(headerLine, out -> out.write(doc.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes a document's UTF-8 bytes, without a trailing line break. */
    @FunctionalInterface
    public interface Document {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * {@link #add(String, String)} with the document written straight into the batch: no copy of
     * it as a String. A document that fails to render is dropped and counted.
     */
    public synchronized void add(String headerLine, Document document) {
        int start = pending.size();
        try {
            pending.writeBytes((headerLine == null ? "" : headerLine).getBytes(StandardCharsets.UTF_8));
            pending.write('\n');
            int docStart = pending.size();
            document.writeTo(pending);
            if (pending.size() > docStart && pending.last() == '\n') {
                pending.dropLast(); // one trailing line break of the document is not doubled
            }
            pending.write('\n');
        } catch (IOException | RuntimeException e) {
            pending.truncate(start);
            fail(Failure.WRITE, file + ": cannot render the entry: " + e, 1);
            return;
        }
        entryEnds.add(pending.size());
        if (pending.size() >= MAX_PENDING_BYTES) {
            flush();
        }
    }

    /** Writes the buffered entries; a failure drops them and counts each in {@link #writeErrors()}. */
    public synchronized void flush() {
        int n = entryEnds.size();
        if (n == 0) {
            return;
        }
        written = 0;
        try {
            if (closed) {
                fail(Failure.CLOSED, file + ": entry dropped", n);
            } else if (backingOff && nanoClock.getAsLong() - retryAtNanos < 0) {
                writeErrors += n; // still within the retry delay: logged already, do not touch the disk
            } else {
                while (written < n) {
                    rotateIfNeeded(entryEnd(written) - entryEnd(written - 1));
                    appendFitting();
                }
            }
        } catch (WriteFailure f) {
            fail(f.kind, f.getMessage(), n - written);
        } catch (RuntimeException e) {
            // write() must never take tracing down; an unexpected bug is still counted and logged.
            fail(Failure.WRITE, file + ": " + e, n - written);
        } finally {
            pending.truncate(0);
            entryEnds.clear();
        }
    }

    /** End offset in {@code pending} of buffered entry {@code i}; 0 for i = -1. */
    private int entryEnd(int i) {
        return i < 0 ? 0 : entryEnds.get(i);
    }

    /** @return entries dropped because of a failure, since this writer was created */
    public long writeErrors() {
        return writeErrors;
    }

    /** @return entries written successfully, since this writer was created */
    public long entriesWritten() {
        return entriesWritten;
    }

    /** @return the text of the most recent failure, or {@code null} if there has been none */
    public String lastError() {
        return lastError;
    }

    /** @return the path of the current record file, {@code <dataDir>/record/<tracer>} */
    public Path file() {
        return file;
    }

    /** Makes later writes fail (counted, logged once). Idempotent; holds no resources. */
    @Override
    public synchronized void close() {
        closed = true;
    }

    private void rotateIfNeeded(int entryBytes) throws WriteFailure {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            return; // no file yet (or no directory: append() reports that)
        }
        // An empty file takes any entry, even an oversize one: an entry is never split or lost.
        if (size == 0 || size + entryBytes <= maxFileBytes) {
            return;
        }
        try {
            Files.deleteIfExists(rotated(maxFiles));
            for (int i = maxFiles - 1; i >= 1; i--) {
                Path from = rotated(i);
                if (Files.exists(from)) {
                    Files.move(from, rotated(i + 1));
                }
            }
            Files.move(file, rotated(1));
        } catch (IOException e) {
            throw new WriteFailure(isDiskFull(e) ? Failure.DISK_FULL : Failure.ROTATE, describe(e));
        }
    }

    private Path rotated(int index) {
        return dir.resolve(tracer + "." + index);
    }

    /**
     * Appends the pending entries from {@code written} on that fit before the next rotation (at
     * least one) with one open and one write; on a failure they are truncated away again.
     */
    private void appendFitting() throws WriteFailure {
        try (FileChannel ch = open()) {
            long size = ch.size();
            int last = written;
            while (last + 1 < entryEnds.size() && size + entryEnd(last + 1) - entryEnd(written - 1) <= maxFileBytes) {
                last++;
            }
            try {
                ByteBuffer buf = ByteBuffer.wrap(pending.array(), entryEnd(written - 1),
                        entryEnd(last) - entryEnd(written - 1));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            } catch (IOException e) {
                truncate(ch, size); // leave no half entry behind (e.g. the disk filled up mid-way)
                throw e;
            }
            for (; written <= last; written++) {
                succeeded();
            }
        } catch (WriteFailure f) {
            throw f;
        } catch (IOException e) {
            throw new WriteFailure(isDiskFull(e) ? Failure.DISK_FULL : Failure.WRITE, file + ": " + describe(e));
        }
    }

    private FileChannel open() throws WriteFailure {
        try {
            return openFile();
        } catch (IOException first) {
            // Usually the directory does not exist yet (or was removed): create it, then try again.
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
                return openFile();
            } catch (IOException e) {
                backingOff = true;
                retryAtNanos = nanoClock.getAsLong() + DIRECTORY_RETRY_NANOS;
                throw new WriteFailure(isDiskFull(e) ? Failure.DISK_FULL : Failure.DIRECTORY, describe(e));
            }
        }
    }

    private FileChannel openFile() throws IOException {
        return FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(FILE_MODE));
    }

    /**
     * Makes {@code <dataDir>/record} 0700 and every file in it 0600 where they are wider (files
     * written before record files were root-only); logs what it changed. Never throws.
     *
     * @return how many files and directories were narrowed
     */
    public static int restrictExisting(Path dataDir) {
        Path dir = dataDir.resolve("record");
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        int changed = narrow(dir, DIR_MODE) ? 1 : 0;
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && narrow(f, FILE_MODE)) {
                    changed++;
                }
            }
        } catch (IOException e) {
            LOG.warn("record: cannot list {} to restrict its permissions: {}", dir, describe(e));
        }
        if (changed > 0) {
            LOG.warn("record: {} files or directories under {} were readable by others; now root-only", changed, dir);
        }
        return changed;
    }

    private static boolean narrow(Path p, Set<PosixFilePermission> mode) {
        try {
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
            if (mode.containsAll(now)) {
                return false;
            }
            Set<PosixFilePermission> narrowed = EnumSet.noneOf(PosixFilePermission.class);
            narrowed.addAll(now);
            narrowed.retainAll(mode);
            Files.setPosixFilePermissions(p, narrowed);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("record: cannot restrict the permissions of {}: {}", p, e.getMessage());
            return false;
        }
    }

    private static void truncate(FileChannel ch, long size) {
        try {
            ch.truncate(size);
        } catch (IOException ignored) {
            // Nothing more to do: the write error is what gets reported.
        }
    }

    private void succeeded() {
        entriesWritten++;
        backingOff = false;
        if (!logged.isEmpty()) {
            LOG.info("record {}: writing to {} again (recovered from: {}); {} entries dropped so far",
                    tracer, file, lastError, writeErrors);
            logged.clear();
        }
    }

    private void fail(Failure kind, String detail, int entries) {
        writeErrors += entries;
        String text = kind.text + ": " + detail;
        lastError = text;
        if (logged.add(kind)) {
            LOG.warn("record {}: {}; entries are dropped and counted until a write succeeds", tracer, text);
        }
    }

    private static boolean isDiskFull(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("No space left on device") || m.contains("Disk quota exceeded");
    }

    /** NIO messages are often just the path: add the exception type so the cause stays readable. */
    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** The entries of a batch, back to back; exposes its array so that a flush copies nothing. */
    private static final class Batch extends ByteArrayOutputStream {
        Batch() {
            super(1024); // grows with the first busy batch; an idle tracer's writer stays small
        }

        byte[] array() {
            return buf;
        }

        int last() {
            return buf[count - 1];
        }

        void dropLast() {
            count--;
        }

        void truncate(int size) {
            count = size;
            if (size == 0 && buf.length > MAX_PENDING_BYTES) {
                buf = new byte[1024]; // an oversize entry does not pin its memory
            }
        }
    }

    /** A failure of one write, with its kind. */
    private static final class WriteFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final Failure kind;

        WriteFailure(Failure kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }
    }
}
