package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.jolokia.server.core.restrictor.policy.PolicyRestrictor;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;
import org.junit.jupiter.api.Test;

/** The built-in policy in code answers every question as Jolokia's restrictor answers for the shipped file. */
class BuiltInPolicyTest {
    private static final List<String> NAMES = List.of("huatuo:type=Tracer,name=oom", "java.lang:type=Memory",
            "jolokia:type=NotificationStore,agent=host-1", "jolokia:type=NotificationStore", "jolokia:type=Config",
            "jolokia:type=NotificationStore,*", "*:*", "JMImplementation:type=MBeanServerDelegate");
    private static final List<String> MEMBERS = List.of("pull", "Pull", "register", "unregister", "gc", "Threshold",
            "Enabled", "*", "pull(java.lang.String,java.lang.String)", "");
    private static final List<String> ORIGINS = Arrays.asList(null, "null", "http://127.0.0.1:8080",
            "https://localhost:1", "http://localhost", "http://[::1]:9", "http://evil.example",
            "http://127.0.0.1.evil.example", "http://127.0.0.1:1.evil.example", "HTTP://127.0.0.1:1",
            "http://LOCALHOST:1", "file://", "");

    private static Restrictor shipped() throws IOException {
        try (InputStream in = BuiltInPolicyTest.class.getResourceAsStream("/jolokia-access.xml")) {
            return new PolicyRestrictor(in);
        }
    }

    @Test
    void answersAsJolokiaDoesForTheShippedFile() throws IOException, MalformedObjectNameException {
        Restrictor file = shipped();
        Restrictor code = new BuiltInPolicy();
        List<String> differences = new ArrayList<>();
        for (HttpMethod m : HttpMethod.values()) {
            compare(differences, "http " + m, file.isHttpMethodAllowed(m), code.isHttpMethodAllowed(m));
        }
        for (RequestType t : RequestType.values()) {
            compare(differences, "type " + t, file.isTypeAllowed(t), code.isTypeAllowed(t));
        }
        for (String n : NAMES) {
            ObjectName name = new ObjectName(n);
            compare(differences, "hidden " + n, file.isObjectNameHidden(name), code.isObjectNameHidden(name));
            for (String member : MEMBERS) {
                String at = n + " " + member;
                compare(differences, "read " + at, file.isAttributeReadAllowed(name, member),
                        code.isAttributeReadAllowed(name, member));
                compare(differences, "write " + at, file.isAttributeWriteAllowed(name, member),
                        code.isAttributeWriteAllowed(name, member));
                compare(differences, "exec " + at, file.isOperationAllowed(name, member),
                        code.isOperationAllowed(name, member));
            }
        }
        for (String origin : ORIGINS) {
            for (boolean strict : new boolean[] {false, true}) {
                compare(differences, "origin " + origin + " " + strict, file.isOriginAllowed(origin, strict),
                        code.isOriginAllowed(origin, strict));
            }
        }
        for (String remote : List.of("127.0.0.1", "10.1.2.3", "::1", "evil.example")) {
            compare(differences, "remote " + remote, file.isRemoteAccessAllowed(remote), code.isRemoteAccessAllowed(remote));
        }
        compare(differences, "ignoreScheme", file.ignoreScheme(), code.ignoreScheme());
        assertEquals(List.of(), differences);
    }

    @Test
    void isReadOnlyButForThePullOfNotifications() throws MalformedObjectNameException {
        Restrictor code = new BuiltInPolicy();
        ObjectName tracer = new ObjectName("huatuo:type=Tracer,name=oom");
        assertTrue(code.isAttributeReadAllowed(tracer, "Threshold"));
        assertFalse(code.isAttributeWriteAllowed(tracer, "Threshold"));
        assertFalse(code.isOperationAllowed(tracer, "resetCounters"));
        assertTrue(code.isOperationAllowed(new ObjectName("jolokia:type=NotificationStore,agent=a"), "pull"));
        assertFalse(code.isOriginAllowed("http://evil.example", false));
    }

    private static void compare(List<String> differences, String what, boolean file, boolean code) {
        if (file != code) {
            differences.add(what + ": file " + file + ", code " + code);
        }
    }
}
