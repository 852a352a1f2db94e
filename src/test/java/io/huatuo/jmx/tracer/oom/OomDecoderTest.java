package io.huatuo.jmx.tracer.oom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.event.Container;
import io.huatuo.jmx.event.Event;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.CapturedRecord;
import io.huatuo.jmx.tracer.PendingEvent;
import io.huatuo.jmx.tracer.TracerContext;
import io.huatuo.jmx.tracer.TracerTesting;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The oom decoder on a record captured from the kernel; no root needed (the object is only opened). */
class OomDecoderTest {
    private static final String HOG_ID = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final String TRIG_ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private BpfObject object;
    private Oom oom;

    @BeforeEach
    void prepare() {
        object = BpfObject.openResource("oom");
        oom = new Oom();
        TracerTesting.prepareDecoder(oom, new TracerContext(HuatuoConfig.defaults(TracerRegistry.ALL), null, e -> true), object);
    }

    @AfterEach
    void close() {
        object.close();
    }

    static ByteBuffer captured(String name) throws IOException {
        return CapturedRecord.load("/oom/" + name);
    }

    @Test
    void decodesACapturedSiblingOom() throws IOException {
        PendingEvent p = oom.decode(captured("sibling_docker_kubepods.hex"), 16, 3192);
        Event e = p.builder().hostname("h").build();
        String victimMemcg = (String) e.get("victim_memcg");
        String top = victimMemcg.substring(0, victimMemcg.indexOf("/docker/"));
        assertTrue(top.startsWith("/huatuo-issue4-capture-"), victimMemcg);
        assertEquals(top + "/docker/" + HOG_ID, victimMemcg);
        assertEquals(top + "/kubepods/burstable/pod5f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8/" + TRIG_ID,
                e.get("trigger_memcg"));
        assertEquals(5407, e.get("victim_pid"));
        assertEquals(5449, e.get("trigger_pid"));
        assertEquals("python3", e.get("victim_process_name"));
        assertEquals("python3", e.get("trigger_process_name"));
        assertTrue(((String) e.get("victim_memcg_css")).matches("0xffff[0-9a-f]{12}"), (String) e.get("victim_memcg_css"));
        assertTrue(!e.get("victim_memcg_css").equals(e.get("trigger_memcg_css")));
        assertEquals("CONSTRAINT_MEMCG", e.get("constraint"));
        assertEquals(top, e.get("oom_memcg"));
        long rss = (Long) e.get("victim_anon_rss_kb");
        assertTrue(rss >= 40 << 10 && rss < 64 << 10, "the hog's 40 MiB: " + rss);
        assertTrue((Long) e.get("victim_total_vm_kb") > rss);

        // trigger and victim containers come from the captured paths; the envelope is the victim's
        assertEquals(5407, p.containerPid());
        assertEquals(victimMemcg, p.containerPath());
        assertEquals(List.of(new PendingEvent.ContainerRequest("trigger_", 5449, (String) e.get("trigger_memcg")),
                new PendingEvent.ContainerRequest("victim_", 5407, victimMemcg)), p.containerRequests());
    }

    @Test
    void hostAndContainerOomsAreCountedByTheVictimsContainer() throws IOException {
        PendingEvent p = oom.decode(captured("sibling_docker_kubepods.hex"), 16, 3192);
        p.whenComplete().accept(p.builder().hostname("h").build());
        p.whenComplete().accept(p.builder().hostname("h")
                .container(new Container(HOG_ID.substring(0, 12), "", "", "docker", "")).build());
        assertEquals(1L, attribute("HostOomCount"));
        assertEquals(1L, attribute("ContainerOomCount"));
    }

    @Test
    void rejectsAShortRecord() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> oom.decode(captured("sibling_docker_kubepods.hex"), 16, 100));
        assertTrue(e.getMessage().contains("100 bytes"), e.getMessage());
    }

    private Object attribute(String name) {
        return oom.attributes().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow().getter().get();
    }
}
