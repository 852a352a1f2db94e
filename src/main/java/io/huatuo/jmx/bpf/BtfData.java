package io.huatuo.jmx.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed BTF blob (kernel {@code vmlinux} or a BPF object's {@code .BTF}), answering the few questions this
 * package asks: struct layouts, enum constants and DATASEC variables. Format: the kernel's
 * Documentation/bpf/btf.rst. Error messages start with {@code origin} (the object's name, or "vmlinux BTF").
 *
 * <p>Immutable and thread-safe.
 */
final class BtfData {
    static final int KIND_INT = 1;
    static final int KIND_PTR = 2;
    static final int KIND_ARRAY = 3;
    static final int KIND_STRUCT = 4;
    static final int KIND_UNION = 5;
    static final int KIND_ENUM = 6;
    static final int KIND_FWD = 7;
    static final int KIND_TYPEDEF = 8;
    static final int KIND_VOLATILE = 9;
    static final int KIND_CONST = 10;
    static final int KIND_RESTRICT = 11;
    static final int KIND_FUNC = 12;
    static final int KIND_FUNC_PROTO = 13;
    static final int KIND_VAR = 14;
    static final int KIND_DATASEC = 15;
    static final int KIND_FLOAT = 16;
    static final int KIND_DECL_TAG = 17;
    static final int KIND_TYPE_TAG = 18;
    static final int KIND_ENUM64 = 19;

    private static final int MAGIC = 0xeb9f;
    private static final int TYPE_HEADER = 12;
    private static final int MAX_CHAIN = 64;

    /** A global variable of a BPF object: its DATASEC (.rodata, .data, .bss...), offset and size. */
    record Global(String section, int offset, int size) {
        boolean readOnly() {
            return section.startsWith(".rodata");
        }
    }

    private final String origin;
    private final ByteBuffer buf;
    private final int strStart;
    private final int strEnd;
    /** offsets[id] = position of type id's btf_type in buf; id 0 is void */
    private final int[] offsets;

    private BtfData(String origin, ByteBuffer buf, int strStart, int strEnd, int[] offsets) {
        this.origin = origin;
        this.buf = buf;
        this.strStart = strStart;
        this.strEnd = strEnd;
        this.offsets = offsets;
    }

    /**
     * @throws BpfException if the blob is not well-formed BTF
     */
    static BtfData parse(byte[] raw, String origin) {
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        try {
            if ((buf.getShort(0) & 0xffff) != MAGIC) {
                buf.order(ByteOrder.BIG_ENDIAN);
                if ((buf.getShort(0) & 0xffff) != MAGIC) {
                    throw new BpfException(origin + ": not BTF (bad magic)");
                }
            }
            int hdrLen = buf.getInt(4);
            int typeStart = hdrLen + buf.getInt(8);
            int typeEnd = typeStart + buf.getInt(12);
            int strStart = hdrLen + buf.getInt(16);
            int strEnd = strStart + buf.getInt(20);
            if (hdrLen < 24 || typeStart > typeEnd || typeEnd > raw.length || strStart > strEnd
                    || strEnd > raw.length) {
                throw new BpfException(origin + ": malformed BTF header");
            }
            List<Integer> positions = new ArrayList<>();
            positions.add(-1); // void
            for (int pos = typeStart; pos < typeEnd;) {
                positions.add(pos);
                int info = buf.getInt(pos + 4);
                pos += TYPE_HEADER + extraSize(origin, (info >>> 24) & 0x1f, info & 0xffff);
                if (pos > typeEnd) {
                    throw new BpfException(origin + ": malformed BTF: type " + (positions.size() - 1)
                            + " runs past the type section");
                }
            }
            int[] offsets = positions.stream().mapToInt(Integer::intValue).toArray();
            return new BtfData(origin, buf, strStart, strEnd, offsets);
        } catch (IndexOutOfBoundsException e) {
            throw new BpfException(origin + ": malformed BTF (truncated)", e);
        }
    }

    private static int extraSize(String origin, int kind, int vlen) {
        return switch (kind) {
            case KIND_INT, KIND_VAR, KIND_DECL_TAG -> 4;
            case KIND_ARRAY -> 12;
            case KIND_STRUCT, KIND_UNION, KIND_DATASEC, KIND_ENUM64 -> 12 * vlen;
            case KIND_ENUM, KIND_FUNC_PROTO -> 8 * vlen;
            case KIND_PTR, KIND_FWD, KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_FUNC, KIND_FLOAT,
                    KIND_TYPE_TAG -> 0;
            default -> throw new BpfException(origin + ": unsupported BTF kind " + kind);
        };
    }

    // ---- queries ----

    /**
     * The layout of {@code struct name} (or {@code union name}, or a typedef of either).
     *
     * @throws BpfException if there is no such struct or it has a bitfield
     */
    StructLayout structLayout(String name) {
        int id = findStruct(name);
        List<StructLayout.Member> members = new ArrayList<>();
        collectMembers(name, id, 0, members);
        return new StructLayout(origin, name, size(id), members);
    }

    /**
     * The constants of {@code enum name}, in BTF order.
     *
     * @throws BpfException if there is no such enum
     */
    /** Whether a type of that kind (e.g. {@link #KIND_TYPEDEF}) and name is in the blob. */
    boolean hasType(int kind, String name) {
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        for (int id = 1; id < offsets.length; id++) {
            if (kind(id) == kind && nameEquals(nameOff(id), wanted)) {
                return true;
            }
        }
        return false;
    }

    Map<String, Long> enumValues(String name) {
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        for (int id = 1; id < offsets.length; id++) {
            int kind = kind(id);
            if ((kind == KIND_ENUM || kind == KIND_ENUM64) && nameEquals(nameOff(id), wanted)) {
                Map<String, Long> values = new LinkedHashMap<>();
                int pos = offsets[id] + TYPE_HEADER;
                for (int i = 0; i < vlen(id); i++) {
                    String constant = string(buf.getInt(pos));
                    long value;
                    if (kind == KIND_ENUM) {
                        int v = buf.getInt(pos + 4);
                        value = kindFlag(id) ? v : Integer.toUnsignedLong(v);
                        pos += 8;
                    } else {
                        value = ((long) buf.getInt(pos + 8) << 32) | Integer.toUnsignedLong(buf.getInt(pos + 4));
                        pos += 12;
                    }
                    values.put(constant, value);
                }
                return values;
            }
        }
        throw new BpfException(origin + ": enum " + name + " not found");
    }

    /**
     * The offset of {@code var} inside the DATASEC named {@code section}.
     *
     * @throws BpfException if there is no such section or variable
     */
    long datasecVarOffset(String section, String var) {
        byte[] wantedSection = section.getBytes(StandardCharsets.UTF_8);
        for (int id = 1; id < offsets.length; id++) {
            if (kind(id) == KIND_DATASEC && nameEquals(nameOff(id), wantedSection)) {
                int secinfo = findVar(id, var);
                if (secinfo >= 0) {
                    return buf.getInt(secinfo + 4);
                }
                throw new BpfException(origin + ": variable " + var + " not found in " + section);
            }
        }
        throw new BpfException(origin + ": DATASEC " + section + " not found");
    }

    /** The global variable {@code var} of a BPF object (.rodata*, .data*, .bss*) sized by its type, or null. */
    Global global(String var) {
        for (int id = 1; id < offsets.length; id++) {
            if (kind(id) == KIND_DATASEC) {
                String section = string(nameOff(id));
                if (section.startsWith(".rodata") || section.startsWith(".data") || section.startsWith(".bss")) {
                    int secinfo = findVar(id, var);
                    if (secinfo >= 0) {
                        return new Global(section, buf.getInt(secinfo + 4), size(buf.getInt(secinfo)));
                    }
                }
            }
        }
        return null;
    }

    // ---- internals ----

    /** Position of the btf_var_secinfo {type, offset, size} of {@code var} in the DATASEC, or -1. */
    private int findVar(int datasec, String var) {
        byte[] wanted = var.getBytes(StandardCharsets.UTF_8);
        int pos = offsets[datasec] + TYPE_HEADER;
        for (int i = 0; i < vlen(datasec); i++, pos += 12) {
            int varId = buf.getInt(pos);
            if (kind(varId) == KIND_VAR && nameEquals(nameOff(varId), wanted)) {
                return pos;
            }
        }
        return -1;
    }

    private int findStruct(String name) {
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        int typedef = 0;
        boolean declaredOnly = false;
        for (int id = 1; id < offsets.length; id++) {
            int kind = kind(id);
            if (!nameEquals(nameOff(id), wanted)) {
                continue;
            }
            if (kind == KIND_STRUCT || kind == KIND_UNION) {
                return id;
            }
            if (kind == KIND_TYPEDEF && typedef == 0) {
                typedef = id;
            }
            declaredOnly |= kind == KIND_FWD;
        }
        if (typedef != 0) {
            int target = skipModifiers(typedef);
            if (kind(target) == KIND_STRUCT || kind(target) == KIND_UNION) {
                return target;
            }
        }
        if (declaredOnly) {
            throw new BpfException(origin + ": struct " + name + " is only declared, not defined, in BTF");
        }
        throw new BpfException(origin + ": struct " + name + " not found in BTF (a struct that only travels through"
                + " a ring buffer reaches BTF only if something references it, e.g. a global"
                + " 'struct " + name + " *unused_" + name + " __attribute__((unused));')");
    }

    private void collectMembers(String structName, int id, int baseBits, List<StructLayout.Member> out) {
        int pos = offsets[id] + TYPE_HEADER;
        for (int i = 0; i < vlen(id); i++, pos += 12) {
            String member = string(buf.getInt(pos));
            int type = buf.getInt(pos + 4);
            int offset = buf.getInt(pos + 8);
            int bitOffset = baseBits + (kindFlag(id) ? offset & 0xffffff : offset);
            int bitfieldSize = kindFlag(id) ? offset >>> 24 : 0;
            int target = skipModifiers(type);
            if (bitfieldSize != 0 || bitOffset % 8 != 0 || isIntBitfield(target)) {
                throw new BpfException(origin + ": struct " + structName + " member "
                        + (member.isEmpty() ? "<anonymous>" : member)
                        + " is a bitfield; only whole-byte members are supported");
            }
            if (member.isEmpty() && (kind(target) == KIND_STRUCT || kind(target) == KIND_UNION)) {
                collectMembers(structName, target, bitOffset, out);
            } else {
                out.add(new StructLayout.Member(member, bitOffset / 8, size(type)));
            }
        }
    }

    /** An INT whose encoding uses fewer bits than its size: the pre-kind_flag bitfield encoding. */
    private boolean isIntBitfield(int id) {
        if (kind(id) != KIND_INT) {
            return false;
        }
        int encoding = buf.getInt(offsets[id] + TYPE_HEADER);
        return (encoding & 0xff) != sizeOrType(id) * 8 || ((encoding >>> 16) & 0xff) != 0;
    }

    private int skipModifiers(int id) {
        for (int i = 0; i < MAX_CHAIN; i++) {
            switch (kind(id)) {
                case KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_TYPE_TAG, KIND_VAR ->
                    id = sizeOrType(id);
                default -> {
                    return id;
                }
            }
        }
        throw new BpfException(origin + ": malformed BTF: type chain too long at type " + id);
    }

    /** sizeof the type, in bytes. */
    private int size(int id) {
        int target = skipModifiers(id);
        return switch (kind(target)) {
            case KIND_INT, KIND_STRUCT, KIND_UNION, KIND_ENUM, KIND_ENUM64, KIND_FLOAT, KIND_DATASEC ->
                sizeOrType(target);
            case KIND_PTR -> 8; // BPF is a 64-bit target
            case KIND_ARRAY -> size(buf.getInt(offsets[target] + TYPE_HEADER))
                    * buf.getInt(offsets[target] + TYPE_HEADER + 8);
            default -> throw new BpfException(origin + ": type " + target + " (kind " + kind(target)
                    + ") has no size");
        };
    }

    private int kind(int id) {
        if (id <= 0 || id >= offsets.length) {
            throw new BpfException(origin + ": malformed BTF: type id " + id + " out of range");
        }
        return (buf.getInt(offsets[id] + 4) >>> 24) & 0x1f;
    }

    private int vlen(int id) {
        return buf.getInt(offsets[id] + 4) & 0xffff;
    }

    private boolean kindFlag(int id) {
        return buf.getInt(offsets[id] + 4) < 0;
    }

    private int nameOff(int id) {
        return buf.getInt(offsets[id]);
    }

    private int sizeOrType(int id) {
        return buf.getInt(offsets[id] + 8);
    }

    private boolean nameEquals(int nameOff, byte[] wanted) {
        int pos = strStart + nameOff;
        if (nameOff < 0 || pos + wanted.length >= strEnd) {
            return false;
        }
        for (int i = 0; i < wanted.length; i++) {
            if (buf.get(pos + i) != wanted[i]) {
                return false;
            }
        }
        return buf.get(pos + wanted.length) == 0;
    }

    private String string(int nameOff) {
        int start = strStart + nameOff;
        int end = start;
        while (end < strEnd && buf.get(end) != 0) {
            end++;
        }
        return new String(buf.array(), start, end - start, StandardCharsets.UTF_8);
    }
}
