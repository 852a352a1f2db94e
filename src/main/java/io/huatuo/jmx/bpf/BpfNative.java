package io.huatuo.jmx.bpf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The natives of libhuatuo.so for this package (C side: {@code src/main/c/huatuo_bpf_native.c}), registered by
 * {@code JNI_OnLoad}, each behind a wrapper that turns a negative result (-errno) into a {@link BpfException}
 * carrying the libbpf log of the failed call.
 *
 * <p>Natives take handles as {@code long}, fds as {@code int}, buffer addresses as {@code long}, names as
 * {@code String} and small data as {@code byte[]}. A handle is only valid until the owning Java object frees it;
 * the callers guarantee that. The libbpf log is per thread: the wrapper fetches it on the thread that failed.
 */
final class BpfNative {
    private static final Map<Integer, String> ERROR_TEXTS = new ConcurrentHashMap<>();
    private static final Pattern FAILED_PROGRAM = Pattern.compile("prog '([^']+)': failed to load");

    private BpfNative() {
    }

    // ---- wrappers ----

    static void probe() {
        int rc = probe0();
        if (rc < 0) {
            String hint = rc == -1 ? " (BPF needs root, or CAP_BPF and CAP_PERFMON)" : "";
            throw failure("availability probe: load and attach a raw_tp program", rc, hint);
        }
    }

    static void setDebug(boolean on) {
        setDebug0(on);
    }

    static String takeLog() {
        byte[] log = takeLog0();
        return log == null ? "" : new String(log, StandardCharsets.UTF_8);
    }

    static String strerror(int errno) {
        return ERROR_TEXTS.computeIfAbsent(errno, BpfNative::strerror0);
    }

    static int possibleCpus() {
        int n = possibleCpus0();
        if (n <= 0) {
            throw failure("count possible CPUs", n, "");
        }
        return n;
    }

    static long tickNanos() {
        long ns = tickNanos0();
        if (ns <= 0) {
            throw failure("read the kernel's tick (clock_getres CLOCK_MONOTONIC_COARSE)", ns, "");
        }
        return ns;
    }

    static long address(ByteBuffer direct) {
        long address = directBufferAddress0(direct);
        if (address == 0) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        return address;
    }

    static long objectOpen(byte[] elf, String name) {
        return check(name + ": open", objectOpen0(elf, name));
    }

    static byte[] objectBtf(long object) {
        return objectBtf0(object);
    }

