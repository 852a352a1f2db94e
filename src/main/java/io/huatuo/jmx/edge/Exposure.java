package io.huatuo.jmx.edge;

import io.huatuo.jmx.jmx.ObjectNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanConstructorInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * What any remote client of any endpoint (JMX RMI, Jolokia, Prometheus) may see and do. One policy,
 * so that no endpoint hands out more than another:
 * <ul>
 * <li>visible: the {@code huatuo} domain, the MBean server delegate (JMX clients need it) and a small
 * read-only list of JVM health attributes (heap, threads, GC, process CPU and descriptors, uptime, VM
 * name); never the JVM's arguments, system properties or class paths, and nothing else of the platform
 * (DiagnosticCommand, HotSpotDiagnostic, MLet, ...);</li>
 * <li>writes and operations: on {@code huatuo} MBeans only, and only for {@link Role#READWRITE};</li>
 * <li>nobody creates, registers or unregisters MBeans or invokes the platform's operations remotely (an
 * administrator uses jcmd as root on the host).</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class Exposure {
    /** What a client may do with what it can see. */
    public enum Role {
        /** Authenticated, but not given a role in the access file: nothing. */
        NONE,
        /** Read visible attributes, browse visible MBeans, receive their notifications. */
        READONLY,
        /** READONLY plus writing attributes and invoking operations of huatuo MBeans. */
        READWRITE
    }

    /** Said in every refusal, so that a client knows what it can have instead. */
    static final String WHAT_IS_EXPOSED = "huatuo-jmx exposes the huatuo domain, the MBean server delegate and "
            + "read-only JVM health attributes";

    /** MBeans of the platform that are visible, each with the attributes that may be read (null = all). */
    private record Visible(ObjectName pattern, Set<String> attributes) {
    }

    private static final String OUR_DOMAIN_PREFIX = ObjectNames.DOMAIN + ":"; // a domain has no ':'
    private static final List<Visible> PLATFORM = List.of(
            visible("JMImplementation:type=MBeanServerDelegate", null),
            visible("java.lang:type=Memory",
                    Set.of("HeapMemoryUsage", "NonHeapMemoryUsage", "ObjectPendingFinalizationCount")),
            visible("java.lang:type=Threading",
                    Set.of("ThreadCount", "PeakThreadCount", "DaemonThreadCount", "TotalStartedThreadCount")),
            visible("java.lang:type=GarbageCollector,name=*", Set.of("Name", "Valid", "CollectionCount", "CollectionTime")),
            visible("java.lang:type=OperatingSystem", Set.of("Name", "Arch", "Version", "AvailableProcessors",
                    "SystemLoadAverage", "ProcessCpuLoad", "ProcessCpuTime", "OpenFileDescriptorCount",
                    "MaxFileDescriptorCount")),
            // never InputArguments, SystemProperties, ClassPath, BootClassPath, LibraryPath
            visible("java.lang:type=Runtime", Set.of("Uptime", "StartTime", "VmName", "VmVendor", "VmVersion",
                    "SpecVersion")),
            visible("java.lang:type=ClassLoading", Set.of("LoadedClassCount", "TotalLoadedClassCount",
                    "UnloadedClassCount")));

    private Exposure() {
    }

    private static Visible visible(String pattern, Set<String> attributes) {
        try {
            return new Visible(new ObjectName(pattern), attributes);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(pattern, e);
        }
    }

    /** @return whether the MBean is in the {@code huatuo} domain (a pattern never is) */
    public static boolean isOurs(ObjectName name) {
        // the canonical name is kept by the ObjectName; getDomain() would cut a new string on every check
        return name != null && !name.isPattern() && name.getCanonicalName().startsWith(OUR_DOMAIN_PREFIX);
    }

    /** @return whether remote clients may know that the MBean exists (a pattern never is visible) */
    public static boolean isVisible(ObjectName name) {
        return isOurs(name) || platform(name) != null;
    }

    /** @return whether remote clients may read the attribute (of any MBean, visible or not) */
    public static boolean canRead(ObjectName name, String attribute) {
        if (isOurs(name)) {
            return true;
        }
        Visible v = platform(name);
        return v != null && (v.attributes() == null || v.attributes().contains(attribute));
    }

    /** @return whether a client with this role may write attributes of the MBean */
    public static boolean canWrite(Role role, ObjectName name) {
        return role == Role.READWRITE && isOurs(name);
    }

    /** @return whether a client with this role may invoke operations of the MBean */
    public static boolean canInvoke(Role role, ObjectName name) {
        return canWrite(role, name);
    }

    /** @return whether a client with this role may read and subscribe at all */
    public static boolean canBrowse(Role role) {
        return role != Role.NONE;
    }

    /**
     * The MBean's description as a client may see it: for platform MBeans only the readable attributes
     * and no operations or constructors; huatuo MBeans unchanged.
     */
    public static MBeanInfo restrict(ObjectName name, MBeanInfo info) {
        if (isOurs(name)) {
            return info;
        }
        List<MBeanAttributeInfo> attrs = new ArrayList<>();
        for (MBeanAttributeInfo a : info.getAttributes()) {
            if (canRead(name, a.getName())) {
                attrs.add(a);
            }
        }
        return new MBeanInfo(info.getClassName(), info.getDescription(), attrs.toArray(MBeanAttributeInfo[]::new),
                new MBeanConstructorInfo[0], new MBeanOperationInfo[0], info.getNotifications(), info.getDescriptor());
    }

    /** The message of a refusal for an MBean that is not visible. */
    static String notExposed(ObjectName name) {
        return name + " is not exposed: " + WHAT_IS_EXPOSED;
    }

    /** The message of a refusal to read an attribute of a visible MBean. */
    static String attributeNotExposed(ObjectName name, String attribute) {
        return "attribute " + attribute + " of " + name + " is not exposed: " + WHAT_IS_EXPOSED;
    }

    /** The message of a refused write or operation. */
    static String notWritable(String what, ObjectName name, Role role, String who) {
        if (!isOurs(name)) {
            return what + " on " + name + " is not available remotely: only huatuo MBeans can be changed "
                    + "(administrators use jcmd on the host)";
        }
        return what + " on " + name + " needs the readwrite role; " + who + " is " + role.name().toLowerCase();
    }

    private static Visible platform(ObjectName name) {
        if (name == null || name.isPattern()) {
            return null;
        }
        for (Visible v : PLATFORM) {
            if (v.pattern().apply(name)) {
                return v;
            }
        }
        return null;
    }
}
