package io.huatuo.jmx.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.config.HuatuoConfig;
import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The RPM as `./dev.sh rpm` builds it (packaging/rpm/build-rpm.sh on the built jar): its metadata,
 * then the installed layout in a scratch root run under jsvc through the installed launcher, with
 * the unit's capability bounding set, until a provoked drop arrives over JMX; then jsvc -stop and
 * nothing of ours stays attached.
 */
class PackagingIT {
    private static final String RPM_TOP = "target/packaging-it-rpm";
    private static Path rpm;
    private static Path root;

    @BeforeAll
    static void buildAndInstall() throws Exception {
        requireTools("rpmbuild", "rpm", "/usr/bin/jsvc", "systemd-analyze", "logrotate", "setpriv");
        String out = Shell.check("packaging/rpm/build-rpm.sh", RPM_TOP);
        rpm = Path.of(out.lines().reduce((a, b) -> b).orElseThrow().trim());
        assertTrue(Files.isRegularFile(rpm), out);
        // Outside the checkout, which may itself lie under /tmp, /root or /home: the run below hides
        // those behind empty tmpfs mounts as PrivateTmp=yes and ProtectHome=yes do.
        root = Path.of("/var/lib/huatuo-jmx-packaging-it-" + ProcessHandle.current().pid());
        removeRoot();
        Files.createDirectories(root);
        // Debian's rpm keeps its database in ~/.rpmdb by default: put it inside the scratch root
        Shell.check("rpm", "--root", root.toString(), "--dbpath", "/var/lib/rpm", "--nodeps", "--noscripts",
                "-i", rpm.toString());
    }

