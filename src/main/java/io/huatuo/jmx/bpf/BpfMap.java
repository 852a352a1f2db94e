package io.huatuo.jmx.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntConsumer;

/**
 * A map of a loaded {@link BpfObject}. Keys and values are raw bytes in the kernel's layout (native byte order).
 * For per-CPU maps a value buffer holds one slot per possible CPU: {@link #valueBufferSize()} bytes, each CPU's
 * value at {@code cpu * roundUp8(valueSize)}.
 *
 * <p>Thread-safe: every operation synchronizes on the owning object and fails once it is closed.
 */
public final class BpfMap {
    public static final int TYPE_HASH = 1;
    public static final int TYPE_ARRAY = 2;
    public static final int TYPE_PERCPU_HASH = 5;
    public static final int TYPE_PERCPU_ARRAY = 6;
    public static final int TYPE_STACK_TRACE = 7;
    public static final int TYPE_LRU_HASH = 9;
    public static final int TYPE_LRU_PERCPU_HASH = 10;
    public static final int TYPE_PERCPU_CGROUP_STORAGE = 21;
    public static final int TYPE_RINGBUF = 27;

    /** Update flags: create or replace; create only; replace only. */
    public static final long UPDATE_ANY = 0;
    public static final long UPDATE_NOEXIST = 1;
    public static final long UPDATE_EXIST = 2;

    private final BpfObject owner;
    private final String name;
    private final int fd;
    private final int type;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    // Attribute getters look up counters on every poll: the texts for errors are made once, not per call.
    private final String lookupSubject;
    private final String qualifiedLookupSubject;

    BpfMap(BpfObject owner, String name, int fd, int type, int keySize, int valueSize, int maxEntries) {
        this.owner = owner;
        this.name = name;
        this.fd = fd;
        this.type = type;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.lookupSubject = "lookup in map " + name;
        this.qualifiedLookupSubject = owner.name() + ": " + lookupSubject;
    }

    public String name() {
        return name;
    }

    /** The map's fd; valid only while the owning object is open. */
    public int fd() {
        return fd;
    }

    /** The kernel's {@code enum bpf_map_type}, e.g. {@link #TYPE_RINGBUF}. */
    public int type() {
        return type;
    }

    public int keySize() {
        return keySize;
    }

    /** The size of one value (of one CPU's value, for per-CPU maps). */
    public int valueSize() {
        return valueSize;
    }

    public int maxEntries() {
        return maxEntries;
    }

    public boolean isPerCpu() {
        return type == TYPE_PERCPU_HASH || type == TYPE_PERCPU_ARRAY || type == TYPE_LRU_PERCPU_HASH
                || type == TYPE_PERCPU_CGROUP_STORAGE;
    }

    /** The size of the value buffer that lookup and update take. */
    public int valueBufferSize() {
        return isPerCpu() ? roundUp8(valueSize) * possibleCpus() : valueSize;
    }

    /** The number of possible CPUs, which sizes per-CPU values. */
    public static int possibleCpus() {
        return PossibleCpus.COUNT;
    }

    /**
     * Copies the value of {@code key} into {@code value} ({@link #valueBufferSize()} bytes).
     *
     * @return false if the key is absent
     */
    public boolean lookup(byte[] key, byte[] value) {
        checkLengths(lookupSubject, key, value);
        synchronized (owner) {
            owner.requireLoaded(lookupSubject);
            return BpfNative.mapLookup(fd, qualifiedLookupSubject, key, value);
        }
    }

    /** Sets the value of {@code key}; {@code flags} is one of the {@code UPDATE_*} constants. */
    public void update(byte[] key, byte[] value, long flags) {
        String subject = "update map " + name;
        checkLengths(subject, key, value);
        synchronized (owner) {
            owner.requireLoaded(subject);
            BpfNative.mapUpdate(fd, owner.name() + ": " + subject, key, value, flags);
        }
    }

    /** @return false if the key was absent */
    public boolean delete(byte[] key) {
        String subject = "delete from map " + name;
        checkLength(subject, "key", key.length, keySize);
        synchronized (owner) {
            owner.requireLoaded(subject);
            return BpfNative.mapDelete(fd, owner.name() + ": " + subject, key);
        }
    }

    /**
     * For a per-CPU array whose value is a struct of u64 counters: the sum of each counter over all CPUs.
     *
     * @throws BpfException if the map is not a per-CPU array of u64s or the key is out of range
     */
    public long[] sumPerCpuU64(int key) {
        if (type != TYPE_PERCPU_ARRAY || keySize != Integer.BYTES || valueSize % Long.BYTES != 0) {
            throw new BpfException(sumSubject() + ": not a per-CPU array of u64 values (type "
                    + type + ", key " + keySize + " bytes, value " + valueSize + " bytes)");
        }
        byte[] value = new byte[valueBufferSize()];
        if (!lookup(ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder()).putInt(key).array(), value)) {
            throw new BpfException(sumSubject() + ": no key " + key);
        }
        ByteBuffer values = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        long[] sums = new long[valueSize / Long.BYTES];
        for (int cpu = 0, stride = roundUp8(valueSize); cpu < possibleCpus(); cpu++) {
            for (int i = 0; i < sums.length; i++) {
                sums[i] += values.getLong(cpu * stride + i * Long.BYTES);
            }
        }
        return sums;
    }

    private String sumSubject() {
        return owner.name() + ": sum per-CPU values of map " + name;
    }

    /**
     * {@link #sumPerCpuU64} as the struct's bytes (native order), to read with the struct's generated readers
     * at offset 0.
     */
    public ByteBuffer sumPerCpuU64Struct(int key) {
        long[] sums = sumPerCpuU64(key);
        ByteBuffer b = ByteBuffer.allocate(sums.length * Long.BYTES).order(ByteOrder.nativeOrder());
        b.asLongBuffer().put(sums);
        return b;
    }

    /** Runs {@code use} with the fd while the owning object cannot be closed. */
    void withFd(String subject, IntConsumer use) {
        synchronized (owner) {
            owner.requireLoaded(subject);
            use.accept(fd);
        }
    }

    @Override
    public String toString() {
        return "BpfMap[" + owner.name() + ": " + name + ", type " + type + ", key " + keySize + ", value " + valueSize
                + ", max " + maxEntries + "]";
    }

    private void checkLengths(String subject, byte[] key, byte[] value) {
        checkLength(subject, "key", key.length, keySize);
        checkLength(subject, "value", value.length, valueBufferSize());
    }

    private void checkLength(String subject, String what, int actual, int expected) {
        if (actual != expected) {
            // the kernel copies exactly the map's sizes: a shorter buffer would be overrun
            throw new IllegalArgumentException(owner.name() + ": " + subject + ": " + what + " is " + actual
                    + " bytes, the map needs " + expected);
        }
    }

    private static int roundUp8(int n) {
        return (n + 7) & ~7;
    }

    private static final class PossibleCpus {
        static final int COUNT = count();

        private static int count() {
            NativeLibrary.load();
            return BpfNative.possibleCpus();
        }
    }
}
