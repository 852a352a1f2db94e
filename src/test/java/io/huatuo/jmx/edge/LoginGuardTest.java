package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wrong passwords: counted, an address waits after a few, a world-readable secret stops the start. */
class LoginGuardTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final LoginGuard guard = new LoginGuard(now::get);

    @Test
    void aFewTyposCostNothingThenTheAddressWaitsLongerEachTime() {
        for (int i = 0; i < LoginGuard.FREE_FAILURES; i++) {
            guard.failed("jmx", "admin", "10.0.0.1");
            assertNull(guard.refusal("10.0.0.1"));
        }
        guard.failed("jmx", "admin", "10.0.0.1");
        assertEquals("too many failed logins from 10.0.0.1; try again in 1 s", guard.refusal("10.0.0.1"));
        assertNull(guard.refusal("10.0.0.2"), "other addresses are not affected");
        now.addAndGet(1000);
        assertNull(guard.refusal("10.0.0.1"));
        guard.failed("jmx", "admin", "10.0.0.1");
        assertEquals("too many failed logins from 10.0.0.1; try again in 2 s", guard.refusal("10.0.0.1"));
        for (int i = 0; i < 10; i++) {
            now.addAndGet(LoginGuard.MAX_WAIT_MS);
            guard.failed("jmx", "admin", "10.0.0.1");
        }
        assertEquals(30, guard.retryAfterSeconds("10.0.0.1"), "the wait stops growing at 30 s");
        assertEquals(LoginGuard.FREE_FAILURES + 12, guard.failures());
        assertEquals(2, guard.refused());
    }

    @Test
    void theCountStartsOverAfterAQuietSpell() {
        for (int i = 0; i <= LoginGuard.FREE_FAILURES; i++) {
            guard.failed("jolokia", "ops", "::1");
        }
        now.addAndGet(LoginGuard.FORGET_AFTER_MS + 1);
        assertNull(guard.refusal("::1"));
        guard.failed("jolokia", "ops", "::1");
        assertNull(guard.refusal("::1"), "one failure after a quiet spell is a typo again");
    }

    @Test
    void userNamesAreLoggedSafely() {
        assertEquals("a?b", LoginGuard.printable("a\nb"));
        assertEquals("x".repeat(64) + "...", LoginGuard.printable("x".repeat(100)));
        assertEquals("ops", Credentials.BasicAuth.userOf("Basic b3BzOnNlY3JldA=="));
        assertEquals("", Credentials.BasicAuth.userOf("Bearer abc"));
        assertEquals("", Credentials.BasicAuth.userOf("Basic !!!"));
    }

    @Test
    void aSecretFileOthersCanReadStopsTheStart(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("jmxremote.password"), "ops secret\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Credentials.requireOwnerOnly("jmx.passwordFile", f.toString()));
        assertEquals("jmx.passwordFile: " + f + " is readable by group or others (rw-r--r--); it holds secrets: "
                + "chmod 600 it", e.getMessage());
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        assertThrows(IllegalArgumentException.class, () -> Credentials.requireOwnerOnly("k", f.toString()));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        Credentials.requireOwnerOnly("jmx.passwordFile", f.toString());
        assertTrue(true);
    }
}
