package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up refusals of the network endpoints, without starting them. */
class EndpointPolicyTest {

    @Test
    void loopbackIsAlwaysAllowed() {
        BindPolicy.check("jmx.host", "127.0.0.1", false);
        BindPolicy.check("jolokia.host", "::1", false);
        BindPolicy.check("prometheus.host", "localhost", false);
    }

    @Test
    void nonLoopbackWithoutAuthenticationIsRefusedNamingTheKeys() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BindPolicy.check("jolokia.host", "0.0.0.0", false));
        assertEquals("jolokia.host: '0.0.0.0' is not a loopback address and jolokia has no authentication "
                + "configured; bind to 127.0.0.1 or configure authentication (jolokia.user and jolokia.passwordFile)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BindPolicy.check("jmx.host", "0.0.0.0", false));
        assertTrue(e.getMessage().endsWith("(jmx.passwordFile)"), e.getMessage());
        BindPolicy.check("prometheus.host", "0.0.0.0", true);
    }

    @Test
    void theBuiltInJolokiaPolicyIsReadOnly() throws Exception {
        Path p = Path.of(EndpointPolicyTest.class.getResource("/jolokia-access.xml").toURI());
        assertFalse(JolokiaEndpoint.policyAllowsChanges(p));
    }

    @Test
    void policiesThatAllowChangesAreDetected(@TempDir Path dir) throws Exception {
        Path write = Files.writeString(dir.resolve("w.xml"),
                "<restrict><commands><command>read</command><command>write</command></commands></restrict>");
        assertTrue(JolokiaEndpoint.policyAllowsChanges(write));
        Path none = Files.writeString(dir.resolve("n.xml"), "<restrict><remote><host>127.0.0.1</host></remote></restrict>");
        assertTrue(JolokiaEndpoint.policyAllowsChanges(none), "no <commands>: Jolokia allows everything");
        Path gc = Files.writeString(dir.resolve("gc.xml"), "<restrict><commands><command>read</command></commands>"
                + "<allow><mbean><name>java.lang:type=Memory</name><operation>gc</operation></mbean></allow></restrict>");
        assertTrue(JolokiaEndpoint.policyAllowsChanges(gc));
        Path bad = Files.writeString(dir.resolve("bad.xml"), "<restrict>");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JolokiaEndpoint.policyAllowsChanges(bad));
        assertTrue(e.getMessage().startsWith("jolokia.policyFile: "), e.getMessage());
    }
}