    @AfterAll
    static void removeRoot() throws IOException {
        if (root != null && Files.exists(root)) {
            try (Stream<Path> s = Files.walk(root)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Skips without the packaging tools, fails under CI=true (./dev.sh test installs them). */
    private static void requireTools(String... tools) {
        for (String t : tools) {
            if (Shell.run("sh", "-c", "command -v " + t).exit() != 0) {
                String why = t + " is not installed (scripts/packages.txt lists its package)";
                if (Kernel.isCi()) {
                    throw new AssertionError("packaging test cannot run (CI=true): " + why);
                }
                Assumptions.abort(why);
            }
        }
    }

    /** path → "perms user group flags" for every file in the RPM. */
    private static Map<String, String> files() {
        String out = Shell.check("rpm", "-qp", "--qf",
                "[%{FILENAMES}\\t%{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEFLAGS:fflags}\\n]",
                rpm.toString());
        Map<String, String> m = new LinkedHashMap<>();
        out.lines().filter(l -> l.startsWith("/")).forEach(l -> {
            String[] kv = l.split("\t", 2);
            m.put(kv[0], kv[1].trim());
        });
        return m;
    }

    @Test
    void fileListModesOwnersAndConfigFlags() {
        Map<String, String> f = files();
        assertEquals(new TreeSet<>(List.of(
                "/etc/huatuo-jmx", "/etc/huatuo-jmx/huatuo-jmx.yaml", "/etc/huatuo-jmx/jmxremote.access",
                "/etc/huatuo-jmx/jmxremote.password", "/etc/huatuo-jmx/jolokia-access.xml",
                "/etc/logrotate.d/huatuo-jmx", "/usr/lib/systemd/system/huatuo-jmx.service",
                "/usr/share/doc/huatuo-jmx/README.md", "/usr/share/huatuo-jmx", "/usr/share/huatuo-jmx/bin",
                "/usr/share/huatuo-jmx/bin/huatuo-jmx-jsvc", "/usr/share/huatuo-jmx/huatuo-jmx.jar",
                "/var/lib/huatuo-jmx", "/var/log/huatuo-jmx")), new TreeSet<>(f.keySet()));
        // %config(noreplace) = flags "cn"
        assertEquals("-rw-r--r-- root root cn", f.get("/etc/huatuo-jmx/huatuo-jmx.yaml"));
        assertEquals("-rw------- root root cn", f.get("/etc/huatuo-jmx/jmxremote.password"));
        assertEquals("-rw------- root root cn", f.get("/etc/huatuo-jmx/jmxremote.access"));
        assertEquals("-rw-r--r-- root root cn", f.get("/etc/huatuo-jmx/jolokia-access.xml"));
        assertEquals("-rw-r--r-- root root cn", f.get("/etc/logrotate.d/huatuo-jmx"));
        assertEquals("-rwxr-xr-x root root", f.get("/usr/share/huatuo-jmx/bin/huatuo-jmx-jsvc"));
        assertEquals("-rw-r--r-- root root", f.get("/usr/share/huatuo-jmx/huatuo-jmx.jar"));
        assertEquals("-rw-r--r-- root root", f.get("/usr/lib/systemd/system/huatuo-jmx.service"));
        assertEquals("drwxr-x--- root root", f.get("/var/lib/huatuo-jmx"));
        assertEquals("drwxr-x--- root root", f.get("/var/log/huatuo-jmx"));
        assertEquals(Set.of("/etc/huatuo-jmx/huatuo-jmx.yaml", "/etc/huatuo-jmx/jmxremote.access",
                "/etc/huatuo-jmx/jmxremote.password", "/etc/huatuo-jmx/jolokia-access.xml",
                "/etc/logrotate.d/huatuo-jmx"),
                Set.copyOf(Shell.check("rpm", "-qcp", rpm.toString()).lines().filter(l -> l.startsWith("/")).toList()));
    }

    @Test
    void requiresJava17WithNativeHeapTrimJsvcAndLibbpf() {
        String req = Shell.check("rpm", "-qp", "--requires", rpm.toString());
        for (String r : List.of("java-17-openjdk-headless >= 1:17.0.9", "apache-commons-daemon-jsvc", "libbpf >= 1.0", "logrotate")) {
            assertTrue(req.lines().anyMatch(l -> l.trim().equals(r)), "Requires " + r + ":\n" + req);
        }
    }

    @Test
    void systemdScriptletsPresetDisableAndRestart() {
        String s = Shell.check("rpm", "-qp", "--scripts", rpm.toString());
        assertTrue(Pattern.compile("(?s)postinstall scriptlet.*preset huatuo-jmx\\.service.*preuninstall").matcher(s).find(), s);
        assertTrue(Pattern.compile("(?s)preuninstall scriptlet.*disable --now huatuo-jmx\\.service.*postuninstall").matcher(s).find(), s);
        assertTrue(Pattern.compile("(?s)postuninstall scriptlet.*try-restart huatuo-jmx\\.service").matcher(s).find(), s);
        assertTrue(Pattern.compile("(?s)postuninstall scriptlet.*-eq 0.*rm -f /var/lib/huatuo-jmx/huatuo-jmx-cds\\.\\*\\.jsa")
                .matcher(s).find(), "an erase removes the class-data-sharing archive: " + s);
    }

    @Test
    void installedConfigIsValidAndPasswordFilesHaveNoUsers() throws Exception {
        HuatuoConfig c = HuatuoConfig.load(root.resolve("etc/huatuo-jmx/huatuo-jmx.yaml"), TracerRegistry.ALL);
        assertEquals(Path.of("/var/lib/huatuo-jmx"), c.dataDir());
        assertFalse(c.console(), "no console output under jsvc");
        for (String name : List.of("jmxremote.password", "jmxremote.access")) {
            List<String> lines = Files.readAllLines(root.resolve("etc/huatuo-jmx").resolve(name));
            assertTrue(lines.stream().allMatch(l -> l.isBlank() || l.startsWith("#")), name + " has only comments");
            assertTrue(String.join("\n", lines).contains("jmx." + (name.endsWith("password") ? "passwordFile" : "accessFile")),
                    name + " names its config key");
        }
        String policy = Files.readString(root.resolve("etc/huatuo-jmx/jolokia-access.xml"));
        Matcher commands = Pattern.compile("<command>(\\w+)</command>").matcher(policy.replaceAll("(?s)<!--.*?-->", ""));
        Set<String> allowed = new TreeSet<>();
        while (commands.find()) {
            allowed.add(commands.group(1));
        }
        assertEquals(new TreeSet<>(List.of("list", "notification", "read", "search", "version")), allowed,
                "read-only Jolokia policy:\n" + policy);
    }

    @Test
    void unitVerifiesAndMatchesTheLauncher() throws Exception {
        Path unit = root.resolve("usr/lib/systemd/system/huatuo-jmx.service");
        String text = Files.readString(unit);
        for (String line : List.of("Type=forking", "PIDFile=/run/huatuo-jmx/huatuo-jmx.pid", "RuntimeDirectory=huatuo-jmx",
                "ExecStart=/usr/share/huatuo-jmx/bin/huatuo-jmx-jsvc start",
                "ExecStop=/usr/share/huatuo-jmx/bin/huatuo-jmx-jsvc stop", "Restart=on-failure",
                "ReadWritePaths=/var/lib/huatuo-jmx /var/log/huatuo-jmx", "ProtectSystem=strict")) {
            assertTrue(text.lines().anyMatch(line::equals), "unit has " + line);
        }
        String launcher = Files.readString(root.resolve("usr/share/huatuo-jmx/bin/huatuo-jmx-jsvc"));
        assertTrue(launcher.contains("HUATUO_PIDFILE:-/run/huatuo-jmx/huatuo-jmx.pid"), "launcher and unit agree on the pid file");
        assertTrue(launcher.lines().filter(l -> !l.trim().startsWith("#")).noneMatch(l -> l.contains("-user")),
                "jsvc runs as root: no -user");
        // systemd-analyze verify checks that ExecStart exists on this machine: point it into the scratch root
        Path copy = root.resolve("huatuo-jmx.service");
        Files.writeString(copy, text.replace("/usr/share/huatuo-jmx/bin/", root + "/usr/share/huatuo-jmx/bin/"));
        Shell.Result r = Shell.run("systemd-analyze", "verify", "--man=no", copy.toString());
        assertEquals(0, r.exit(), r.output());
        assertEquals("", r.output().trim(), "no warnings (unknown keys only warn)");
    }

    /** +bpf,+perfmon,... from the unit's CapabilityBoundingSet, for setpriv. */
    private static String boundingSet() throws IOException {
        String unit = Files.readString(root.resolve("usr/lib/systemd/system/huatuo-jmx.service"));
        Matcher m = Pattern.compile("(?m)^CapabilityBoundingSet=(.*)$").matcher(unit);
        assertTrue(m.find(), "unit has a CapabilityBoundingSet");
        return Stream.of(m.group(1).trim().split("\\s+"))
                .map(c -> "+" + c.toLowerCase().replaceFirst("^cap_", "")).collect(Collectors.joining(","));
    }

    @Test
    void installedLayoutRunsUnderJsvcWithTheUnitsCapabilitiesAndStopsClean() throws Exception {
        Kernel.assumeRootAndBpf();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // the installed config with its paths moved into the scratch root and a free JMX port
        // what each tracer achieves as unrestricted root (the same daemon in the test JVM), to compare with
        Map<String, String> fullRoot;
        TestDaemon d = TestDaemon.start("");
        try {
            fullRoot = tracerStates(d.mbsc);
        } finally {
            d.close();
        }
        Path installed = root.resolve("etc/huatuo-jmx/huatuo-jmx.yaml");
        Path config = root.resolve("it-huatuo-jmx.yaml");
        Path state = root.resolve("var/lib/huatuo-jmx");
        Path logs = root.resolve("var/log/huatuo-jmx");
        Path pidfile = root.resolve("run/huatuo-jmx/huatuo-jmx.pid");
        Files.createDirectories(pidfile.getParent());
        String yaml = Files.readString(installed);
        String moved = yaml.replace("\ndataDir: /var/lib/huatuo-jmx\n", "\ndataDir: " + state + "\n")
                .replace("\n  port: 9875\n", "\n  port: " + port + "\n");
        assertNotEquals(yaml, moved);
        Files.writeString(config, moved);

        List<String> env = List.of("JAVA_HOME=" + System.getProperty("java.home"),
                "HUATUO_HOME=" + root.resolve("usr/share/huatuo-jmx"), "HUATUO_CONFIG=" + config,
                "HUATUO_STATE_DIR=" + state, "HUATUO_LOG_DIR=" + logs, "HUATUO_PIDFILE=" + pidfile);
        String launcher = root.resolve("usr/share/huatuo-jmx/bin/huatuo-jmx-jsvc").toString();
        List<String> start = new ArrayList<>(List.of("env"));
        start.addAll(env);
        // As systemd would run the unit, roughly: in its own mount namespace, / read-only but for the
        // ReadWritePaths and the RuntimeDirectory (ProtectSystem=strict), private /tmp and /var/tmp
        // (PrivateTmp), empty /root and /home (ProtectHome); root with only the unit's bounding set.
        start.addAll(List.of("unshare", "--mount", "--propagation", "private", "sh", "-ec", """
                for d in "$HUATUO_STATE_DIR" "$HUATUO_LOG_DIR" "$(dirname "$HUATUO_PIDFILE")"; do mount --bind "$d" "$d"; done
                mount -o remount,bind,ro /
                for d in /tmp /var/tmp; do mount -t tmpfs -o mode=1777 tmpfs "$d"; done
                for d in /root /home; do mount -t tmpfs -o ro,mode=755 tmpfs "$d"; done
                exec setpriv --inh-caps=-all --bounding-set="$1" "$0" start
                """, launcher, "-all," + boundingSet()));
        Shell.Result started = Shell.run(start);
        Path err = logs.resolve("huatuo-jmx.err");
        assertEquals(0, started.exit(), "jsvc start: " + started.output() + "\n" + readIfExists(err));

        long pid = Long.parseLong(Files.readString(pidfile).trim());
        Set<String> progIds;
        Set<String> linkIds;
        try {
            assertEquals("huatuo-jmx", Files.readString(Path.of("/proc/" + pid + "/cmdline")).split("\0")[0],
                    "-procname huatuo-jmx");
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            assertTrue(status.contains("Uid:\t0\t0\t0\t0"), "runs as root");
            List<String> environ = List.of(Files.readString(Path.of("/proc/" + pid + "/environ")).split("\0"));
            assertTrue(environ.containsAll(List.of("MALLOC_ARENA_MAX=2", "MALLOC_MMAP_THRESHOLD_=131072")),
                    "the launcher's malloc settings reach the JVM: "
                            + environ.stream().filter(v -> v.startsWith("MALLOC_")).toList());
            assertFalse(status.contains("CapBnd:\t000001ff"), "bounding set narrowed:\n" + status);
            assertTrue(Files.readString(Path.of("/proc/" + pid + "/mountinfo")).lines()
                    .anyMatch(l -> l.matches("\\S+ \\S+ \\S+ / / ro,.*")), "runs on a read-only /");
            progIds = fdinfo(pid, "prog_id");
            linkIds = fdinfo(pid, "link_id");
            assertFalse(linkIds.isEmpty(), "the daemon holds BPF links while running");
            assertTrue(progNames(progIds).contains("dropwatch_btf"), "dropwatch attached: " + progNames(progIds));

            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
            try (JMXConnector c = JMXConnectorFactory.connect(url); NetnsPair net = new NetnsPair()) {
                MBeanServerConnection mbsc = c.getMBeanServerConnection();
                ObjectName dw = new ObjectName("huatuo:type=Tracer,name=dropwatch");
                assertEquals("RUNNING", mbsc.getAttribute(dw, "State"));
                assertEquals(fullRoot, tracerStates(mbsc),
                        "every tracer works as well with the unit's capabilities and sandbox as with full root");
                BlockingQueue<Notification> q = new LinkedBlockingQueue<>();
                mbsc.addNotificationListener(dw, (n, h) -> q.add(n), null, null);
                net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
                CompositeData e = TestDaemon.await(q, 10000, cd -> "NO_SOCKET".equals(cd.get("reason"))
                        && net.addrB.equals(cd.get("daddr")) && Integer.valueOf(9).equals(cd.get("dport")));
                // CAP_SYSLOG in the bounding set: /proc/kallsyms shows addresses, so stacks have names
                assertTrue(((String) e.get("stack")).contains("tcp_v4_rcv/"), (String) e.get("stack"));
                assertEquals(0L, mbsc.getAttribute(new ObjectName("huatuo:type=Daemon"), "RecordWriteErrors"),
                        "records written inside ReadWritePaths");
            }
            // records are written off the notification path: poll
            Path record = state.resolve("record/dropwatch");
            for (int i = 0; i < 100 && !readIfExists(record).contains("\"reason\": \"NO_SOCKET\""); i++) {
                Thread.sleep(100);
            }
            assertTrue(readIfExists(record).contains("\"reason\": \"NO_SOCKET\""), "record file under the configured dataDir");
            rotateLogsWhileRunning(logs, err);
        } finally {
            List<String> stop = new ArrayList<>(List.of("env"));
            stop.addAll(env);
            stop.addAll(List.of(launcher, "stop"));
            Shell.Result stopped = Shell.run(stop);
            assertEquals(0, stopped.exit(), "jsvc -stop: " + stopped.output());
        }
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join());
        assertFalse(Files.exists(pidfile), "jsvc removed the pid file");
        assertTrue(readIfExists(err).contains("huatuo-jmx stopped"), "clean stop logged:\n" + readIfExists(err));
        assertFalse(readIfExists(err).contains("\0"), "jsvc appends: no hole after copytruncate");
        for (String id : progIds) {
            assertNotEquals(0, Shell.run("bpftool", "prog", "show", "id", id).exit(), "BPF program " + id + " unloaded");
        }
        for (String id : linkIds) {
            assertNotEquals(0, Shell.run("bpftool", "link", "show", "id", id).exit(), "BPF link " + id + " detached");
        }
        // the first run wrote its class-data-sharing archive at exit, inside ReadWritePaths; the next start maps it
        List<String> option = new ArrayList<>(List.of("env"));
        option.addAll(env);
        option.addAll(List.of(launcher, "cds-option", root.resolve("usr/share/huatuo-jmx/huatuo-jmx.jar").toString(),
                state.toString()));
        String cds = Shell.check(option.toArray(String[]::new)).trim();
        assertTrue(cds.startsWith("-XX:SharedArchiveFile=" + state + "/huatuo-jmx-cds."), cds);
        Path archive = Path.of(cds.substring(cds.indexOf('=') + 1));
        assertTrue(Files.size(archive) > 1_000_000, "archive written at exit: " + archive);
        Shell.Result used = Shell.run(System.getProperty("java.home") + "/bin/java", cds, "-Xlog:cds", "-cp",
                root.resolve("usr/share/huatuo-jmx/huatuo-jmx.jar").toString(), "-version");
        assertTrue(used.output().contains("Mapped dynamic region"), "the JVM maps the archive:\n" + used.output());
        // a state directory or archive other users can write to: no sharing (they could plant classes)
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(state);
        try {
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
            assertEquals("", Shell.check(option.toArray(String[]::new)).trim(), "world-writable state directory");
            Files.setPosixFilePermissions(state, mode);
            Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-rw-rw-"));
            assertTrue(Shell.check(option.toArray(String[]::new)).trim().startsWith("-XX:ArchiveClassesAtExit="),
                    "a world-writable archive is written anew, not mapped");
        } finally {
            Files.setPosixFilePermissions(state, mode);
        }
    }

    @Test
    void badConfigFailsTheStartSoSystemdSeesIt() throws Exception {
        Path dir = Files.createDirectories(root.resolve("it-bad"));
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "tracers:\n  dropwatch:\n    maxEventsPerSecond: 0\n");
        Shell.Result r = Shell.run("env", "JAVA_HOME=" + System.getProperty("java.home"),
                "HUATUO_HOME=" + root.resolve("usr/share/huatuo-jmx"), "HUATUO_CONFIG=" + config,
                "HUATUO_STATE_DIR=" + dir, "HUATUO_LOG_DIR=" + dir, "HUATUO_PIDFILE=" + dir.resolve("pid"),
                root.resolve("usr/share/huatuo-jmx/bin/huatuo-jmx-jsvc").toString(), "start");
        assertNotEquals(0, r.exit(), "jsvc -wait reports the failed start: " + r.output());
        String err = readIfExists(dir.resolve("huatuo-jmx.err"));
        assertTrue(err.contains("tracers.dropwatch.maxEventsPerSecond"), err);
        assertFalse(Files.exists(dir.resolve("pid")), "no pid file left behind");
    }

    /** tracer → "State Probe" of every tracer MBean. */
    private static Map<String, String> tracerStates(MBeanServerConnection mbsc) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String t : TracerRegistry.names()) {
            ObjectName n = new ObjectName("huatuo:type=Tracer,name=" + t);
            m.put(t, mbsc.getAttribute(n, "State") + " " + mbsc.getAttribute(n, "Probe"));
        }
        return m;
    }

    /** logrotate's copytruncate on the live jsvc err file: the copy keeps the old lines, new ones follow. */
    private static void rotateLogsWhileRunning(Path logs, Path err) throws IOException {
        Path conf = root.resolve("logrotate.conf");
        Files.writeString(conf, Files.readString(root.resolve("etc/logrotate.d/huatuo-jmx"))
                .replace("/var/log/huatuo-jmx/", logs + "/"));
        long before = Files.size(err);
        assertTrue(before > 0, "jsvc's err file has the start log");
        Shell.check("logrotate", "-f", "-s", root.resolve("logrotate.state").toString(), conf.toString());
        assertTrue(Files.readString(logs.resolve("huatuo-jmx.err.1")).contains("started"), "rotated copy");
        assertTrue(Files.size(err) < before, "err file truncated");
    }

    /** The values of "key:" lines in /proc/pid/fdinfo/* (prog_id, link_id of BPF fds). */
    private static Set<String> fdinfo(long pid, String key) throws IOException {
        Set<String> ids = new TreeSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fdinfo"))) {
            for (Path p : s.toList()) {
                try {
                    for (String l : Files.readAllLines(p)) {
                        if (l.startsWith(key + ":")) {
                            ids.add(l.substring(key.length() + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // fd closed meanwhile
                }
            }
        }
        return ids;
    }

    private static String progNames(Set<String> progIds) {
        StringBuilder sb = new StringBuilder();
        for (String id : progIds) {
            sb.append(Shell.run("bpftool", "prog", "show", "id", id).output());
        }
        return sb.toString();
    }

    private static String readIfExists(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "(no " + p + ")";
    }
}
