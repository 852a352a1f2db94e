package io.huatuo.jmx.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.bpf.BtfBuilder.M;
import io.huatuo.jmx.bpf.StructLayout.Member;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BtfDataTest {
    private final BtfBuilder b = new BtfBuilder();
    private final int u8 = b.intType("unsigned char", 1);
    private final int u32 = b.intType("unsigned int", 4);
    private final int u64 = b.intType("unsigned long long", 8);

    private BtfData parse() {
        return BtfData.parse(b.build(), "test");
    }

    @Test
    void structLayoutGivesEachMembersOffsetAndSize() {
        b.struct("event", 40, new M("ts_ns", u64, 0), new M("pid", u32, 64), new M("comm", b.array(u8, 16), 96),
                new M("task", b.ptr(b.constOf(u32)), 256));

        StructLayout layout = parse().structLayout("event");

        assertEquals(40, layout.size());
        assertEquals(List.of(new Member("ts_ns", 0, 8), new Member("pid", 8, 4), new Member("comm", 12, 16),
                new Member("task", 32, 8)), layout.members());
    }

    @Test
    void anonymousUnionMembersAreFlattenedIntoTheStruct() {
        int anon = b.union("", 8, new M("addr4", u32, 0), new M("addr6_lo", u64, 0));
        b.struct("event", 16, new M("kind", u32, 0), new M("", anon, 64));

        StructLayout layout = parse().structLayout("event");

        assertEquals(new Member("addr4", 8, 4), layout.member("addr4"));
        assertEquals(new Member("addr6_lo", 8, 8), layout.member("addr6_lo"));
    }

    @Test
    void namedNestedStructIsOneMemberOfItsWholeSize() {
        int inner = b.struct("inner", 12, new M("a", u32, 0), new M("b", u64, 32));
        b.struct("outer", 16, new M("kind", u32, 0), new M("in", inner, 32));

        StructLayout layout = parse().structLayout("outer");

        assertEquals(List.of(new Member("kind", 0, 4), new Member("in", 4, 12)), layout.members());
    }

    @Test
    void aTypeIsFoundByKindAndName() {
        b.typedef("btf_trace_mc_event", b.ptr(u32));
        BtfData btf = parse();
        assertTrue(btf.hasType(BtfData.KIND_TYPEDEF, "btf_trace_mc_event"));
        assertFalse(btf.hasType(BtfData.KIND_TYPEDEF, "btf_trace_mce_record"));
        assertFalse(btf.hasType(BtfData.KIND_STRUCT, "btf_trace_mc_event"), "a typedef is not a struct");
        assertFalse(btf.hasType(BtfData.KIND_TYPEDEF, "btf_trace_mc_even"), "whole names only");
    }

    @Test
    void typedefOfAStructIsFoundByTheTypedefName() {
        int anon = b.struct("", 4, new M("x", u32, 0));
        b.typedef("thing_t", b.constOf(anon));

        StructLayout layout = parse().structLayout("thing_t");

        assertEquals(4, layout.size());
        assertEquals(0, layout.offsetOf("x", 4));
    }

    @Test
    void bitfieldMemberIsRefused() {
        b.struct("flags", 4, new M("a", u32, 0, 3), new M("b", u32, 3, 5));

        BpfException e = assertThrows(BpfException.class, () -> parse().structLayout("flags"));
        assertTrue(e.getMessage().contains("member a is a bitfield"), e.getMessage());
    }

    @Test
    void legacyIntBitfieldIsRefused() {
        b.struct("flags", 4, new M("a", b.intType("unsigned int", 4, 3), 0));

        assertThrows(BpfException.class, () -> parse().structLayout("flags"));
    }

    @Test
    void missingStructIsAClearError() {
        BpfException e = assertThrows(BpfException.class, () -> parse().structLayout("nope"));
        assertTrue(e.getMessage().startsWith("test: struct nope not found in BTF"), e.getMessage());
    }

    @Test
    void missingMemberNamesTheStructAndItsMembers() {
        b.struct("event", 8, new M("pid", u32, 0), new M("tid", u32, 32));

        BpfException e = assertThrows(BpfException.class, () -> parse().structLayout("event").offsetOf("comm"));
        assertEquals("test: struct event has no member comm (members: pid, tid)", e.getMessage());
    }

    @Test
    void memberOfAnotherSizeThanExpectedIsRefused() {
        b.struct("event", 8, new M("pid", u64, 0));

        StructLayout layout = parse().structLayout("event");
        assertEquals(0, layout.offsetOf("pid", 8));
        BpfException e = assertThrows(BpfException.class, () -> layout.offsetOf("pid", 4));
        assertEquals("test: struct event member pid is 8 bytes, expected 4", e.getMessage());
    }

    @Test
    void enumKeepsBtfNamesOrderAndSignedness() {
        b.enumType("skb_drop_reason", false, "SKB_NOT_DROPPED_YET", 0, "SKB_DROP_REASON_NO_SOCKET", 3,
                "SKB_DROP_REASON_MAX", -1);
        b.enumType("signed_thing", true, "MINUS_ONE", -1);
        b.enum64("big", "HUGE", 1L << 40);

        BtfData btf = parse();

        Map<String, Long> reasons = btf.enumValues("skb_drop_reason");
        assertEquals(List.of("SKB_NOT_DROPPED_YET", "SKB_DROP_REASON_NO_SOCKET", "SKB_DROP_REASON_MAX"),
                List.copyOf(reasons.keySet()));
        assertEquals(3L, reasons.get("SKB_DROP_REASON_NO_SOCKET"));
        assertEquals(0xffffffffL, reasons.get("SKB_DROP_REASON_MAX"));
        assertEquals(-1L, btf.enumValues("signed_thing").get("MINUS_ONE"));
        assertEquals(1L << 40, btf.enumValues("big").get("HUGE"));
        assertThrows(BpfException.class, () -> btf.enumValues("nope"));
    }

    @Test
    void datasecVariableOffsetIsFound() {
        int runqueues = b.var("runqueues", u64);
        int preempt = b.var("__preempt_count", u32);
        b.datasec(".data..percpu", 86068, runqueues, 0, 8, preempt, 86064, 4);

        BtfData btf = parse();

        assertEquals(86064, btf.datasecVarOffset(".data..percpu", "__preempt_count"));
        assertThrows(BpfException.class, () -> btf.datasecVarOffset(".data..percpu", "nope"));
        assertThrows(BpfException.class, () -> btf.datasecVarOffset(".nope", "runqueues"));
    }

    @Test
    void globalsComeFromDataSectionsWithTheSizeOfTheirType() {
        int knob = b.var("knob", b.constOf(u64));
        int burst = b.var("burst", u32);
        int events = b.var("events", u64);
        b.datasec(".rodata", 8, knob, 0, 8);
        b.datasec(".bss", 8, burst, 4, 4);
        b.datasec(".maps", 8, events, 0, 8);

        BtfData btf = parse();

        assertEquals(new BtfData.Global(".rodata", 0, 8), btf.global("knob"));
        assertTrue(btf.global("knob").readOnly());
        assertEquals(new BtfData.Global(".bss", 4, 4), btf.global("burst"));
        assertFalse(btf.global("burst").readOnly());
        assertNull(btf.global("events"));
    }

    @Test
    void malformedBtfIsRejected() {
        byte[] good = b.build();
        byte[] badMagic = good.clone();
        badMagic[0] = 0;
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 8);

        assertThrows(BpfException.class, () -> BtfData.parse(badMagic, "test"));
        assertThrows(BpfException.class, () -> BtfData.parse(truncated, "test"));
        assertThrows(BpfException.class, () -> BtfData.parse(new byte[3], "test"));
    }
}
