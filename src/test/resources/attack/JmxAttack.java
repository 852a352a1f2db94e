import java.io.File;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.Query;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * What a hostile local user tries against the daemon's JMX port (run as nobody by SecurityIT).
 * Prints one line per attempt: "<name> OK <result>" when it worked, "<name> REFUSED <exception>" when not.
 * Arguments: url scratchDir [user password]
 */
public class JmxAttack {
    interface Attempt {
        Object run() throws Exception;
    }

    static void attempt(String name, Attempt a) {
        try {
            Object r = a.run();
            System.out.println(name + " OK " + oneLine(String.valueOf(r)));
        } catch (Throwable t) {
            System.out.println(name + " REFUSED " + oneLine(t.toString()));
        }
    }

    static String oneLine(String s) {
        s = s.replace('\n', ' ');
        return s.length() > 300 ? s.substring(0, 300) : s;
    }

    public static void main(String[] args) throws Exception {
        Map<String, Object> env = new HashMap<>();
        if (args.length >= 4) {
            env.put(JMXConnector.CREDENTIALS, new String[] {args[2], args[3]});
        }
        File scratch = new File(args[1]);
        System.out.println("user " + System.getProperty("user.name"));
        try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(args[0]), env)) {
            MBeanServerConnection m = c.getMBeanServerConnection();
            ObjectName dcmd = new ObjectName("com.sun.management:type=DiagnosticCommand");
            ObjectName hotspot = new ObjectName("com.sun.management:type=HotSpotDiagnostic");
            ObjectName runtime = new ObjectName("java.lang:type=Runtime");
            ObjectName dropwatch = new ObjectName("huatuo:type=Tracer,name=dropwatch");
            attempt("jvmtiAgentLoad", () -> m.invoke(dcmd, "jvmtiAgentLoad",
                    new Object[] {new String[] {new File(scratch, "agent.so").getPath()}},
                    new String[] {String[].class.getName()}));
            File heap = new File(scratch, "heap.hprof");
            attempt("dumpHeap", () -> {
                m.invoke(hotspot, "dumpHeap", new Object[] {heap.getPath(), true},
                        new String[] {String.class.getName(), boolean.class.getName()});
                return "file exists: " + heap.exists();
            });
            attempt("createMBean", () -> m.createMBean("javax.management.timer.Timer", new ObjectName("attack:type=Timer")));
            attempt("createMLet", () -> m.createMBean("javax.management.loading.MLet", new ObjectName("attack:type=MLet")));
            attempt("unregisterMBean", () -> {
                m.unregisterMBean(new ObjectName("huatuo:type=Daemon"));
                return "unregistered";
            });
            attempt("readInputArguments", () -> java.util.Arrays.toString((String[]) m.getAttribute(runtime, "InputArguments")));
            attempt("readSystemProperties", () -> m.getAttribute(runtime, "SystemProperties"));
            attempt("readClassPath", () -> m.getAttribute(runtime, "ClassPath"));
            attempt("bulkReadRuntime", () -> m.getAttributes(runtime, new String[] {"InputArguments", "ClassPath", "VmName"}));
            attempt("queryOracle", () -> m.queryNames(runtime, Query.match(Query.attr("ClassPath"), Query.value("*"))));
            attempt("invokeGc", () -> m.invoke(new ObjectName("java.lang:type=Memory"), "gc", null, null));
            attempt("listenerByName", () -> {
                m.addNotificationListener(dropwatch, new ObjectName("JMImplementation:type=MBeanServerDelegate"), null, null);
                return "added";
            });
            attempt("writeThreshold", () -> {
                m.setAttribute(dropwatch, new Attribute("MaxEventsPerSecond", 7L));
                return "MaxEventsPerSecond=" + m.getAttribute(dropwatch, "MaxEventsPerSecond");
            });
            // what a read-only user may still do
            attempt("readHuatuo", () -> m.getAttribute(dropwatch, "State"));
            attempt("readHeap", () -> m.getAttribute(new ObjectName("java.lang:type=Memory"), "HeapMemoryUsage") != null);
            attempt("hiddenVisible", () -> {
                Set<ObjectName> all = m.queryNames(null, null);
                return all.contains(dcmd) || all.contains(hotspot) ? "DiagnosticCommand or HotSpotDiagnostic listed"
                        : "not listed (" + all.size() + " names)";
            });
            attempt("dcmdRegistered", () -> m.isRegistered(dcmd));
        }
    }
}
