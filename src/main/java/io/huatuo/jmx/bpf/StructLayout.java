package io.huatuo.jmx.bpf;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout of a C struct as BTF describes it: total size and each member's byte offset and size. The decoders'
 * readers are generated from the objects' BTF at build time; at start, {@link #requireSame} checks the loaded
 * object against what they were generated from, so a record that changed shape is caught, never silently misread.
 *
 * <p>Members of anonymous nested structs and unions appear as members of this struct; an array member has the
 * size of the whole array; a nested named struct is one member. Immutable and thread-safe.
 */
public final class StructLayout {
    /** One member: byte offset from the start of the struct and size in bytes. */
    public record Member(String name, int offset, int size) {
    }

    private final String origin;
    private final String name;
    private final int size;
    private final Map<String, Member> members;

    StructLayout(String origin, String name, int size, List<Member> members) {
        this.origin = origin;
        this.name = name;
        this.size = size;
        this.members = new LinkedHashMap<>();
        for (Member m : members) {
            this.members.put(m.name(), m);
        }
    }

    /** A layout known in advance (generated at build time from the object's BTF), to {@link #requireSame} against. */
    public static StructLayout of(String name, int size, List<Member> members) {
        return new StructLayout("generated", name, size, members);
    }

    /**
     * Requires this layout (read from an object's BTF) to be {@code expected}: same size, same members at the
     * same offsets with the same sizes.
     *
     * @throws BpfException naming the first difference
     */
    public void requireSame(StructLayout expected) {
        String what = origin + ": struct " + name + " ";
        if (size != expected.size) {
            throw new BpfException(what + "is " + size + " bytes, the Java side was generated for " + expected.size);
        }
        for (Member m : expected.members.values()) {
            Member actual = members.get(m.name());
            if (!m.equals(actual)) {
                throw new BpfException(what + "member " + m.name() + " is " + (actual == null ? "missing" : "at offset "
                        + actual.offset() + " (" + actual.size() + " bytes)") + ", the Java side was generated for offset "
                        + m.offset() + " (" + m.size() + " bytes)");
            }
        }
        if (members.size() != expected.members.size()) {
            throw new BpfException(what + "has members " + members.keySet() + ", the Java side was generated for "
                    + expected.members.keySet());
        }
    }

    /** The struct's name. */
    public String name() {
        return name;
    }

    /** The struct's total size in bytes (sizeof). */
    public int size() {
        return size;
    }

    /** The members in declaration order. */
    public List<Member> members() {
        return List.copyOf(members.values());
    }

    /**
     * @throws BpfException if the struct has no such member
     */
    public Member member(String member) {
        Member m = members.get(member);
        if (m == null) {
            throw new BpfException(origin + ": struct " + name + " has no member " + member + " (members: "
                    + String.join(", ", members.keySet()) + ")");
        }
        return m;
    }

    /** Byte offset of a member. @throws BpfException if the struct has no such member */
    public int offsetOf(String member) {
        return member(member).offset();
    }

    /** Size in bytes of a member. @throws BpfException if the struct has no such member */
    public int sizeOf(String member) {
        return member(member).size();
    }

    /**
     * Byte offset of a member the caller reads as {@code expectedSize} bytes.
     *
     * @throws BpfException if the member is missing or has another size
     */
    public int offsetOf(String member, int expectedSize) {
        Member m = member(member);
        if (m.size() != expectedSize) {
            throw new BpfException(origin + ": struct " + name + " member " + member + " is " + m.size()
                    + " bytes, expected " + expectedSize);
        }
        return m.offset();
    }

    @Override
    public String toString() {
        return "struct " + name + " (" + size + " bytes) " + members.values();
    }
}
