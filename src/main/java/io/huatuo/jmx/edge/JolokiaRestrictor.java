package io.huatuo.jmx.edge;

import io.huatuo.jmx.edge.Exposure.Role;
import java.io.IOException;
import javax.management.ObjectName;
import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.config.Configuration;
import org.jolokia.server.core.restrictor.RestrictorFactory;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;

/**
 * Jolokia's access check: the operator's policy file (jolokia-access.xml) and the {@link Exposure}
 * policy must both allow a request, so no policy file can open more than the JMX connector does.
 * Jolokia creates it by class name ({@code restrictorClass}); the subclass says the role: anonymous
 * clients are read-only, an authenticated user may change huatuo MBeans where the policy file allows.
 * Jolokia's own pull-notification store stays usable (its {@code pull} operation), but hidden.
 */
public abstract class JolokiaRestrictor implements Restrictor {
    private static final String PULL_STORE_DOMAIN = "jolokia";
    private final Restrictor policy;
    private final Role role;

    JolokiaRestrictor(Configuration config, Role role) {
        this.policy = policy(config.getConfig(ConfigKey.POLICY_LOCATION));
        this.role = role;
    }

    /** The built-in policy in code; an operator's file read by Jolokia's XML policy restrictor. */
    private static Restrictor policy(String location) {
        if (JolokiaEndpoint.BUILT_IN_POLICY.equals(location)) {
            return new BuiltInPolicy();
        }
        Restrictor fromFile;
        try {
            fromFile = RestrictorFactory.lookupPolicyRestrictor(location);
        } catch (IOException e) {
            throw new IllegalArgumentException("jolokia.policyFile: " + location + ": cannot read: " + e.getMessage(), e);
        }
        if (fromFile == null) {
            throw new IllegalArgumentException("jolokia.policyFile: " + location + " not found");
        }
        return fromFile;
    }

    /** Without authentication. */
    public static final class Anonymous extends JolokiaRestrictor {
        public Anonymous(Configuration config) {
            super(config, Role.READONLY);
        }
    }

    /** Behind HTTP basic authentication. */
    public static final class Authenticated extends JolokiaRestrictor {
        public Authenticated(Configuration config) {
            super(config, Role.READWRITE);
        }
    }

    /** Jolokia's pull store: {@code exec pull} on {@code jolokia:type=NotificationStore,agent=...}. */
    static boolean isPull(ObjectName name, String operation) {
        return name != null && !name.isPattern() && name.getDomain().equals(PULL_STORE_DOMAIN)
                && "NotificationStore".equals(name.getKeyProperty("type")) && "pull".equals(operation);
    }

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return policy.isHttpMethodAllowed(method);
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        return policy.isTypeAllowed(type);
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        return Exposure.canRead(name, attribute) && policy.isAttributeReadAllowed(name, attribute);
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return Exposure.canWrite(role, name) && policy.isAttributeWriteAllowed(name, attribute);
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        return (Exposure.canInvoke(role, name) || isPull(name, operation)) && policy.isOperationAllowed(name, operation);
    }

    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return policy.isRemoteAccessAllowed(hostOrAddress);
    }

    @Override
    public boolean isOriginAllowed(String origin, boolean onlyWhenStrictCheckingIsEnabled) {
        return policy.isOriginAllowed(origin, onlyWhenStrictCheckingIsEnabled);
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return !Exposure.isVisible(name) || policy.isObjectNameHidden(name);
    }

    @Override
    public boolean ignoreScheme() {
        return policy.ignoreScheme();
    }
}
