package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.edge.Exposure.Role;
import io.huatuo.jmx.event.Attribute;
import io.huatuo.jmx.jmx.AttributeBean;
import java.lang.management.ManagementFactory;
import java.security.PrivilegedExceptionAction;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.Query;
import javax.management.remote.JMXPrincipal;
import javax.security.auth.Subject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The exposure policy, and the JMX connector's view of the real platform MBean server built on it. */
class ExposureTest {
    private static final MBeanServer PLATFORM = ManagementFactory.getPlatformMBeanServer();
    private static final ObjectName BEAN = name("huatuo:type=ExposureTest");
    private static final ObjectName RUNTIME = name("java.lang:type=Runtime");
    private static final ObjectName DCMD = name("com.sun.management:type=DiagnosticCommand");
    private static final ObjectName HOTSPOT = name("com.sun.management:type=HotSpotDiagnostic");
    private static final AtomicLong limit = new AtomicLong(10);

    @BeforeAll
    static void register() throws Exception {
        PLATFORM.registerMBean(new AttributeBean(BEAN, "test", List.of(Attribute.writable("Limit",
                Attribute.Type.LONG, "a writable value", limit::get, v -> limit.set((Long) v))), new io.huatuo.jmx.jmx.Notifier(16)), BEAN);
    }

    @AfterAll
    static void unregister() throws Exception {
        PLATFORM.unregisterMBean(BEAN);
    }

