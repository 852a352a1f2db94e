package io.huatuo.jmx.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimeFormatsTest {
    private static final List<ZoneId> ZONES = List.of(ZoneId.of("UTC"), ZoneId.of("Asia/Shanghai"),
            ZoneId.of("Asia/Kathmandu"), ZoneId.of("America/St_Johns"), ZoneId.of("Europe/Berlin"));

    private static String formatter(Instant i, ZoneId zone) {
        return TimeFormats.UPLOADED_TIME.format(i.atZone(zone));
    }

    @Test
    void uploadedTimeIsTheFormattersTextForEveryNanosecondAndZone() {
        SplittableRandom r = new SplittableRandom(7);
        for (int n = 0; n < 20_000; n++) {
            // runs within one second (the cached part), then a jump to another second and zone
            long second = 1_700_000_000L + r.nextLong(400_000_000L);
            ZoneId zone = ZONES.get(r.nextInt(ZONES.size()));
            for (int k = 0; k < 3; k++) {
                Instant i = Instant.ofEpochSecond(second, r.nextInt(1_000_000_000));
                assertEquals(formatter(i, zone), TimeFormats.uploadedTime(i, zone));
            }
        }
        for (int nano : new int[] {0, 1, 10, 999_999_999, 100_000_000, 5}) {
            Instant i = Instant.ofEpochSecond(1_749_629_116L, nano);
            assertEquals(formatter(i, ZONES.get(1)), TimeFormats.uploadedTime(i, ZONES.get(1)));
        }
        assertEquals("2025-06-11T16:05:16.251152703+08:00",
                TimeFormats.uploadedTime(Instant.ofEpochSecond(1_749_629_116L, 251_152_703), ZONES.get(1)));
    }

    @Test
    void uploadedTimeFollowsAnOffsetChangeWithinTheSameZone() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        long change = 1_711_846_800L; // 2024-03-31T01:00:00Z: Berlin goes from +01:00 to +02:00
        for (long s = change - 2; s <= change + 2; s++) {
            Instant i = Instant.ofEpochSecond(s, 123_456_789);
            assertEquals(formatter(i, berlin), TimeFormats.uploadedTime(i, berlin));
        }
        assertEquals("2024-03-31T01:59:59.123456789+01:00",
                TimeFormats.uploadedTime(Instant.ofEpochSecond(change - 1, 123_456_789), berlin));
        assertEquals("2024-03-31T03:00:00.123456789+02:00",
                TimeFormats.uploadedTime(Instant.ofEpochSecond(change, 123_456_789), berlin));
    }
}
