package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.CapturedLog;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import io.huatuo.jmx.testing.Unprivileged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The endpoints' known attacks, made as a hostile local user would make them: every client runs as
 * {@code nobody} (setpriv, no groups) against a real daemon on loopback, with the default
 * configuration and with users and roles. Each attack must fail, and what monitoring needs must work.
 */
class SecurityIT {
    private static final ObjectName DAEMON = name("huatuo:type=Daemon");
    private static final ObjectName DROPWATCH = name("huatuo:type=Tracer,name=dropwatch");
    /** Attacks that change or leak something; every one must be refused, for anonymous and read-only users. */
    private static final List<String> REFUSED = List.of("jvmtiAgentLoad", "dumpHeap", "createMBean", "createMLet",
            "unregisterMBean", "readInputArguments", "readSystemProperties", "readClassPath", "invokeGc",
            "listenerByName", "writeThreshold");
    private Unprivileged nobody;
    private Path secrets;

    @BeforeEach
    void setUp() throws Exception {
        Kernel.assumeRootAndBpf();
        nobody = new Unprivileged("/attack/JmxAttack.java", "/attack/jolokia_attack.py", "/attack/catch-all-rules.yaml");
        secrets = Files.createTempDirectory("huatuo-it11-secrets");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (nobody != null) {
            nobody.close();
        }
        if (secrets != null) {
            TestDaemon.deleteTree(secrets);
        }
    }