    private static ObjectName name(String s) {
        try {
            return new ObjectName(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    // ---- the policy ----

    @Test
    void huatuoTheDelegateAndJvmHealthAreVisibleNothingElse() {
        assertTrue(Exposure.isVisible(BEAN));
        assertTrue(Exposure.isVisible(name("JMImplementation:type=MBeanServerDelegate")));
        assertTrue(Exposure.isVisible(name("java.lang:type=GarbageCollector,name=Copy")));
        assertTrue(Exposure.isVisible(RUNTIME));
        assertFalse(Exposure.isVisible(DCMD));
        assertFalse(Exposure.isVisible(HOTSPOT));
        assertFalse(Exposure.isVisible(name("java.lang:type=MemoryPool,name=Metaspace")));
        assertFalse(Exposure.isVisible(name("jolokia:type=Config")));
        assertFalse(Exposure.isVisible(name("huatuo:*")), "a pattern is never visible itself");
        assertFalse(Exposure.isVisible(name("huatuo*:type=Daemon")));
    }

    @Test
    void oursIsExactlyTheHuatuoDomainAndNoPattern() {
        assertTrue(Exposure.isOurs(BEAN));
        assertTrue(Exposure.isOurs(name("huatuo:type=Daemon")));
        assertTrue(Exposure.isOurs(name("huatuo:name=x,type=Tracer"))); // canonical order is not the caller's
        assertFalse(Exposure.isOurs(null));
        assertFalse(Exposure.isOurs(name("huatuox:type=Daemon")));
        assertFalse(Exposure.isOurs(name("huatu:type=Daemon")));
        assertFalse(Exposure.isOurs(name("xhuatuo:type=Daemon")));
        assertFalse(Exposure.isOurs(name("HUATUO:type=Daemon")));
        assertFalse(Exposure.isOurs(name("java.lang:type=Runtime,huatuo=yes")));
        assertFalse(Exposure.isOurs(name("huatuo:*")));
        assertFalse(Exposure.isOurs(name("huatuo:type=Tracer,*")));
        assertFalse(Exposure.isOurs(name("huatu?:type=Daemon")));
        assertFalse(Exposure.isOurs(name("huatuo*:type=Daemon")));
        assertFalse(Exposure.canWrite(Role.READWRITE, name("huatuox:type=Daemon")));
    }

    @Test
    void jvmArgumentsPropertiesAndPathsAreNeverReadable() {
        for (String a : new String[] {"InputArguments", "SystemProperties", "ClassPath", "BootClassPath", "LibraryPath"}) {
            assertFalse(Exposure.canRead(RUNTIME, a), a);
        }
        assertTrue(Exposure.canRead(RUNTIME, "Uptime"));
        assertTrue(Exposure.canRead(name("java.lang:type=Memory"), "HeapMemoryUsage"));
        assertFalse(Exposure.canRead(DCMD, "anything"));
        assertTrue(Exposure.canRead(BEAN, "Limit"));
    }

    @Test
    void onlyReadwriteChangesAndOnlyHuatuo() {
        assertTrue(Exposure.canWrite(Role.READWRITE, BEAN));
        assertFalse(Exposure.canWrite(Role.READONLY, BEAN));
        assertFalse(Exposure.canWrite(Role.NONE, BEAN));
        assertFalse(Exposure.canInvoke(Role.READWRITE, name("java.lang:type=Memory")));
        assertFalse(Exposure.canInvoke(Role.READWRITE, DCMD));
    }

    @Test
    void platformMBeanInfoShowsOnlyReadableAttributesAndNoOperations() throws Exception {
        MBeanInfo info = Exposure.restrict(RUNTIME, PLATFORM.getMBeanInfo(RUNTIME));
        List<String> names = Arrays.stream(info.getAttributes()).map(a -> a.getName()).sorted().toList();
        assertEquals(List.of("SpecVersion", "StartTime", "Uptime", "VmName", "VmVendor", "VmVersion"), names);
        assertEquals(0, Exposure.restrict(name("java.lang:type=Memory"),
                PLATFORM.getMBeanInfo(name("java.lang:type=Memory"))).getOperations().length);
        assertEquals(PLATFORM.getMBeanInfo(BEAN), Exposure.restrict(BEAN, PLATFORM.getMBeanInfo(BEAN)));
    }

    // ---- the connector's view ----

    private static RestrictedMBeanServer view(Map<String, Role> users, Role others) {
        RestrictedMBeanServer v = new RestrictedMBeanServer(users, others);
        v.setMBeanServer(PLATFORM);
        return v;
    }

    @SuppressWarnings("removal")
    private static <T> T as(String user, PrivilegedExceptionAction<T> action) throws Exception {
        Subject s = new Subject(true, Set.of(new JMXPrincipal(user)), Set.of(), Set.of());
        try {
            return Subject.doAs(s, action);
        } catch (java.security.PrivilegedActionException e) {
            throw e.getException();
        }
    }

    @Test
    void anonymousReadsHuatuoAndHealthButNotSecrets() throws Exception {
        RestrictedMBeanServer v = view(Map.of(), Role.READONLY);
        assertEquals(10L, v.getAttribute(BEAN, "Limit"));
        assertTrue(v.getAttribute(RUNTIME, "Uptime") instanceof Long);
        SecurityException e = assertThrows(SecurityException.class, () -> v.getAttribute(RUNTIME, "InputArguments"));
        assertTrue(e.getMessage().contains("InputArguments") && e.getMessage().contains("not exposed"), e.getMessage());
        assertThrows(SecurityException.class, () -> v.getAttribute(RUNTIME, "SystemProperties"));
        var bulk = v.getAttributes(RUNTIME, new String[] {"InputArguments", "ClassPath", "VmName"});
        assertEquals(List.of("VmName"), bulk.asList().stream().map(a -> a.getName()).toList());
        InstanceNotFoundException hidden = assertThrows(InstanceNotFoundException.class,
                () -> v.invoke(DCMD, "help", new Object[] {new String[0]}, new String[] {String[].class.getName()}));
        assertTrue(hidden.getMessage().contains("not exposed"), hidden.getMessage());
        assertThrows(InstanceNotFoundException.class, () -> v.getMBeanInfo(HOTSPOT));
        assertFalse(v.isRegistered(DCMD));
    }

    @Test
    void nobodyCreatesUnregistersOrInvokesThePlatform() throws Exception {
        RestrictedMBeanServer v = view(Map.of("admin", Role.READWRITE), Role.NONE);
        as("admin", () -> {
            assertThrows(SecurityException.class, () -> v.createMBean("javax.management.loading.MLet", name("a:b=c")));
            assertThrows(SecurityException.class, () -> v.unregisterMBean(BEAN));
            SecurityException gc = assertThrows(SecurityException.class,
                    () -> v.invoke(name("java.lang:type=Memory"), "gc", null, null));
            assertTrue(gc.getMessage().contains("jcmd"), gc.getMessage());
            assertThrows(SecurityException.class, () -> v.addNotificationListener(BEAN,
                    name("JMImplementation:type=MBeanServerDelegate"), null, null));
            return null;
        });
        assertTrue(PLATFORM.isRegistered(BEAN));
    }

    @Test
    void rolesDecideWrites() throws Exception {
        RestrictedMBeanServer v = view(Map.of("admin", Role.READWRITE, "monitor", Role.READONLY), Role.NONE);
        SecurityException anon = assertThrows(SecurityException.class,
                () -> v.setAttribute(BEAN, new javax.management.Attribute("Limit", 5L)));
        assertTrue(anon.getMessage().contains("an anonymous client is readonly"), anon.getMessage());
        SecurityException ro = assertThrows(SecurityException.class, () -> as("monitor",
                () -> { v.setAttribute(BEAN, new javax.management.Attribute("Limit", 5L)); return null; }));
        assertTrue(ro.getMessage().contains("user monitor is readonly"), ro.getMessage());
        SecurityException stranger = assertThrows(SecurityException.class,
                () -> as("stranger", () -> v.getAttribute(BEAN, "Limit")));
        assertTrue(stranger.getMessage().contains("no role"), stranger.getMessage());
        as("admin", () -> { v.setAttribute(BEAN, new javax.management.Attribute("Limit", 5L)); return null; });
        assertEquals(5L, limit.get());
        limit.set(10);
    }

    @Test
    void queriesCountsAndDomainsShowOnlyVisibleMBeans() {
        RestrictedMBeanServer v = view(Map.of(), Role.READONLY);
        Set<ObjectName> all = v.queryNames(null, null);
        assertTrue(all.contains(BEAN) && all.contains(RUNTIME), all.toString());
        assertFalse(all.contains(DCMD) || all.contains(HOTSPOT), all.toString());
        assertTrue(all.stream().allMatch(Exposure::isVisible), all.toString());
        assertEquals(all.size(), v.getMBeanCount());
        assertFalse(Arrays.asList(v.getDomains()).contains("com.sun.management"));
        assertEquals(all.size(), v.queryMBeans(null, null).size());
    }

    @Test
    void aQueryCannotProbeHiddenAttributes() {
        RestrictedMBeanServer v = view(Map.of(), Role.READONLY);
        // ClassPath is a non-empty string: a query on it would match if it could read it
        assertEquals(Set.of(), v.queryNames(RUNTIME, Query.match(Query.attr("ClassPath"), Query.value("*"))));
        assertEquals(Set.of(RUNTIME), PLATFORM.queryNames(RUNTIME, Query.match(Query.attr("ClassPath"),
                Query.value("*"))), "the unrestricted server does match it");
        assertEquals(Set.of(RUNTIME), v.queryNames(RUNTIME, Query.match(Query.attr("VmName"), Query.value("*"))));
    }

    @Test
    void accessFileValuesAreChecked(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = java.nio.file.Files.writeString(dir.resolve("access"), "ops readwrite create\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JmxRemoteServer.restrictedView(f.toString()));
        assertTrue(e.getMessage().contains("user ops: expected readonly or readwrite, got 'readwrite create'"),
                e.getMessage());
    }
}
