package io.huatuo.jmx.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.ProcFds;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built artifact, target/huatuo-jmx.jar, run the way the README says. */
class MainIT {
    private static final Path JAR = Path.of("target/huatuo-jmx.jar");

    private static Process java(String... args) throws IOException {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new java.util.ArrayList<>(List.of(javaBin, "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).start();
    }

    private static String all(java.io.InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void helpExplainsTheOptions() throws Exception {
        Process p = java("--help");
        String out = all(p.getInputStream());
        assertEquals(0, p.waitFor());
        assertTrue(out.contains("--config FILE") && out.contains("--quiet"), out);
    }

    @Test
    void badConfigExitsNonZeroNamingTheKey(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "tracers:\n  dropwatch:\n    maxEventsPerSecond: 0\n");
        Process p = java("--config", cfg.toString());
        String err = all(p.getErrorStream());
        assertEquals(2, p.waitFor(), err);
        assertTrue(err.contains("tracers.dropwatch.maxEventsPerSecond"), err);
    }

    @Test
    void anEndlessConfigEndsWithAMessageAndExit2() throws Exception {
        Process p = java("--config", "/dev/zero");
        String err = all(p.getErrorStream());
        assertEquals(2, p.waitFor(), err);
        assertEquals("huatuo-jmx: /dev/zero: larger than 1048576 bytes, the limit for a configuration file\n", err);
    }

    @Test
    void unknownOptionExitsNonZero() throws Exception {
        Process p = java("--frobnicate");
        String err = all(p.getErrorStream());
        assertEquals(2, p.waitFor());
        assertTrue(err.contains("--frobnicate"), err);
    }

    @Test
    void foregroundRunPrintsDropsAndSigtermLeavesNothingAttached(@TempDir Path dir) throws Exception {
        Kernel.assumeRootAndBpf();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Process daemon = foreground(dir, lines);
        try (NetnsPair net = new NetnsPair()) {
            awaitLine(lines, "huatuo-jmx running", 30);
            assertTrue(ProcFds.links(daemon.pid()) > 0, "probes attached while running");
            net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
            // the daemon prints every drop on the host: wait for ours
            String line = awaitLine(lines, "daddr=" + net.addrB + " ", 10);
            assertTrue(line.startsWith("out: ") && line.contains("dropwatch") && line.contains("reason=NO_SOCKET"), line);
        } finally {
            // Process.destroy() would close our end of its pipes and lose the shutdown log
            io.huatuo.jmx.testing.Shell.check("kill", "-TERM", Long.toString(daemon.pid()));
            assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "daemon stops on SIGTERM");
        }
        assertEquals(143, daemon.exitValue(), "terminated by SIGTERM after the shutdown hook ran");
        awaitLine(lines, "huatuo-jmx stopped", 5);
    }

    @Test
    void quietForegroundRunPrintsNoEventsButRecordsThem(@TempDir Path dir) throws Exception {
        Kernel.assumeRootAndBpf();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Process daemon = foreground(dir, lines, "--quiet");
        try (NetnsPair net = new NetnsPair()) {
            awaitLine(lines, "huatuo-jmx running", 30);
            net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
            // the event is handled (its record is written), and nothing of it reaches stdout
            Path record = dir.resolve("record").resolve("dropwatch");
            String needle = "\"daddr\": \"" + net.addrB + "\"";
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(Files.exists(record) && Files.readString(record).contains(needle)) && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertTrue(Files.exists(record) && Files.readString(record).contains(needle), "the drop was recorded");
            Thread.sleep(500);
            for (String l : lines) {
                assertTrue(!l.startsWith("out: "), "printed with --quiet: " + l);
            }
        } finally {
            io.huatuo.jmx.testing.Shell.check("kill", "-TERM", Long.toString(daemon.pid()));
            assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "daemon stops on SIGTERM");
        }
    }

    /** The foreground daemon with its data in {@code dir}; its stdout and stderr lines go to {@code lines}. */
    private static Process foreground(Path dir, BlockingQueue<String> lines, String... options) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path cfg = dir.resolve("huatuo-jmx.yaml");
        Files.writeString(cfg, "dataDir: " + dir + "\njmx:\n  port: " + port + "\n"
                + "jolokia:\n  port: 0\nprometheus:\n  port: 0\n"); // free ports: other runs may hold the defaults
        List<String> args = new ArrayList<>(List.of("--config", cfg.toString()));
        args.addAll(List.of(options));
        Process daemon = java(args.toArray(String[]::new));
        pump(daemon.getInputStream(), lines, "out: ");
        pump(daemon.getErrorStream(), lines, "err: ");
        return daemon;
    }

    private static void pump(java.io.InputStream in, BlockingQueue<String> q, String prefix) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    q.add(prefix + l);
                }
            } catch (IOException e) {
                // process ended
            }
        });
        t.setDaemon(true);
        t.start();
    }

    private static String awaitLine(BlockingQueue<String> q, String needle, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < end) {
            String l = q.poll(100, TimeUnit.MILLISECONDS);
            if (l == null) {
                continue;
            }
            if (l.contains(needle)) {
                return l;
            }
            seen.append('\n').append(l);
        }
        throw new AssertionError("no line with '" + needle + "' within " + seconds + " s; output:" + seen);
    }
}