    private static ObjectName name(String s) {
        try {
            return new ObjectName(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** jmx: passwordFile with monitor (readonly) and admin (readwrite), accessFile. */
    private String users() throws Exception {
        Path password = TestDaemon.secret(secrets.resolve("jmxremote.password"), "monitor m0n1tor\nadmin s3cret\n");
        Path access = Files.writeString(secrets.resolve("jmxremote.access"), "monitor readonly\nadmin readwrite\n");
        return "  passwordFile: " + password + "\n  accessFile: " + access + "\n";
    }

    /** Runs the JMX attack client as nobody; returns attempt → "OK ..."/"REFUSED ...". */
    private Map<String, String> jmxAttack(TestDaemon d, String... credentials) {
        String[] args = new String[2 + credentials.length];
        args[0] = d.service.jmxUrl().toString();
        args[1] = nobody.dir.toString();
        System.arraycopy(credentials, 0, args, 2, credentials.length);
        Shell.Result r = nobody.java("JmxAttack.java", args);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().startsWith("user nobody"), "the client ran as nobody: " + r.output());
        System.out.println("JMX attack as nobody" + (credentials.length > 0 ? " (user " + credentials[0] + ")" : "")
                + ":\n" + r.output());
        return Unprivileged.attempts(r.output());
    }

    private static void assertRefused(Map<String, String> attempts, List<String> names) {
        for (String n : names) {
            assertTrue(attempts.containsKey(n), n + " was not attempted: " + attempts);
            assertTrue(attempts.get(n).startsWith("REFUSED"), n + " worked: " + attempts.get(n));
        }
    }

    private void assertNothingWritten() {
        assertFalse(Files.exists(nobody.dir.resolve("heap.hprof")), "dumpHeap wrote a file");
        assertFalse(Files.exists(nobody.dir.resolve("jolokia-heap.hprof")), "dumpHeap wrote a file");
    }

    @Test
    void anonymousLocalUserCannotTakeOverTheDaemonOverJmx() throws Exception {
        try (TestDaemon d = TestDaemon.start(IntegrationsIT.TRACERS, "", "", "", null)) { // anonymous
            Map<String, String> a = jmxAttack(d);
            assertRefused(a, REFUSED);
            assertTrue(a.get("jvmtiAgentLoad").contains("not exposed"), a.get("jvmtiAgentLoad"));
            assertTrue(a.get("writeThreshold").contains("an anonymous client is readonly"), a.get("writeThreshold"));
            assertEquals("OK []", a.get("queryOracle"), "a query cannot test hidden attributes");
            assertEquals("OK [VmName = " + System.getProperty("java.vm.name") + "]", a.get("bulkReadRuntime"));
            assertTrue(a.get("hiddenVisible").startsWith("OK not listed"), a.get("hiddenVisible"));
            assertEquals("OK false", a.get("dcmdRegistered"));
            // what monitoring needs still works
            assertEquals("OK RUNNING", a.get("readHuatuo"));
            assertEquals("OK true", a.get("readHeap"));
            assertNothingWritten();
            assertEquals(100000L, d.counter("dropwatch", "MaxEventsPerSecond"));
            assertTrue(d.mbsc.isRegistered(DAEMON));
        }
    }

    @Test
    void readOnlyUserCannotReadJvmArgumentsOrWriteAndReadWriteUserOnlyWritesHuatuo() throws Exception {
        try (TestDaemon d = TestDaemon.start(IntegrationsIT.TRACERS, users(), "", "", new String[] {"monitor", "m0n1tor"})) {
            Map<String, String> monitor = jmxAttack(d, "monitor", "m0n1tor");
            assertRefused(monitor, REFUSED);
            assertTrue(monitor.get("writeThreshold").contains("user monitor is readonly"), monitor.get("writeThreshold"));
            assertEquals("OK RUNNING", monitor.get("readHuatuo"));

            Map<String, String> admin = jmxAttack(d, "admin", "s3cret");
            assertRefused(admin, REFUSED.stream().filter(n -> !n.equals("writeThreshold")).toList());
            assertEquals("OK MaxEventsPerSecond=7", admin.get("writeThreshold"), "readwrite may change a threshold");
            assertNothingWritten();
        }
    }

    @Test
    void jolokiaGivesNobodyTheJvmOrWrites() throws Exception {
        try (TestDaemon d = TestDaemon.start(IntegrationsIT.TRACERS, "", "", "", null)) { // anonymous
            Shell.Result r = nobody.python("jolokia_attack.py", d.service.jolokiaUrl(), nobody.dir.toString());
            assertEquals(0, r.exit(), r.output());
            System.out.println("Jolokia attack as nobody:\n" + r.output());
            Map<String, String> a = Unprivileged.attempts(r.output());
            assertRefused(a, List.of("jvmtiAgentLoad", "dumpHeap", "heapFile", "invokeGc", "writeThreshold",
                    "readInputArguments", "readSystemProperties", "readAllRuntime", "readPatternRuntime",
                    "hiddenInSearch", "hiddenInList", "configPath"));
            assertTrue(a.get("readInputArguments").contains("forbidden"), a.get("readInputArguments"));
            assertEquals("OK RUNNING", a.get("readHuatuo"));
            assertTrue(a.get("readHeap").startsWith("OK {"), a.get("readHeap"));
            assertNothingWritten();
            assertEquals(100000L, d.counter("dropwatch", "MaxEventsPerSecond"));
        }
    }

    @Test
    void aPrometheusRulesFileCannotExportSystemPropertiesOrHiddenMBeans() throws Exception {
        Path rules = nobody.dir.resolve("catch-all-rules.yaml");
        try (TestDaemon d = TestDaemon.start(IntegrationsIT.TRACERS, "", "", "  rulesFile: " + rules + "\n", null)) {
            Shell.Result r = nobody.run("/usr/bin/python3", "-c",
                    "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1]).read().decode())",
                    d.service.prometheusUrl());
            assertEquals(0, r.exit(), r.output());
            for (String hidden : new String[] {"java.vm.", "java.class.path", "SystemProperties", "InputArguments",
                    "ClassPath", "com.sun.management", "DiagnosticCommand", "jolokia", "type=MemoryPool"}) {
                assertFalse(r.output().contains(hidden), hidden + " exported:\n" + r.output());
            }
            assertTrue(r.output().contains("name=dropwatch>\",key=\"DropsByReason\""), "huatuo is exported: " + r.output());
            assertTrue(r.output().contains("attr=\"HeapMemoryUsage\"") || r.output().contains("key=\"HeapMemoryUsage\""),
                    "JVM health stays exported: " + r.output());
        }
    }

    @Test
    void wrongPasswordsAreLoggedCountedAndThrottled() throws Exception {
        try (TestDaemon d = TestDaemon.start(IntegrationsIT.TRACERS, users(), "", "", new String[] {"monitor", "m0n1tor"});
                CapturedLog log = new CapturedLog()) {
            long failures0 = (Long) d.mbsc.getAttribute(DAEMON, "AuthenticationFailures");
            // a few typos cost nothing; then 127.0.0.1 must wait (1 s, 2 s, 4 s, ...) and meanwhile is refused
            // unchecked (each client JVM takes about a second to start, so it takes a few tries to hit a wait)
            int tries = 0;
            String last = "";
            while (tries < 10 && !last.contains("too many failed logins")) {
                Shell.Result r = nobody.java("JmxAttack.java", d.service.jmxUrl().toString(), nobody.dir.toString(),
                        "admin", "guess" + tries);
                assertNotEquals(0, r.exit(), "a wrong password must not connect: " + r.output());
                last = r.output();
                assertTrue(last.contains("authentication failed") || last.contains("too many failed logins"), last);
                tries++;
            }
            assertTrue(last.contains("too many failed logins from 127.0.0.1; try again in "), last);
            assertTrue(tries > LoginGuard.FREE_FAILURES, "the first failures are not throttled: " + tries);
            assertEquals(failures0 + tries - 1, d.mbsc.getAttribute(DAEMON, "AuthenticationFailures"));
            assertEquals(1L, d.mbsc.getAttribute(DAEMON, "AuthenticationsRefused"));
            assertTrue(log.count("jmx: authentication failed for user 'admin' from 127.0.0.1") >= 1, log.text());
            assertFalse(log.text().contains("guess"), "passwords are never logged");
            // the right password from elsewhere is not affected (the test JVM's own connection works on)
            assertEquals("RUNNING", d.mbsc.getAttribute(DROPWATCH, "State"));
        }
    }

    @Test
    void aPasswordFileOthersCanReadStopsTheStart() throws Exception {
        Path password = Files.writeString(secrets.resolve("jmxremote.password"), "admin s3cret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestDaemon.start("",
                "  passwordFile: " + password + "\n", "", "", new String[] {"admin", "s3cret"}));
        assertEquals("jmx.passwordFile: " + password + " is readable by group or others (rw-r--r--); it holds "
                + "secrets: chmod 600 it", e.getMessage());
    }
}
