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
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.Attribute;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * check_huatuo against the real daemon over Jolokia, the sample definitions through nagios4 -v, and
 * a real nagios4 scheduling two services on the same tracer. The daemon is fresh, so its rolling
 * counts hold only what happened since it started and only grow during these tests.
 */
class NagiosIT {
    private static final Path PLUGIN = Path.of("nagios/check_huatuo").toAbsolutePath();
    private static final ObjectName DW = name("huatuo:type=Tracer,name=dropwatch");
    private static TestDaemon daemon;
    private static NetnsPair net;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        daemon = TestDaemon.start(IntegrationsIT.TRACERS);
        net = new NetnsPair();
    }

    @AfterAll
    static void stop() throws Exception {
        if (net != null) {
            net.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    private static Shell.Result check(String... args) {
        List<String> cmd = new ArrayList<>(List.of(PLUGIN.toString(), "--url", daemon.service.jolokiaUrl()));
        cmd.addAll(List.of(args));
        Shell.Result r = Shell.run(cmd);
        System.out.println("check_huatuo " + String.join(" ", args) + " -> " + r.exit() + ": " + r.output().trim());
        return r;
    }

    private static long occurrences5m() throws Exception {
        return (Long) daemon.mbsc.getAttribute(DW, "OccurrencesLast5Minutes");
    }

    /** A SYN to a closed port in our pair: one NO_SOCKET drop; waits until the daemon counted it. */
    private static void drops(int n) throws Exception {
        long before = occurrences5m();
        for (int i = 0; i < n; i++) {
            net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
        }
        long end = System.currentTimeMillis() + 5000;
        while (occurrences5m() < before + n && System.currentTimeMillis() < end) {
            Thread.sleep(50);
        }
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
    void occurrencesInTheWindowOkThenWarningThenCritical() throws Exception {
        // drops elsewhere on this machine count too: retry until a check sees no new one
        Shell.Result ok = null;
        long base = 0;
        for (int i = 0; i < 10 && (ok == null || ok.exit() != 0); i++) {
            base = occurrences5m();
            ok = check("-T", "dropwatch", "-w", "" + base, "-c", "1000000");
        }
        assertEquals(0, ok.exit(), ok.output());
        assertTrue(ok.output().startsWith("HUATUO OK - dropwatch RUNNING, " + base + " occurrences in the last 5 minutes"),
                ok.output());
        assertTrue(ok.output().contains("| occurrences_5m=" + base + ";" + base + ";1000000;0 events_5m="), ok.output());

        drops(1);
        Shell.Result warn = check("-T", "dropwatch", "-w", "" + base, "-c", "1000000");
        assertEquals(1, warn.exit(), warn.output());
        assertTrue(warn.output().startsWith("HUATUO WARNING - dropwatch RUNNING, "), warn.output());
        assertTrue(warn.output().contains("last event at 20"), "the event's time, readable: " + warn.output());

        Shell.Result crit = check("-T", "dropwatch", "-W", "1m", "-w", "" + base, "-c", "" + base);
        assertEquals(2, crit.exit(), crit.output());
        assertTrue(crit.output().startsWith("HUATUO CRITICAL - dropwatch RUNNING, "), crit.output());
        assertTrue(crit.output().contains("in the last minute"), crit.output());
    }

    @Test
    void thresholdsApplyToOccurrencesNotTheRateLimitedEvents() throws Exception {
        daemon.mbsc.setAttribute(DW, new Attribute("MaxEventsPerSecond", 1L));
        try {
            long occurrences = occurrences5m();
            long events = (Long) daemon.mbsc.getAttribute(DW, "EventsLast5Minutes");
            drops(6); // within a second or two: most of them are only counted
            Shell.Result r = check("-T", "dropwatch", "-c", "" + (occurrences + 5));
            Matcher m = Pattern.compile("occurrences_5m=(\\d+);.* events_5m=(\\d+);").matcher(r.output());
            assertTrue(m.find(), r.output());
            long seen = Long.parseLong(m.group(1)) - occurrences;
            long reported = Long.parseLong(m.group(2)) - events;
            assertTrue(seen >= 6 && reported < seen, "6 drops: " + seen + " occurrences, " + reported + " events");
            assertEquals(2, r.exit(), "the occurrences crossed -c, whatever the rate limit let through: " + r.output());
            assertTrue(r.output().contains(" reported)"), r.output());
            Shell.Result byEvents = check("-T", "dropwatch", "--count", "events", "-c", "" + (events + 5));
            assertTrue(byEvents.output().contains("| events_5m="), byEvents.output());
        } finally {
            daemon.mbsc.setAttribute(DW, new Attribute("MaxEventsPerSecond", 100000L));
        }
    }

    @Test
    void anUnknownTracerIsOneLineListingTheRealOnes() throws Exception {
        Shell.Result r = check("-T", "nosuch");
        assertEquals(3, r.exit(), r.output());
        String[] tracers = (String[]) daemon.mbsc.getAttribute(name("huatuo:type=Daemon"), "Tracers");
        assertEquals("HUATUO UNKNOWN - no tracer 'nosuch'; this daemon has " + String.join(", ", tracers),
                r.output().trim());
    }

    @Test
    void disabledTracerIsAWarning() throws Exception {
        daemon.mbsc.setAttribute(DW, new Attribute("Enabled", false));
        try {
            Shell.Result r = check("-T", "dropwatch", "-c", "1000000");
            assertEquals(1, r.exit(), r.output());
            assertTrue(r.output().startsWith("HUATUO WARNING - dropwatch DISABLED"), r.output());
            assertEquals(0, check("-T", "dropwatch", "-c", "1000000", "--ignore-state").exit());
        } finally {
            daemon.mbsc.setAttribute(DW, new Attribute("Enabled", true));
        }
    }

    @Test
    void usageErrorsAreUnknownAndHelpIsOk() {
        assertEquals(3, check("-T", "dropwatch", "-w", "3:1").exit());
        assertEquals(3, check("--no-such-option").exit());
        assertEquals(3, check("-T", "dropwatch", "-W", "2m").exit());
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

    /**
     * The real scheduler: nagios4 runs two services on dropwatch (as two teams' checks would) with
     * one-second intervals; after a burst of 5 drops both report the burst (with a per-check state
     * file, the second service used to see none of it).
     */
    @Test
    void twoNagiosServicesOnTheSameTracerBothSeeABurst() throws Exception {
        Path dir = Files.createTempDirectory("huatuo-nagios4-run");
        UserPrincipal nagios = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nagios");
        Process nagios4 = null;
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path plugins = Files.createDirectories(dir.resolve("plugins"));
            Files.copy(PLUGIN, plugins.resolve("check_huatuo"));
            Files.setPosixFilePermissions(plugins.resolve("check_huatuo"), PosixFilePermissions.fromString("rwxr-xr-x"));
            Path var = Files.createDirectories(dir.resolve("var"));
            Files.createDirectories(var.resolve("checkresults"));
            for (Path p : List.of(var, var.resolve("checkresults"))) {
                Files.setOwner(p, nagios);
            }
            long base = occurrences5m();
            // OK up to base + 4 occurrences in the window; the burst of 5 is a WARNING
            String warn = base + ":" + (base + 4);
            Files.writeString(dir.resolve("resource.cfg"), "$USER1$=" + plugins + "\n");
            Files.writeString(dir.resolve("objects.cfg"), """
                    define timeperiod {
                        timeperiod_name  always
                        alias            always
                        sunday 00:00-24:00
                        monday 00:00-24:00
                        tuesday 00:00-24:00
                        wednesday 00:00-24:00
                        thursday 00:00-24:00
                        friday 00:00-24:00
                        saturday 00:00-24:00
                    }
                    define contact {
                        contact_name                   nobody
                        host_notifications_enabled     0
                        service_notifications_enabled  0
                        host_notification_period       always
                        service_notification_period    always
                        host_notification_options      n
                        service_notification_options   n
                        host_notification_commands     check_huatuo_tracer
                        service_notification_commands  check_huatuo_tracer
                    }
                    define command {
                        command_name  check_huatuo_tracer
                        command_line  $USER1$/check_huatuo --url %s -T $ARG1$ -w $ARG2$ -c $ARG3$
                    }
                    define host {
                        host_name              huatuo-test
                        address                127.0.0.1
                        max_check_attempts     1
                        active_checks_enabled  0
                        check_period           always
                        notification_period    always
                        notification_interval  0
                        contacts               nobody
                    }
                    define service {
                        name                   huatuo-fast
                        register               0
                        host_name              huatuo-test
                        max_check_attempts     1
                        check_interval         1
                        retry_interval         1
                        check_period           always
                        notification_period    always
                        notification_interval  0
                        contacts               nobody
                    }
                    define service {
                        use                  huatuo-fast
                        service_description  dropwatch for the network team
                        check_command        check_huatuo_tracer!dropwatch!%s!1000000
                    }
                    define service {
                        use                  huatuo-fast
                        service_description  dropwatch for the platform team
                        check_command        check_huatuo_tracer!dropwatch!%s!1000000
                    }
                    """.formatted(daemon.service.jolokiaUrl(), warn, warn));
            Path status = var.resolve("status.dat");
            Files.writeString(dir.resolve("nagios.cfg"), String.join("\n",
                    "log_file=" + var.resolve("nagios.log"), "cfg_file=" + dir.resolve("objects.cfg"),
                    "resource_file=" + dir.resolve("resource.cfg"), "object_cache_file=" + var.resolve("objects.cache"),
                    "precached_object_file=" + var.resolve("objects.precache"), "status_file=" + status,
                    "status_update_interval=1", "nagios_user=nagios", "nagios_group=nagios",
                    "check_external_commands=0", "command_file=" + var.resolve("nagios.cmd"),
                    "query_socket=" + var.resolve("nagios.qh"), "lock_file=" + var.resolve("nagios.lock"),
                    "temp_file=" + var.resolve("nagios.tmp"), "temp_path=" + var,
                    "check_result_path=" + var.resolve("checkresults"), "retain_state_information=0",
                    "state_retention_file=" + var.resolve("retention.dat"), "use_syslog=0", "log_initial_states=1",
                    // seconds as the time unit, every check scheduled at once, results reaped every second
                    "interval_length=1", "service_inter_check_delay_method=n", "max_service_check_spread=1",
                    "host_inter_check_delay_method=n", "max_host_check_spread=1", "check_result_reaper_frequency=1",
                    "max_check_result_reaper_time=5", "enable_notifications=0", "enable_event_handlers=0",
                    "enable_flap_detection=0", "date_format=iso8601", "illegal_macro_output_chars=`~$&|'\"<>", ""));
            Shell.Result verify = Shell.run(List.of("nagios4", "-v", dir.resolve("nagios.cfg").toString()));
            assertEquals(0, verify.exit(), verify.output());

            nagios4 = new ProcessBuilder("nagios4", dir.resolve("nagios.cfg").toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("nagios4.out").toFile()).start();
            Map<String, Map<String, String>> before = awaitServices(status, 0, 30_000, dir);
            System.out.println("nagios4 before the burst: " + outputs(before));
            long burst = System.currentTimeMillis() / 1000;
            drops(5);
            Map<String, Map<String, String>> after = awaitServices(status, burst + 1, 30_000, dir);
            System.out.println("nagios4 after a burst of 5 drops: " + outputs(after));
            for (Map.Entry<String, Map<String, String>> s : after.entrySet()) {
                String output = s.getValue().get("plugin_output");
                Matcher m = Pattern.compile("dropwatch RUNNING, (\\d+) occurrences").matcher(output);
                assertTrue(m.find(), s.getKey() + ": " + output);
                assertTrue(Long.parseLong(m.group(1)) >= base + 5, s.getKey() + " saw the burst: " + output);
                assertEquals("1", s.getValue().get("current_state"), s.getKey() + " is WARNING: " + output);
            }
        } finally {
            if (nagios4 != null) {
                nagios4.destroy();
                if (!nagios4.waitFor(10, TimeUnit.SECONDS)) {
                    nagios4.descendants().forEach(ProcessHandle::destroyForcibly);
                    nagios4.destroyForcibly().waitFor();
                }
            }
            TestDaemon.deleteTree(dir);
        }
    }

    /** Waits until both services of status.dat were checked at or after {@code since} (epoch s). */
    private static Map<String, Map<String, String>> awaitServices(Path status, long since, long millis, Path dir)
            throws Exception {
        long end = System.currentTimeMillis() + millis;
        Map<String, Map<String, String>> services = Map.of();
        while (System.currentTimeMillis() < end) {
            services = Files.exists(status) ? services(Files.readString(status)) : Map.of();
            if (services.size() == 2 && services.values().stream()
                    .allMatch(s -> Long.parseLong(s.getOrDefault("last_check", "0")) >= Math.max(1, since))) {
                return services;
            }
            Thread.sleep(500);
        }
        String log = Files.exists(dir.resolve("var/nagios.log")) ? Files.readString(dir.resolve("var/nagios.log")) : "";
        throw new AssertionError("nagios4 did not check both services within " + millis + " ms: " + services
                + "\nnagios.log:\n" + log + "\nnagios4.out:\n" + Files.readString(dir.resolve("nagios4.out")));
    }

    /** The servicestatus blocks of a status.dat, by service description. */
    private static Map<String, Map<String, String>> services(String statusDat) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        Matcher block = Pattern.compile("(?s)servicestatus \\{(.*?)\\n\\s*\\}").matcher(statusDat);
        while (block.find()) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (String line : block.group(1).split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    fields.put(line.substring(0, eq).trim(), line.substring(eq + 1));
                }
            }
            out.put(fields.get("service_description"), fields);
        }
        return out;
    }

    private static String outputs(Map<String, Map<String, String>> services) {
        StringBuilder b = new StringBuilder();
        services.forEach((k, v) -> b.append("\n  ").append(k).append(": state ").append(v.get("current_state"))
                .append(", ").append(v.get("plugin_output")));
        return b.toString();
    }

    private static ObjectName name(String s) {
        try {
            return new ObjectName(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }
}
