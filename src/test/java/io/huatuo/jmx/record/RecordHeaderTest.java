package io.huatuo.jmx.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.ZoneId;
import java.time.ZonedDateTime;

import org.junit.jupiter.api.Test;

class RecordHeaderTest {

    private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
    // 2025-06-11 16:58:15.099 +0800, HUATUO's dropwatch event
    private static final long HUATUO_EXAMPLE_TIME = ZonedDateTime.of(2025, 6, 11, 16, 58, 15, 99_000_000, SHANGHAI)
            .toInstant().toEpochMilli();

    @Test
    void hostEventHasTimeHostAndRegionOnly() {
        assertEquals("2025-06-11 16:58:15 Host=node-1 Region=zjy04",
                RecordHeader.format(HUATUO_EXAMPLE_TIME, SHANGHAI, "node-1", "zjy04", "", "", "", ""));
    }

    @Test
    void containerEventAppendsTheFourContainerKeys() {
        assertEquals("2025-06-11 16:58:15 Host=node-1 Region=us01 ContainerHost=pb-router-1.docker"
                        + " ContainerID=3f2a9c ContainerType=normal ContainerLevel=1",
                RecordHeader.format(HUATUO_EXAMPLE_TIME, SHANGHAI, "node-1", "us01", "pb-router-1.docker", "3f2a9c",
                        "normal", "1"));
    }

    @Test
    void containerPartNeedsAContainerId() {
        assertEquals("2025-06-11 16:58:15 Host=node-1 Region=us01",
                RecordHeader.format(HUATUO_EXAMPLE_TIME, SHANGHAI, "node-1", "us01", "ignored", null, "normal", "1"));
    }

    @Test
    void timeIsShownInTheGivenZone() {
        assertEquals("2025-06-11 08:58:15 Host=h Region=r",
                RecordHeader.format(HUATUO_EXAMPLE_TIME, ZoneId.of("UTC"), "h", "r", null, null, null, null));
    }

    @Test
    void nullValuesAreEmptyAndWhitespaceCannotBreakTheLine() {
        assertEquals("2025-06-11 16:58:15 Host= Region=a_b ContainerHost=evil_Host=x ContainerID=id"
                        + " ContainerType= ContainerLevel=",
                RecordHeader.format(HUATUO_EXAMPLE_TIME, SHANGHAI, null, "a b", "evil\nHost=x", "id", null, ""));
    }
}