    /** The names of the object's programs, or of its maps. */
    static List<String> objectNames(long object, boolean maps) {
        byte[] packed = objectNames0(object, maps);
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < packed.length; i++) {
            if (packed[i] == 0) {
                names.add(new String(packed, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return names;
    }

    /** Loads the object; a failure names the program the kernel rejected, when libbpf says which. */
    static void objectLoad(long object, String name) {
        int rc = objectLoad0(object);
        if (rc < 0) {
            String log = takeLog();
            String program = null;
            Matcher m = FAILED_PROGRAM.matcher(log);
            while (m.find()) {
                program = m.group(1);
            }
            String subject = name + ": load" + (program == null ? "" : " program " + program);
            throw new BpfException(subject + ": " + describe(-rc), -rc, log, null);
        }
    }

    static void objectClose(long object) {
        objectClose0(object);
    }

    static void globalRead(long object, String subject, String section, int offset, byte[] value) {
        check(subject, globalRead0(object, section, offset, value));
    }

    static void globalWrite(long object, String subject, String section, int offset, byte[] value) {
        check(subject, globalWrite0(object, section, offset, value));
    }

    static void programSetAutoload(long object, String subject, String program, boolean autoload) {
        check(subject, programSetAutoload0(object, program, autoload));
    }

    static void mapSetMaxEntries(long object, String subject, String map, int entries) {
        check(subject, mapSetMaxEntries0(object, map, entries));
    }

    /** Whether the program was loaded (false if its autoload was off). */
    static boolean programLoaded(long object, String subject, String program) {
        int rc = programFd0(object, program);
        if (rc == -9) { // EBADF
            return false;
        }
        check(subject, rc);
        return true;
    }

    static long programAttach(long object, String subject, String program) {
        return check(subject, programAttach0(object, program));
    }

    static long programAttachPerfEvent(long object, String subject, String program, int cpu, int type, long config,
            long samplePeriod) {
        return check(subject, programAttachPerfEvent0(object, program, cpu, type, config, samplePeriod));
    }

    static int programTestRun(long object, String subject, String program) {
        return (int) check(subject, programTestRun0(object, program));
    }

    /** {run_time_ns, run_cnt, recursion_misses} of a loaded program. */
    static long[] programRunStats(long object, String subject, String program) {
        int fd = (int) check(subject, programFd0(object, program));
        long[] stats = new long[3];
        check(subject, programRunStats0(fd, stats));
        return stats;
    }

    /** An fd that keeps BPF run-time statistics on until closed. */
    static int enableRunTimeStats(String subject) {
        return (int) check(subject, enableRunTimeStats0());
    }

    /** Returns {fd, type, key size, value size, max entries}. */
    static int[] mapInfo(long object, String subject, String map) {
        int[] info = new int[5];
        check(subject, mapInfo0(object, map, info));
        return info;
    }

    static int linkDestroy(long link) {
        return linkDestroy0(link);
    }

    static int iterCreate(long link, String subject) {
        return (int) check(subject, iterCreate0(link));
    }

    static int read(int fd, String subject, long address, int length) {
        return (int) check(subject, read0(fd, address, length));
    }

    static void close(int fd) {
        close0(fd);
    }

    /** Returns false if the key is absent. */
    static boolean mapLookup(int fd, String subject, byte[] key, byte[] value) {
        int rc = mapLookup0(fd, key, value);
        if (rc == -2) { // ENOENT
            return false;
        }
        check(subject, rc);
        return true;
    }

    static void mapUpdate(int fd, String subject, byte[] key, byte[] value, long flags) {
        check(subject, mapUpdate0(fd, key, value, flags));
    }

    /** Returns false if the key was absent. */
    static boolean mapDelete(int fd, String subject, byte[] key) {
        int rc = mapDelete0(fd, key);
        if (rc == -2) { // ENOENT
            return false;
        }
        check(subject, rc);
        return true;
    }

    static long ringBufferNew() {
        return check("ring buffer: create", ringBufferNew0());
    }

    static void ringBufferAdd(long poller, String subject, int mapFd, int ringId, int maxRecordSize) {
        check(subject, ringBufferAdd0(poller, mapFd, ringId, maxRecordSize));
    }

    /** Returns (record count << 32) | bytes used. */
    static long ringBufferDrain(long poller, long address, int capacity, int timeoutMillis) {
        return check("ring buffer: drain", ringBufferDrain0(poller, address, capacity, timeoutMillis));
    }

    static long ringBufferOversize(long poller) {
        return ringBufferOversize0(poller);
    }

    static void ringBufferWake(long poller) {
        ringBufferWake0(poller);
    }

    static void ringBufferFree(long poller) {
        ringBufferFree0(poller);
    }

    // ---- errors ----

    private static long check(String subject, long rc) {
        if (rc < 0) {
            throw failure(subject, rc, "");
        }
        return rc;
    }

    private static BpfException failure(String subject, long rc, String hint) {
        int errno = (int) -rc;
        return new BpfException(subject + ": " + describe(errno) + hint, errno, takeLog(), null);
    }

    private static String describe(int errno) {
        return strerror(errno) + " (errno " + errno + ")";
    }

    // ---- natives (registered by JNI_OnLoad; see the C registration table) ----

    private static native int probe0();

    private static native void setDebug0(boolean on);

    private static native byte[] takeLog0();

    private static native String strerror0(int errno);

    private static native int possibleCpus0();

    private static native long tickNanos0();

    private static native long directBufferAddress0(ByteBuffer buffer);

    private static native long objectOpen0(byte[] elf, String name);

    private static native byte[] objectBtf0(long object);

    private static native byte[] objectNames0(long object, boolean maps);

    private static native int objectLoad0(long object);

    private static native void objectClose0(long object);

    private static native int globalRead0(long object, String section, int offset, byte[] value);

    private static native int globalWrite0(long object, String section, int offset, byte[] value);

    private static native int programSetAutoload0(long object, String program, boolean autoload);

    private static native int mapSetMaxEntries0(long object, String map, int entries);

    private static native int programFd0(long object, String program);

    private static native int programRunStats0(int fd, long[] stats);

    private static native int enableRunTimeStats0();

    private static native long programAttach0(long object, String program);

    private static native long programAttachPerfEvent0(long object, String program, int cpu, int type, long config,
            long samplePeriod);

    private static native long programTestRun0(long object, String program);

    private static native int mapInfo0(long object, String map, int[] info);

    private static native int linkDestroy0(long link);

    private static native int iterCreate0(long link);

    private static native int read0(int fd, long address, int length);

    private static native int close0(int fd);

    private static native int mapLookup0(int fd, byte[] key, byte[] value);

    private static native int mapUpdate0(int fd, byte[] key, byte[] value, long flags);

    private static native int mapDelete0(int fd, byte[] key);

    private static native long ringBufferNew0();

    private static native int ringBufferAdd0(long poller, int mapFd, int ringId, int maxRecordSize);

    private static native long ringBufferDrain0(long poller, long address, int capacity, int timeoutMillis);

    private static native long ringBufferOversize0(long poller);

    private static native void ringBufferWake0(long poller);

    private static native void ringBufferFree0(long poller);
}
