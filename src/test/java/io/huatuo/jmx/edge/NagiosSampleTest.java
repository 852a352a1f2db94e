package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.GeneratedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed Nagios sample is what nagios/generate.py writes, with a service for every tracer. */
class NagiosSampleTest {
    private static final Path SAMPLE = Path.of("nagios/huatuo-jmx.cfg");

    @Test
    void committedSampleIsTheGeneratorsOutput() throws Exception {
        GeneratedFiles.assertCommittedAreTheGeneratorsOutput(SAMPLE.getParent(), SAMPLE.getFileName().toString());
    }

    @Test
    void everyRegisteredTracerHasAService() throws Exception {
        String sample = Files.readString(SAMPLE);
        for (String t : TracerRegistry.names()) {
            assertTrue(sample.contains("check_huatuo_tracer!8778!" + t + "!"), t);
        }
    }
}
