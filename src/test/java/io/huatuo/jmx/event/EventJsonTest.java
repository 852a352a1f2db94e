package io.huatuo.jmx.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventJsonTest {
    static final Schema SCHEMA = new Schema("dropwatch", List.of(
            Field.string("type", "kind"), Field.string("comm", "command"), Field.int32("pid", "pid"),
            Field.int64("seq", "sequence"), Field.string("stack", "stack")));
    static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
    // 2025-06-11 16:58:15.099 +0800, HUATUO's dropwatch example
    static final long TIME = 1749632295099L;

    static Event huatuoLikeEvent(Container c) {
        return Event.builder(SCHEMA).hostname("host1").region("zjy04").zone(SHANGHAI).timeMillis(TIME)
                .uploaded(Instant.ofEpochSecond(1749632295L, 100223795L)).container(c)
                .set("type", "common_drop").set("comm", "kubelet").set("pid", 1687046).set("seq", 1902752773L)
                .set("stack", "kfree_skb/ffffffff9a0cd5c0 [kernel]\ntcp_connect/ffffffff9a1ae610 [kernel]").build();
    }

    @Test
    void documentFollowsHuatuosRecordLayout() {
        String doc = EventJson.document(huatuoLikeEvent(null));
        assertEquals("""
                {
                  "hostname": "host1",
                  "region": "zjy04",
                  "uploaded_time": "2025-06-11T16:58:15.100223795+08:00",
                  "time": "2025-06-11 16:58:15.099 +0800",
                  "tracer_name": "dropwatch",
                  "tracer_time": "2025-06-11 16:58:15.099 +0800",
                  "tracer_type": "auto",
                  "tracer_data": {
                    "type": "common_drop",
                    "comm": "kubelet",
                    "pid": 1687046,
                    "seq": 1902752773,
                    "stack": "kfree_skb/ffffffff9a0cd5c0 [kernel]\\ntcp_connect/ffffffff9a1ae610 [kernel]"
                  }
                }""", doc);
    }

    @Test
    void containerFieldsFollowRegionForContainerEvents() {
        String doc = EventJson.document(huatuoLikeEvent(new Container("921d0ec0a20c", "workers-1.docker", "", "docker", "")));
        assertTrue(doc.contains("  \"region\": \"zjy04\",\n"
                + "  \"container_id\": \"921d0ec0a20c\",\n"
                + "  \"container_hostname\": \"workers-1.docker\",\n"
                + "  \"container_host_namespace\": \"\",\n"
                + "  \"container_type\": \"docker\",\n"
                + "  \"container_level\": \"\",\n"
                + "  \"uploaded_time\""), doc);
    }

    @Test
    void flatViewHasEnvelopeThenFieldsAndEmptyContainerOnHost() {
        Map<String, Object> flat = huatuoLikeEvent(null).flat();
        assertEquals(List.of("hostname", "region", "uploaded_time", "time", "tracer_name", "tracer_time", "tracer_type",
                "container_id", "container_hostname", "container_host_namespace", "container_type", "container_level",
                "type", "comm", "pid", "seq", "stack"), List.copyOf(flat.keySet()));
        assertEquals("", flat.get("container_id"));
        assertEquals(1687046, flat.get("pid"));
    }

    @Test
    void flatValuesLineUpWithTheFlatNames() {
        for (Container c : new Container[] {null, new Container("921d0ec0a20c", "w-1", "ns", "docker", "burstable")}) {
            Event e = huatuoLikeEvent(c);
            Map<String, Object> flat = e.flat();
            assertEquals(List.copyOf(flat.keySet()), List.of(e.schema().flatNames()));
            assertEquals(List.copyOf(flat.values()), List.of(e.flatValues()));
            assertEquals(c == null ? "" : "burstable", flat.get("container_level"));
            assertEquals("dropwatch", flat.get("tracer_name"));
            assertEquals(flat.get("time"), flat.get("tracer_time"));
        }
    }

    @Test
    void unsetFieldsHoldTheirZero() {
        Event e = Event.builder(SCHEMA).hostname("h").build();
        assertEquals(0, e.get("pid"));
        assertEquals(0L, e.get("seq"));
        assertEquals("", e.get("comm"));
    }

    @Test
    void builderRejectsUnknownFieldAndWrongType() {
        Event.Builder b = Event.builder(SCHEMA);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> b.set("nope", "x"));
        assertTrue(unknown.getMessage().contains("nope"), unknown.getMessage());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> b.set("pid", 5L));
        assertTrue(wrong.getMessage().contains("dropwatch.pid"), wrong.getMessage());
    }

    @Test
    void summaryIsOneLineWithoutMultilineFields() {
        String s = huatuoLikeEvent(null).summary();
        assertEquals("dropwatch type=common_drop comm=kubelet pid=1687046 seq=1902752773", s);
        Event empty = Event.builder(SCHEMA).hostname("h").build();
        assertEquals("dropwatch type=- comm=- pid=0 seq=0 stack=-", empty.summary()); // zeros, "-" for empty strings
    }

    @Test
    void schemaRejectsFieldsThatClashWithTheEnvelope() {
        assertThrows(IllegalArgumentException.class,
                () -> new Schema("x", List.of(Field.string("hostname", "clash"))));
    }
}
