package io.huatuo.jmx.testing;

import io.huatuo.jmx.registry.TracerRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * target/huatuo-jmx.jar in its own JVM with the packaged JVM options (heap limit and
 * -XX:+ExitOnOutOfMemoryError, read from the jsvc launcher), so that an attack that would take the
 * heap really ends the process. Every tracer off, endpoints on free ports, output collected.
 */
public final class DaemonProcess implements AutoCloseable {
    private static final Path JAR = Path.of("target/huatuo-jmx.jar");
    private static final Path LAUNCHER = Path.of("packaging/rpm/huatuo-jmx-jsvc");
    public static final String ALL_TRACERS_OFF = "tracers:\n" + String.join("", TracerRegistry.names().stream()
            .map(t -> "  " + t + ":\n    enabled: false\n").toList());

    public final Process process;
    public final int jolokiaPort;
    public final int prometheusPort;
    private final StringBuffer output = new StringBuffer();

    private DaemonProcess(Process process, int jolokiaPort, int prometheusPort) {
        this.process = process;
        this.jolokiaPort = jolokiaPort;
        this.prometheusPort = prometheusPort;
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.append(line).append('\n');
                }
            } catch (IOException e) {
                // process gone
            }
        }, "daemon-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** The packaged JVM options (the launcher's HUATUO_JAVA_OPTS default). */
    public static List<String> packagedJvmOptions() throws IOException {
        Matcher m = Pattern.compile("HUATUO_JAVA_OPTS=\\$\\{HUATUO_JAVA_OPTS:-([^}]*)}").matcher(Files.readString(LAUNCHER));
        if (!m.find()) {
            throw new IllegalStateException(LAUNCHER + ": no HUATUO_JAVA_OPTS default");
        }
        return Arrays.asList(m.group(1).trim().split("\\s+"));
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts the daemon and waits until it runs.
     *
     * @param dir        for the config file and dataDir
     * @param extraYaml  more top-level config (e.g. a jolokia block's extra keys go in {@code jolokiaYaml})
     * @param jolokiaYaml extra keys of the jolokia block, indented by 2
     * @param jvmOptions extra JVM options (e.g. -D...)
     */
    public static DaemonProcess start(Path dir, String jolokiaYaml, String extraYaml, String... jvmOptions)
            throws Exception {
        int jolokia = freePort();
        int prometheus = freePort();
        Path cfg = dir.resolve("huatuo-jmx.yaml");
        Files.writeString(cfg, "dataDir: " + dir + "\nrecord:\n  enabled: false\njmx:\n  port: " + freePort() + "\n"
                + "jolokia:\n  port: " + jolokia + "\n" + jolokiaYaml + "prometheus:\n  port: " + prometheus + "\n"
                + ALL_TRACERS_OFF + extraYaml);
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(packagedJvmOptions());
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-jar", JAR.toString(), "--config", cfg.toString()));
        DaemonProcess d = new DaemonProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start(), jolokia,
                prometheus);
        long end = System.currentTimeMillis() + 30_000;
        while (!d.output().contains("huatuo-jmx running")) {
            if (!d.process.isAlive() || System.currentTimeMillis() > end) {
                d.close();
                throw new AssertionError("daemon did not start:\n" + d.output());
            }
            Thread.sleep(50);
        }
        return d;
    }

    public String output() {
        return output.toString();
    }

    public String jolokiaUrl() {
        return "http://127.0.0.1:" + jolokiaPort + "/jolokia/";
    }

    public String prometheusUrl() {
        return "http://127.0.0.1:" + prometheusPort + "/metrics";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
