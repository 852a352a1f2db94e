package io.huatuo.jmx.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The RPM under a real systemd: installed with {@code rpm -i --nodeps} on a Debian guest, started by
 * {@code systemctl} under the unit's sandboxing and capability bounding set. Needs a machine of its own
 * with systemd as PID 1 ({@code *VmIT}: not part of the host suite; {@code ./dev.sh test-kernels} runs
 * it inside its QEMU guests, with the RPM from {@code ./dev.sh rpm} in {@code HUATUO_RPM}).
 */
class SystemdServiceVmIT {
    private static final String UNIT = "huatuo-jmx";
    private static final Path CONFIG = Path.of("/etc/huatuo-jmx/huatuo-jmx.yaml");
    private static final Path ERR = Path.of("/var/log/huatuo-jmx/huatuo-jmx.err");
    private static final JMXServiceURL URL = url();

    private static JMXServiceURL url() {
        try {
            return new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:9875/jmxrmi");
        } catch (java.net.MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void install() throws Exception {
        Kernel.assumeRootAndBpf();
        assertEquals("systemd", Files.readString(Path.of("/proc/1/comm")).strip(),
                "needs systemd as PID 1: run by ./dev.sh test-kernels in its guests");
        String rpm = System.getenv("HUATUO_RPM");
        assertTrue(rpm != null && Files.isRegularFile(Path.of(rpm)), "HUATUO_RPM names the RPM to install: " + rpm);
        Shell.Result r = Shell.run("rpm", "-i", "--nodeps", rpm);
        if (r.exit() != 0 && r.output().contains("--force-debian")) {
            // Debian's rpm refuses to install into the system's root unless told it is meant
            System.out.println("systemd: Debian's rpm wants --force-debian: " + r.output().strip());
            r = Shell.run("rpm", "-i", "--nodeps", "--force-debian", rpm);
        }
        assertEquals(0, r.exit(), r.output());
        // Only for emulation (QEMU TCG starts a JVM in 20-40 s): more time for jsvc -wait and systemd
        Path dropIn = Path.of("/etc/systemd/system/" + UNIT + ".service.d/slow-machine.conf");
        Files.createDirectories(dropIn.getParent());
        Files.writeString(dropIn, "[Service]\nTimeoutStartSec=300\nEnvironment=HUATUO_JSVC_WAIT=240\n");
        Shell.check("systemctl", "daemon-reload");
    }

    private static Map<String, String> states(MBeanServerConnection mbsc) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String t : (String[]) mbsc.getAttribute(new ObjectName("huatuo:type=Daemon"), "Tracers")) {
            ObjectName n = new ObjectName("huatuo:type=Tracer,name=" + t);
            m.put(t, mbsc.getAttribute(n, "State") + " " + mbsc.getAttribute(n, "Probe"));
        }
        return m;
    }

    /** Our BPF programs loaded on the machine (bpftool's names, truncated to 15 characters). */
    private static TreeSet<String> programs() {
        TreeSet<String> names = new TreeSet<>();
        for (String line : Shell.check("bpftool", "prog", "show").lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":") && f[2].equals("name")) {
                names.add(f[3]);
            }
        }
        return names;
    }

    private static long systemctl(String... args) {
        long t0 = System.nanoTime();
        List<String> cmd = new java.util.ArrayList<>(List.of("systemctl"));
        cmd.addAll(List.of(args));
        Shell.Result r = runLong(cmd);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("systemd: systemctl " + String.join(" ", args) + " -> " + r.exit() + " in " + ms + " ms");
        return r.exit();
    }

    /** systemctl start can take minutes under emulation: Shell's 60 s limit is too short. */
    private static Shell.Result runLong(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return new Shell.Result(p.waitFor(), out);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void serviceRunsEveryTracerAsRootDoesReportsADropStopsCleanAndRefusesABadConfig() throws Exception {
        Map<String, String> root;
        Map<String, String> underUnit;
        try (TestDaemon foreground = TestDaemon.start("")) {
            root = states(foreground.mbsc);
        }
        TreeSet<String> before = programs();

        assertEquals(0, systemctl("start", UNIT), Shell.run("systemctl", "status", "--no-pager", UNIT).output());
        try (JMXConnector c = JMXConnectorFactory.connect(URL); NetnsPair net = new NetnsPair()) {
            MBeanServerConnection mbsc = c.getMBeanServerConnection();
            underUnit = states(mbsc); // compared at the end: the other checks run either way
            String pid = Shell.check("systemctl", "show", "-p", "MainPID", "--value", UNIT).strip();
            String caps = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("CapBnd:")).findFirst().orElse("");
            System.out.println("systemd: MainPID " + pid + " " + caps);
            assertNotEquals("CapBnd:\t000001ffffffffff", caps, "the unit's bounding set applies");

            ObjectName dw = new ObjectName("huatuo:type=Tracer,name=dropwatch");
            long events = (Long) mbsc.getAttribute(dw, "EventCount");
            net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
            CompositeData last = null;
            for (int i = 0; i < 100 && (last == null || !net.addrB.equals(last.get("daddr"))); i++) {
                Thread.sleep(100);
                last = (CompositeData) mbsc.getAttribute(dw, "LastEvent");
            }
            assertTrue(last != null && net.addrB.equals(last.get("daddr")) && Integer.valueOf(9).equals(last.get("dport")),
                    "the provoked drop is the service's LastEvent: " + last);
            assertTrue((Long) mbsc.getAttribute(dw, "EventCount") > events);
        }

        assertEquals(0, systemctl("restart", UNIT));
        Map<String, String> restarted;
        try (JMXConnector c = JMXConnectorFactory.connect(URL)) {
            restarted = states(c.getMBeanServerConnection());
        }
        assertEquals(0, systemctl("stop", UNIT));
        assertEquals(before, programs(), "no BPF program left after systemctl stop");

        String good = Files.readString(CONFIG);
        try {
            String bad = good.replaceFirst("(?s)(\n  dropwatch:\n.*?\n    maxEventsPerSecond: )\\d+", "$10");
            assertNotEquals(good, bad, "the installed config sets tracers.dropwatch.maxEventsPerSecond");
            Files.writeString(CONFIG, bad);
            assertNotEquals(0, systemctl("start", UNIT), "a bad config fails the start");
            String err = Files.readString(ERR);
            assertTrue(err.contains("tracers.dropwatch.maxEventsPerSecond"), "the log names the key:\n" + err);
            assertEquals(before, programs(), "nothing left loaded by the failed start");
        } finally {
            Files.writeString(CONFIG, good);
            Shell.run("systemctl", "stop", UNIT);
            Shell.run("systemctl", "reset-failed", UNIT);
        }
        assertEquals(root, underUnit, "every tracer as in a foreground root run (softirq too: its sampler is the tick, "
                + "no perf event, so kernel.perf_event_paranoid=3 does not matter)");
        assertEquals(underUnit, restarted, "the same after a restart");
    }
}
