package io.huatuo.jmx.enrich;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * An immutable, compact table of kernel text symbols read from a kallsyms file.
 *
 * <p>About 60k symbols on a typical host: one sorted {@code long[]} of start addresses, all names
 * in one ASCII {@code byte[]} with {@code int} offsets, and a {@code short} module index per
 * symbol. Lookups are lock-free; the table never changes after {@link #load}.
 */
final class SymbolTable {
    /** Module index 0: symbols of the core kernel image. */
    static final String KERNEL = "kernel";

    /**
     * kallsyms has no sizes, so an address resolves to the nearest symbol below it. Past this
     * distance we call it a miss (the largest x86-64 functions are ~20 KiB): it catches addresses
     * in modules or BPF programs loaded after the table was read, and region ends like _etext.
     */
    static final long MAX_SYMBOL_SIZE = 256 * 1024;

    private final long[] addresses;      // sorted, unsigned order
    private final int[] nameStarts;      // length n + 1; name i is names[nameStarts[i] .. nameStarts[i+1])
    private final byte[] names;
    private final short[] moduleOf;
    private final String[] modules;
    /*
     * Each module's text as /proc/modules shows it (base, base + size), by module index; 0, 0 when
     * unknown. A module loaded after the table was read often lands right above another one, within
     * MAX_SYMBOL_SIZE of that one's last symbol: its addresses are misses, not the other's symbols.
     */
    private long[] moduleStart;
    private long[] moduleEnd;

    private SymbolTable(long[] addresses, int[] nameStarts, byte[] names, short[] moduleOf, String[] modules) {
        this.addresses = addresses;
        this.nameStarts = nameStarts;
        this.names = names;
        this.moduleOf = moduleOf;
        this.modules = modules;
    }

    /** Thrown when the file only shows zero addresses (kptr_restrict). */
    static final class ZeroAddressesException extends IOException {
        ZeroAddressesException(String message) {
            super(message);
        }
    }

    int size() {
        return addresses.length;
    }

    /** Index of the symbol that contains {@code address}, or -1. */
    int find(long address) {
        int lo = 0;
        int hi = addresses.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(addresses[mid], address) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0 || address - addresses[found] > MAX_SYMBOL_SIZE || isRegionEnd(found)) {
            return -1;
        }
        int m = moduleOf[found];
        if (moduleEnd != null && moduleEnd[m] != 0
                && (Long.compareUnsigned(address, moduleStart[m]) < 0 || Long.compareUnsigned(address, moduleEnd[m]) >= 0)) {
            return -1;
        }
        return found;
    }

    long address(int index) {
        return addresses[index];
    }

    String name(int index) {
        return new String(names, nameStarts[index], nameStarts[index + 1] - nameStarts[index],
                StandardCharsets.ISO_8859_1);
    }

    /** Appends {@link #name} without making a String of it. */
    void appendName(StringBuilder sb, int index) {
        for (int i = nameStarts[index]; i < nameStarts[index + 1]; i++) {
            sb.append((char) (names[i] & 0xff));
        }
    }

    String module(int index) {
        return modules[moduleOf[index]];
    }

    /** Start address of the symbol with this exact name, or empty; a linear scan (rare use). */
    OptionalLong addressOf(String name) {
        byte[] wanted = name.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < addresses.length; i++) {
            if (Arrays.equals(names, nameStarts[i], nameStarts[i + 1], wanted, 0, wanted.length)) {
                return OptionalLong.of(addresses[i]);
            }
        }
        return OptionalLong.empty();
    }

    // Linker markers for the end of the kernel's text regions: nothing after them belongs to them.
    private boolean isRegionEnd(int index) {
        return nameIs(index, "_etext") || nameIs(index, "_einittext");
    }

    private boolean nameIs(int index, String s) {
        int start = nameStarts[index];
        int len = nameStarts[index + 1] - start;
        if (len != s.length()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (names[start + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads each module's address range from a /proc/modules-format file ("name size refs deps state
     * 0xaddress" per line), if it exists and shows addresses; lookups then keep a module's symbols
     * inside its range.
     */
    void readModuleRanges(Path file) throws IOException {
        if (file == null || !Files.isReadable(file)) {
            return;
        }
        long[] start = new long[modules.length];
        long[] end = new long[modules.length];
        for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || !f[f.length - 1].startsWith("0x")) {
                continue;
            }
            int m = Arrays.asList(modules).indexOf(f[0]);
            try {
                long base = Long.parseUnsignedLong(f[f.length - 1].substring(2), 16);
                long size = Long.parseLong(f[1]);
                if (m > 0 && base != 0 && size > 0) {
                    start[m] = base;
                    end[m] = base + size;
                }
            } catch (NumberFormatException e) {
                // not a module line we understand: no range for it
            }
        }
        this.moduleStart = start;
        this.moduleEnd = end;
    }

    /**
     * Reads the text symbols (types t, T, w, W) of a kallsyms file.
     *
     * @throws ZeroAddressesException if every text symbol shows address 0
     * @throws IOException if the file cannot be read or holds no text symbol
     */
    static SymbolTable load(Path file) throws IOException {
        Builder b = new Builder();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            byte[] line = new byte[512];
            int lineLen = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte c = buf[i];
                    if (c == '\n') {
                        b.parseLine(line, lineLen);
                        lineLen = 0;
                    } else if (lineLen < line.length) {
                        line[lineLen++] = c;
                    } // an over-long line is truncated; kernel symbol names are at most 512 bytes
                }
            }
            if (lineLen > 0) {
                b.parseLine(line, lineLen);
            }
        }
        if (b.count == 0) {
            if (b.zeroAddresses > 0) {
                throw new ZeroAddressesException(zeroAddresses(file, "all " + b.zeroAddresses));
            }
            throw new IOException(file + " holds no text symbols");
        }
        return b.build();
    }

    private static String zeroAddresses(Path file, String which) {
        return file + " shows " + which + " text symbol addresses as zero (kernel.kptr_restrict hides them"
                + " from this process; reading them needs root with kptr_restrict 0 or 1)";
    }

    /**
     * Reads a kallsyms file only up to its first text symbol: why its addresses cannot be used (zero,
     * or no text symbol at all), or null when the first one shows a real address.
     */
    static String firstTextSymbolProblem(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] f = line.split(" ", 4);
                if (f.length >= 3 && f[1].length() == 1 && "tTwW".contains(f[1])) {
                    return Long.parseUnsignedLong(f[0], 16) == 0 ? zeroAddresses(file, "its") : null;
                }
            }
        }
        return file + " holds no text symbols";
    }

    /** Growable arrays used only while parsing; trimmed and sorted into the table at the end. */
    private static final class Builder {
        long[] addresses = new long[16 * 1024];
        int[] nameStarts = new int[16 * 1024];
        int[] nameLengths = new int[16 * 1024];
        short[] moduleOf = new short[16 * 1024];
        boolean[] global = new boolean[16 * 1024];
        byte[] names = new byte[256 * 1024];
        int namesLen;
        int count;
        int zeroAddresses;
        final Map<String, Short> moduleIndex = new HashMap<>();
        final List<String> modules = new ArrayList<>();

        Builder() {
            moduleIndex.put(KERNEL, (short) 0);
            modules.add(KERNEL);
        }

        // "<hex address> <type> <name>[\t[<module>]]"
        void parseLine(byte[] line, int len) throws IOException {
            int p = 0;
            long address = 0;
            int digits = 0;
            while (p < len && line[p] != ' ') {
                int d = Character.digit(line[p], 16);
                if (d < 0) {
                    return; // not a symbol line
                }
                address = (address << 4) | d;
                digits++;
                p++;
            }
            if (digits == 0 || p + 3 >= len) {
                return;
            }
            byte type = line[p + 1];
            if (type != 't' && type != 'T' && type != 'w' && type != 'W') {
                return;
            }
            int nameStart = p + 3;
            int nameEnd = nameStart;
            while (nameEnd < len && line[nameEnd] != '\t' && line[nameEnd] != ' ') {
                nameEnd++;
            }
            int nameLen = nameEnd - nameStart;
            // __pfx_* mark the padding before each function (half of all entries); an IP never
            // sits in that padding in practice, so skipping them halves the table.
            if (nameLen == 0 || startsWith(line, nameStart, nameLen, "__pfx_")) {
                return;
            }
            if (address == 0) {
                zeroAddresses++;
                return;
            }
            short module = 0;
            int open = indexOf(line, nameEnd, len, (byte) '[');
            if (open >= 0) {
                int close = indexOf(line, open + 1, len, (byte) ']');
                if (close > open + 1) {
                    module = moduleIndex(new String(line, open + 1, close - open - 1, StandardCharsets.ISO_8859_1));
                }
            }
            add(address, line, nameStart, nameLen, module, type == 'T' || type == 'W');
        }

        private short moduleIndex(String name) throws IOException {
            Short idx = moduleIndex.get(name);
            if (idx == null) {
                if (modules.size() > Short.MAX_VALUE) {
                    throw new IOException("more than " + Short.MAX_VALUE + " modules in kallsyms");
                }
                idx = (short) modules.size();
                moduleIndex.put(name, idx);
                modules.add(name);
            }
            return idx;
        }

        private void add(long address, byte[] line, int nameStart, int nameLen, short module, boolean isGlobal) {
            if (count == addresses.length) {
                int cap = count * 2;
                addresses = Arrays.copyOf(addresses, cap);
                nameStarts = Arrays.copyOf(nameStarts, cap);
                nameLengths = Arrays.copyOf(nameLengths, cap);
                moduleOf = Arrays.copyOf(moduleOf, cap);
                global = Arrays.copyOf(global, cap);
            }
            if (namesLen + nameLen > names.length) {
                names = Arrays.copyOf(names, Math.max(names.length * 2, namesLen + nameLen));
            }
            System.arraycopy(line, nameStart, names, namesLen, nameLen);
            addresses[count] = address;
            nameStarts[count] = namesLen;
            nameLengths[count] = nameLen;
            moduleOf[count] = module;
            global[count] = isGlobal;
            namesLen += nameLen;
            count++;
        }

        SymbolTable build() {
            // Stable sort by address: among aliases at one address, file order decides ties.
            Integer[] order = new Integer[count];
            for (int i = 0; i < count; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparing(i -> addresses[i], Long::compareUnsigned));

            // Keep one symbol per address: the first global one, else the first one.
            int[] keep = new int[count];
            int kept = 0;
            for (int i = 0; i < count; ) {
                int j = i;
                int chosen = order[i];
                while (j < count && addresses[order[j]] == addresses[order[i]]) {
                    if (global[order[j]] && !global[chosen]) {
                        chosen = order[j];
                    }
                    j++;
                }
                keep[kept++] = chosen;
                i = j;
            }

            long[] outAddresses = new long[kept];
            int[] outStarts = new int[kept + 1];
            short[] outModules = new short[kept];
            int total = 0;
            for (int k = 0; k < kept; k++) {
                total += nameLengths[keep[k]];
            }
            byte[] outNames = new byte[total];
            int pos = 0;
            for (int k = 0; k < kept; k++) {
                int src = keep[k];
                outAddresses[k] = addresses[src];
                outStarts[k] = pos;
                outModules[k] = moduleOf[src];
                System.arraycopy(names, nameStarts[src], outNames, pos, nameLengths[src]);
                pos += nameLengths[src];
            }
            outStarts[kept] = pos;
            return new SymbolTable(outAddresses, outStarts, outNames, outModules, modules.toArray(new String[0]));
        }

        private static boolean startsWith(byte[] b, int off, int len, String prefix) {
            if (len < prefix.length()) {
                return false;
            }
            for (int i = 0; i < prefix.length(); i++) {
                if (b[off + i] != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private static int indexOf(byte[] b, int from, int to, byte c) {
            for (int i = from; i < to; i++) {
                if (b[i] == c) {
                    return i;
                }
            }
            return -1;
        }
    }
}
