package io.huatuo.jmx.tracer.oom;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The kernel's oom-kill line, as the console tracepoint pieces it together, matched to its victim. */
class OomKmsgTest {
    // as seen on this kernel; the pr_cont pieces arrive without separators of their own
    private static final String MEMCG_LINE = "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
            + "mems_allowed=0,oom_memcg=/lab-oom,task_memcg=/lab-oom/a,task=python3,pid=13186,uid=0";
    private static final String GLOBAL_LINE = "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,"
            + "mems_allowed=0,global_oom,task_memcg=/user.slice,task=java,pid=77,uid=1000";

    private static ByteBuffer buf(String s) {
        // NULs between pieces come from the classic tracepoint's __data_loc strings
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String line(String s, int tid) {
        return Oom.kmsgLine(buf(s), 0, s.length(), tid);
    }

    @Test
    void memcgOomGivesConstraintAndTheMemcgThatHitItsLimit() {
        String l = line(MEMCG_LINE, 13186);
        assertEquals(MEMCG_LINE, l);
        assertEquals("CONSTRAINT_MEMCG", Oom.constraint(l));
        assertEquals("/lab-oom", Oom.oomMemcg(l));
    }

    @Test
    void globalOomHasNoOomMemcg() {
        String l = line(GLOBAL_LINE, 77);
        assertEquals("CONSTRAINT_NONE", Oom.constraint(l));
        assertEquals("", Oom.oomMemcg(l));
    }

    @Test
    void aLineNamingAnotherVictimOrCutShortIsNotUsed() {
        assertEquals("", line(MEMCG_LINE, 13187));
        assertEquals("", line(MEMCG_LINE.substring(0, 60), 13186));
        assertEquals("", line("", 1));
        assertEquals("", Oom.constraint(""));
    }

    @Test
    void nulsBetweenPiecesAreDropped() {
        String pieced = MEMCG_LINE.replace(",oom_memcg=", "\0,oom_memcg=\0");
        assertEquals(MEMCG_LINE, line(pieced, 13186));
    }
}
