package io.huatuo.jmx.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.huatuo.jmx.bpf.Bpf;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.TestDaemon;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The daemon's own kernel cost under real loopback TCP traffic: netrecvlat's KernelCostNanosPerSecond
 * and ProgramRunsPerSecond against bpftool's reading of the same programs' run_time_ns/run_cnt, and the
 * run-time statistics off again between the daemon's windows.
 */
class KernelCostIT {
    private static final Path STATS_SYSCTL = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    private static final double TOLERANCE = 0.20;

    /** Steady loopback TCP: 8 KiB every millisecond, read as it comes (netrecvlat's three hooks per packet). */
    private static final class Traffic implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private volatile boolean stop;
        private final Thread reader;
        private final Thread writer;

        Traffic() throws IOException {
            reader = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    byte[] b = new byte[65536];
                    while (!stop && in.read(b) >= 0) {
                        // drain
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            }, "cost-reader");
            writer = new Thread(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                        OutputStream out = s.getOutputStream()) {
                    byte[] b = new byte[8192];
                    long next = System.nanoTime();
                    while (!stop) {
                        out.write(b);
                        next += 1_000_000;
                        LockSupport.parkNanos(next - System.nanoTime());
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            }, "cost-writer");
            reader.start();
            writer.start();
        }

        @Override
        public void close() throws Exception {
            stop = true;
            server.close();
            writer.join(5000);
            reader.join(5000);
        }
    }

    /** One reading of the programs' statistics by bpftool: {time ns, run_time_ns, run_cnt}. */
    private record Reading(long at, long runTimeNs, long runs) {
    }

    private static JsonNode bpftoolPrograms() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bpftool", "-j", "prog", "show").redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor(), "bpftool -j prog show");
        return new ObjectMapper().readTree(out);
    }

    private static Set<Long> netrecvlatProgramIds() throws Exception {
        Set<Long> ids = new HashSet<>();
        for (JsonNode p : bpftoolPrograms()) {
            if (p.path("name").asText().startsWith("netrecvlat_")) {
                ids.add(p.get("id").asLong());
            }
        }
        return ids;
    }

    private static Reading read(Set<Long> ids) throws Exception {
        long at = System.nanoTime();
        long time = 0;
        long runs = 0;
        for (JsonNode p : bpftoolPrograms()) {
            if (ids.contains(p.get("id").asLong())) {
                time += p.path("run_time_ns").asLong(0);
                runs += p.path("run_cnt").asLong(0);
            }
        }
        return new Reading((at + System.nanoTime()) / 2, time, runs);
    }

    /** The daemon's netrecvlat programs: those that appeared while it started. */
    private static Set<Long> oursAfter(Set<Long> before) throws Exception {
        Set<Long> ours = netrecvlatProgramIds();
        ours.removeAll(before);
        assertEquals(3, ours.size(), "netrecvlat's three programs, loaded by this daemon: " + ours);
        return ours;
    }

    private static String note(TestDaemon d) throws Exception {
        return (String) d.attribute("netrecvlat", "KernelCostNote");
    }

    private static void awaitNoteOtherThan(TestDaemon d, String old, long millis) throws Exception {
        long end = System.currentTimeMillis() + millis;
        while (note(d).equals(old)) {
            assertTrue(System.currentTimeMillis() < end, "no measurement within " + millis + " ms: " + old);
            Thread.sleep(50);
        }
    }

    private static void within(double expected, double actual, String what) {
        assertTrue(Math.abs(actual - expected) <= TOLERANCE * expected,
                what + ": daemon " + actual + " vs bpftool " + expected + " (tolerance " + TOLERANCE * 100 + " %)");
    }

    @Test
    void netrecvlatsCostMatchesBpftoolsReadingOfTheSamePrograms() throws Exception {
        Kernel.assumeRootAndBpf();
        // bpftool's reading runs through the daemon's window and beyond: statistics held on by this test
        try (Bpf.StatsOn on = Bpf.enableRunTimeStats(); Traffic traffic = new Traffic()) {
            Set<Long> before = netrecvlatProgramIds();
            try (TestDaemon d = TestDaemon.startWith("kernelCost:\n  periodSeconds: 6\n  windowSeconds: 4\n", "")) {
                Set<Long> ours = oursAfter(before);
                awaitNoteOtherThan(d, "not measured yet", 15_000); // the first window: traffic may still ramp up
                String first = note(d);
                // bpftool readings until the second window ends; compared over the window's span
                List<Reading> readings = new ArrayList<>();
                long end = System.currentTimeMillis() + 15_000;
                while (note(d).equals(first)) {
                    assertTrue(System.currentTimeMillis() < end, "no second measurement: " + first);
                    readings.add(read(ours));
                    Thread.sleep(100);
                }
                long seen = System.nanoTime();
                readings.add(read(ours));
                long cost = d.counter("netrecvlat", "KernelCostNanosPerSecond");
                long runs = d.counter("netrecvlat", "ProgramRunsPerSecond");
                System.out.println("netrecvlat: " + cost + " ns/s, " + runs + " runs/s; " + note(d));
                assertTrue(cost > 0 && runs > 500, "a run every packet at ~1000 writes/s: " + cost + " ns/s, " + runs);
                assertTrue(note(d).startsWith("measured over 4."), note(d));
                Reading last = readings.get(readings.size() - 1);
                Reading start = readings.get(0);
                for (Reading r : readings) { // the newest reading taken before the window began
                    if (r.at() <= seen - 4_300_000_000L) {
                        start = r;
                    }
                }
                double seconds = (last.at() - start.at()) / 1e9;
                double bpftoolRuns = (last.runs() - start.runs()) / seconds;
                double bpftoolCost = (last.runTimeNs() - start.runTimeNs()) / seconds;
                System.out.printf("bpftool over %.2f s: %.0f ns/s, %.0f runs/s%n", seconds, bpftoolCost, bpftoolRuns);
                within(bpftoolRuns, runs, "runs per second");
                within(bpftoolCost / bpftoolRuns, cost / (double) runs, "ns per run");
                within(bpftoolCost, cost, "ns per second");
                // a tracer without BPF programs costs nothing of this kind, and says so
                assertEquals(0L, d.counter("netdev", "KernelCostNanosPerSecond"));
                assertEquals("no BPF programs", d.attribute("netdev", "KernelCostNote"));
                String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(d.service.prometheusUrl()))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(scrape.contains("huatuo_bpf_cpu_ratio{tracer=\"netrecvlat\"} "), scrape);
                assertTrue(scrape.contains("huatuo_bpf_program_runs_per_second{tracer=\"netrecvlat\"} "), scrape);
            }
        }
    }

    @Test
    void statisticsAreOffBetweenWindows() throws Exception {
        Kernel.assumeRootAndBpf();
        boolean keptOn = Files.readString(STATS_SYSCTL).strip().equals("1");
        if (keptOn && Kernel.isCi()) {
            fail("kernel.bpf_stats_enabled=1 on a CI machine: statistics cannot be seen going off");
        }
        assumeFalse(keptOn, "kernel.bpf_stats_enabled=1 (a bench?): statistics stay on whatever the daemon does");
        try (Traffic traffic = new Traffic()) {
            Set<Long> before = netrecvlatProgramIds();
            try (TestDaemon d = TestDaemon.startWith("kernelCost:\n  periodSeconds: 60\n  windowSeconds: 2\n", "")) {
                Set<Long> ours = oursAfter(before);
                awaitNoteOtherThan(d, "not measured yet", 10_000);
                assertTrue(d.counter("netrecvlat", "ProgramRunsPerSecond") > 500, note(d));
                Reading a = read(ours);
                Thread.sleep(1500);
                Reading b = read(ours);
                assertEquals(a.runs(), b.runs(), "no run counted after the window while packets still flow");
                assertEquals(a.runTimeNs(), b.runTimeNs());
            }
        }
    }
}
