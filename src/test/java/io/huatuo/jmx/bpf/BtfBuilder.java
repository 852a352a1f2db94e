package io.huatuo.jmx.bpf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes small BTF blobs for tests, type by type; each method returns the new type's id. */
final class BtfBuilder {
    /** A struct or union member; bitfieldSize 0 means a whole-byte member. */
    record M(String name, int type, int bitOffset, int bitfieldSize) {
        M(String name, int type, int bitOffset) {
            this(name, type, bitOffset, 0);
        }
    }

    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final ByteBuffer types = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private int nextId = 1;

    BtfBuilder() {
        strings.write(0); // offset 0 is the empty name
    }

    int intType(String name, int size) {
        return intType(name, size, size * 8);
    }

    /** An INT with its own bit count: the legacy bitfield encoding when bits < size * 8. */
    int intType(String name, int size, int bits) {
        header(name, BtfData.KIND_INT, 0, false, size);
        types.putInt(bits);
        return nextId++;
    }

    int ptr(int target) {
        header("", BtfData.KIND_PTR, 0, false, target);
        return nextId++;
    }

    int array(int element, int count) {
        header("", BtfData.KIND_ARRAY, 0, false, 0);
        types.putInt(element).putInt(element).putInt(count);
        return nextId++;
    }

    int struct(String name, int size, M... members) {
        return composite(BtfData.KIND_STRUCT, name, size, members);
    }

    int union(String name, int size, M... members) {
        return composite(BtfData.KIND_UNION, name, size, members);
    }

    int typedef(String name, int target) {
        header(name, BtfData.KIND_TYPEDEF, 0, false, target);
        return nextId++;
    }

    int constOf(int target) {
        header("", BtfData.KIND_CONST, 0, false, target);
        return nextId++;
    }

    /** constants: name, value, name, value... */
    int enumType(String name, boolean signed, Object... constants) {
        header(name, BtfData.KIND_ENUM, constants.length / 2, signed, 4);
        for (int i = 0; i < constants.length; i += 2) {
            types.putInt(str((String) constants[i])).putInt((Integer) constants[i + 1]);
        }
        return nextId++;
    }

    int enum64(String name, String constant, long value) {
        header(name, BtfData.KIND_ENUM64, 1, false, 8);
        types.putInt(str(constant)).putInt((int) value).putInt((int) (value >>> 32));
        return nextId++;
    }

    int var(String name, int type) {
        header(name, BtfData.KIND_VAR, 0, false, type);
        types.putInt(1); // global
        return nextId++;
    }

    /** entries: var id, offset, size, var id, offset, size... */
    int datasec(String name, int size, int... entries) {
        header(name, BtfData.KIND_DATASEC, entries.length / 3, false, size);
        for (int entry : entries) {
            types.putInt(entry);
        }
        return nextId++;
    }

    byte[] build() {
        byte[] str = strings.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(24 + types.position() + str.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(24);
        out.putInt(0).putInt(types.position()).putInt(types.position()).putInt(str.length);
        out.put(types.array(), 0, types.position()).put(str);
        return out.array();
    }

    private int composite(int kind, String name, int size, M... members) {
        boolean kindFlag = false;
        for (M m : members) {
            kindFlag |= m.bitfieldSize() != 0;
        }
        header(name, kind, members.length, kindFlag, size);
        for (M m : members) {
            types.putInt(str(m.name())).putInt(m.type()).putInt(kindFlag ? m.bitfieldSize() << 24 | m.bitOffset()
                    : m.bitOffset());
        }
        return nextId++;
    }

    private void header(String name, int kind, int vlen, boolean kindFlag, int sizeOrType) {
        types.putInt(str(name)).putInt((kindFlag ? 1 << 31 : 0) | kind << 24 | vlen).putInt(sizeOrType);
    }

    private int str(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        int offset = strings.size();
        strings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        strings.write(0);
        return offset;
    }
}
