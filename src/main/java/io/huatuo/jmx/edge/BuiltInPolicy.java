package io.huatuo.jmx.edge;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;

/**
 * The built-in read-only Jolokia policy, in code: the decisions Jolokia's policy restrictor makes for
 * the shipped {@code jolokia-access.xml} (the template operators copy), without its XML parser, which
 * would load about 160 classes into every daemon for one small file. {@code BuiltInPolicyTest} holds
 * the two to the same answers.
 */
final class BuiltInPolicy implements Restrictor {
    /** The file's {@code <commands>}. */
    private static final Set<RequestType> COMMANDS = Set.of(RequestType.READ, RequestType.LIST, RequestType.SEARCH,
            RequestType.VERSION, RequestType.NOTIFICATION);
    /** The file's {@code <cors>} origins, as Jolokia reads them: '*' matches anything, the rest literally. */
    private static final List<Pattern> ORIGINS = List.of(origin("*://127.0.0.1:*"), origin("*://localhost:*"),
            origin("*://[::1]:*"));

    /** The file's {@code <allow>} MBean pattern. */
    private static final ObjectName PULL_STORE = objectName("jolokia:type=NotificationStore,*");

    private static ObjectName objectName(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Pattern origin(String glob) {
        return Pattern.compile("^" + Pattern.quote(glob.toLowerCase(Locale.ROOT)).replace("*", "\\E.*\\Q") + "$");
    }

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return true; // no <http> section
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        return COMMANDS.contains(type);
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        return isTypeAllowed(RequestType.READ); // no <deny> section
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return isTypeAllowed(RequestType.WRITE); // and no <allow> for any attribute
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        // exec is not a command; the file's <allow> names one operation: pull, on the notification store
        // (Jolokia matches the name as given, then the pattern)
        return isTypeAllowed(RequestType.EXEC)
                || ((PULL_STORE.equals(name) || PULL_STORE.apply(name)) && "pull".equals(operation));
    }

    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return true; // no <remote> section: the bind address decides
    }

    @Override
    public boolean isOriginAllowed(String origin, boolean onlyWhenStrictCheckingIsEnabled) {
        if (onlyWhenStrictCheckingIsEnabled || origin == null) {
            return true; // no <strict-checking/>
        }
        return ORIGINS.stream().anyMatch(p -> p.matcher(origin).matches());
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return false; // no <hidden> section
    }

    @Override
    public boolean ignoreScheme() {
        return false;
    }
}
