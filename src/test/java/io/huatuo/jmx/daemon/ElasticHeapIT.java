package io.huatuo.jmx.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.DaemonProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon with the packaged JVM options: load (Prometheus scrapes, each a few young collections)
 * loosens the heap free ratios, read back with jcmd; 30 s without load restores the launcher's.
 */
class ElasticHeapIT {

    @Test
    void loadGrowsTheHeapAndIdleGivesItBack(@TempDir Path dir) throws Exception {
        try (DaemonProcess d = DaemonProcess.start(dir, "", "")) {
            assertEquals("5/15", ratios(d), "the launcher's ratios at start");
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest scrape = HttpRequest.newBuilder(URI.create(d.prometheusUrl())).build();
            long end = System.nanoTime() + 20_000_000_000L;
            int scrapes = 0;
            while (!d.output().contains("ElasticHeap - busy") && System.nanoTime() < end) {
                assertEquals(200, http.send(scrape, HttpResponse.BodyHandlers.discarding()).statusCode());
                scrapes++;
            }
            assertTrue(d.output().contains("ElasticHeap - busy"), scrapes + " scrapes:\n" + d.output());
            assertEquals(ElasticHeap.BUSY_MIN_FREE + "/" + ElasticHeap.BUSY_MAX_FREE, ratios(d));
            // idle: back after IDLE_SECONDS, with one full collection
            end = System.nanoTime() + (ElasticHeap.IDLE_SECONDS + 15) * 1_000_000_000L;
            while (!d.output().contains("ElasticHeap - idle") && System.nanoTime() < end) {
                Thread.sleep(200);
            }
            assertTrue(d.output().contains("ElasticHeap - idle for " + ElasticHeap.IDLE_SECONDS + " s: heap free ratios"
                    + " 5/15 % again"), d.output());
            assertEquals("5/15", ratios(d));
        }
    }

    /** MinHeapFreeRatio/MaxHeapFreeRatio of the running daemon, as jcmd reads them. */
    private static String ratios(DaemonProcess d) throws Exception {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Process p = new ProcessBuilder(java.resolveSibling("jcmd").toString(), Long.toString(d.process.pid()),
                "VM.flags", "-all").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return flag(out, "MinHeapFreeRatio") + "/" + flag(out, "MaxHeapFreeRatio");
    }

    private static String flag(String flags, String name) {
        Matcher m = Pattern.compile("\\b" + name + "\\s*=\\s*(\\d+)").matcher(flags);
        assertTrue(m.find(), name + " in:\n" + flags);
        return m.group(1);
    }
}
