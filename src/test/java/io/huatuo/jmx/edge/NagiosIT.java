package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import javax.management.Attribute;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** check_huatuo against the real daemon over Jolokia, and the sample definitions through nagios4 -v. */
class NagiosIT {
    private static final Path PLUGIN = Path.of("nagios/check_huatuo").toAbsolutePath();
    private static TestDaemon daemon;
    private static NetnsPair net;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        daemon = TestDaemon.start(IntegrationsIT.TRACERS);
        net = new NetnsPair();
        dir = Files.createTempDirectory("huatuo-it6-nagios");
    }

    @AfterAll
    static void stop() throws Exception {
        if (net != null) {
            net.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (dir != null) {
            TestDaemon.deleteTree(dir);
        }
    }

    private static Shell.Result check(String... args) {
        List<String> cmd = new ArrayList<>(List.of(PLUGIN.toString(), "--url", daemon.service.jolokiaUrl(),
                "--state-dir", dir.resolve("state").toString()));
        cmd.addAll(List.of(args));
        Shell.Result r = Shell.run(cmd);
        System.out.println("check_huatuo " + String.join(" ", args) + " -> " + r.exit() + ": " + r.output().trim());
        return r;
    }

    @Test
    void daemonReachabilityOkThenCriticalWhenNothingAnswers() {
        Shell.Result ok = check();
        assertEquals(0, ok.exit(), ok.output());
        assertTrue(ok.output().matches("(?s)HUATUO OK - huatuo-jmx \\S+ up \\d+s \\| uptime=\\d+s .*"), ok.output());
        Shell.Result down = Shell.run(List.of(PLUGIN.toString(), "--url", "http://127.0.0.1:1/jolokia/"));
        assertEquals(2, down.exit(), down.output());
        assertTrue(down.output().startsWith("HUATUO CRITICAL - huatuo-jmx not reachable"), down.output());
    }

    @Test
    void newEventsOkThenWarningThenCritical() throws Exception {
        check("-T", "dropwatch", "-w", "0", "-c", "1000"); // baseline
        // drops from elsewhere on this machine count too: retry until an interval without any
        Shell.Result ok = null;
        for (int i = 0; i < 10 && (ok == null || ok.exit() != 0); i++) {
            ok = check("-T", "dropwatch", "-w", "0", "-c", "1000");
        }
        assertEquals(0, ok.exit(), ok.output());
        assertTrue(ok.output().startsWith("HUATUO OK - dropwatch RUNNING, 0 new events in "), ok.output());
        assertTrue(ok.output().contains("| new_events=0;0;1000;0 events="), ok.output());

        daemon.provokeDrop(net);
        Shell.Result warn = check("-T", "dropwatch", "-w", "0", "-c", "1000");
        assertEquals(1, warn.exit(), warn.output());
        assertTrue(warn.output().startsWith("HUATUO WARNING - dropwatch RUNNING, "), warn.output());

        daemon.provokeDrop(net);
        Shell.Result crit = check("-T", "dropwatch", "-w", "0", "-c", "0");
        assertEquals(2, crit.exit(), crit.output());
        assertTrue(crit.output().startsWith("HUATUO CRITICAL - dropwatch RUNNING, "), crit.output());
    }

    @Test
    void disabledTracerIsAWarning() throws Exception {
        ObjectName dw = new ObjectName("huatuo:type=Tracer,name=dropwatch");
        daemon.mbsc.setAttribute(dw, new Attribute("Enabled", false));
        try {
            Shell.Result r = check("-T", "dropwatch", "-c", "1000000");
            assertEquals(1, r.exit(), r.output());
            assertTrue(r.output().startsWith("HUATUO WARNING - dropwatch DISABLED"), r.output());
            assertEquals(0, check("-T", "dropwatch", "-c", "1000000", "--ignore-state").exit());
        } finally {
            daemon.mbsc.setAttribute(dw, new Attribute("Enabled", true));
        }
    }

    @Test
    void usageErrorsAreUnknownAndHelpIsOk() {
        assertEquals(3, check("-T", "dropwatch", "-w", "3:1").exit());
        assertEquals(3, check("--no-such-option").exit());
        Shell.Result help = Shell.run(List.of(PLUGIN.toString(), "--help"));
        assertEquals(0, help.exit());
        assertTrue(help.output().contains("[@]start:end") || help.output().contains("@M:N"), help.output());
    }

    @Test
    void nagiosAcceptsTheSampleDefinitions() throws Exception {
        Path cfgDir = Files.createTempDirectory("huatuo-it6-nagios4");
        try {
            Files.setPosixFilePermissions(cfgDir, PosixFilePermissions.fromString("rwxr-xr-x")); // nagios4 drops to user nagios
            // a copy: nagios4 reads it as user nagios, and the checkout may be private (e.g. under /root)
            Path samples = Files.copy(Path.of("nagios/huatuo-jmx.cfg"), cfgDir.resolve("huatuo-jmx.cfg"));
            Files.setPosixFilePermissions(samples, PosixFilePermissions.fromString("rw-r--r--"));
            String main = Files.readString(Path.of("/etc/nagios4/nagios.cfg"))
                    .replaceAll("(?m)^log_file=.*$", "log_file=" + cfgDir.resolve("nagios.log"))
                    + "\ncfg_file=" + samples + "\n";
            Path cfg = cfgDir.resolve("nagios.cfg");
            Files.writeString(cfg, main);
            Files.setPosixFilePermissions(cfg, PosixFilePermissions.fromString("rw-r--r--"));
            Shell.Result r = Shell.run(List.of("nagios4", "-v", cfg.toString()));
            assertEquals(0, r.exit(), r.output());
            assertTrue(r.output().contains("Total Errors:   0") && r.output().contains("Total Warnings: 0"), r.output());
            assertTrue(r.output().contains("huatuo") || r.output().contains("Checked"), r.output());
        } finally {
            TestDaemon.deleteTree(cfgDir);
        }
    }
}
