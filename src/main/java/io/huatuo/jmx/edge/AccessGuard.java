package io.huatuo.jmx.edge;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.security.AccessController;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.remote.JMXPrincipal;
import javax.management.remote.MBeanServerForwarder;
import javax.security.auth.Subject;

/**
 * Roles from a {@code jmxremote.access} file ({@code user readonly|readwrite}) enforced in front of
 * the MBean server: a read-only user may read attributes, browse and listen to notifications; writes,
 * operations and MBean creation need {@code readwrite}. A user not in the file gets nothing.
 */
final class AccessGuard implements InvocationHandler {
    /** What a read-only user may call; everything else on MBeanServer changes state or loads classes. */
    private static final Set<String> READ = Set.of("getAttribute", "getAttributes", "getMBeanInfo", "getMBeanCount",
            "getDefaultDomain", "getDomains", "getObjectInstance", "queryNames", "queryMBeans", "isRegistered",
            "isInstanceOf", "addNotificationListener", "removeNotificationListener");

    private final Map<String, String> roles;
    private MBeanServer target;

    private AccessGuard(Map<String, String> roles) {
        this.roles = roles;
    }

    static MBeanServerForwarder forFile(String accessFile) {
        Map<String, String> roles = Credentials.pairs(accessFile);
        roles.forEach((user, role) -> {
            if (!role.equals("readonly") && !role.equals("readwrite")) {
                throw new IllegalArgumentException(accessFile + ": user " + user
                        + ": expected readonly or readwrite, got '" + role + "'");
            }
        });
        return (MBeanServerForwarder) Proxy.newProxyInstance(MBeanServerForwarder.class.getClassLoader(),
                new Class<?>[] {MBeanServerForwarder.class}, new AccessGuard(roles));
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        if (m.getDeclaringClass() == Object.class) {
            switch (m.getName()) {
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                default:
                    return "AccessGuard" + roles.keySet();
            }
        }
        switch (m.getName()) {
            case "getMBeanServer":
                return target;
            case "setMBeanServer":
                target = (MBeanServer) args[0];
                return null;
            default:
                break;
        }
        Subject subject = subject();
        String role = role(subject);
        // No Subject: the connector server's own calls (clients always run as their authenticated Subject).
        boolean allowed = subject == null || "readwrite".equals(role)
                || ("readonly".equals(role) && READ.contains(m.getName()));
        if (!allowed) {
            throw new SecurityException("access denied: " + m.getName() + " needs the readwrite role"
                    + (role == null ? " (user not in jmx.accessFile)" : ", this user is " + role));
        }
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @SuppressWarnings("removal")
    private static Subject subject() {
        return Subject.getSubject(AccessController.getContext());
    }

    /** The authenticated user's role; the connector runs each request as its client's Subject. */
    private String role(Subject s) {
        if (s == null) {
            return null;
        }
        for (JMXPrincipal p : s.getPrincipals(JMXPrincipal.class)) {
            String r = roles.get(p.getName());
            if (r != null) {
                return r;
            }
        }
        return null;
    }
}
