package io.huatuo.jmx.edge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users and secrets read from files at start: the JDK's {@code jmxremote.password} and
 * {@code jmxremote.access} formats ({@code name value} per line, {@code #} comments), and a one-line
 * password file for HTTP endpoints. Immutable.
 */
final class Credentials {
    private static final Logger LOG = LoggerFactory.getLogger(Credentials.class);

    private Credentials() {
    }

    /** @return name → value, in file order; a line without a value is an error naming file and line */
    static Map<String, String> pairs(String file) {
        Map<String, String> m = new LinkedHashMap<>();
        int n = 0;
        for (String line : lines(file)) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] kv = t.split("\\s+", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException(file + ":" + n + ": expected 'name value'");
            }
            m.put(kv[0], kv[1].strip());
        }
        return m;
    }

    /** Passwords belong to the daemon's user alone (the JDK's own agent refuses such a file). */
    static void warnIfReadableByOthers(String key, String file) {
        try {
            var perms = Files.getPosixFilePermissions(Path.of(file));
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn("{}: {} is readable by group or others; chmod 600 it", key, file);
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("{}: cannot check the permissions of {}", key, file, e);
        }
    }

    /** @return the first line of a password file, without its line end */
    static String firstLine(String file) {
        return lines(file).stream().findFirst().orElse("");
    }

    /** Constant-time comparison, so response times do not reveal a password's prefix. */
    static boolean matches(String expected, String given) {
        return expected != null && given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8));
    }

    private static java.util.List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read", e);
        }
    }

    /** HTTP basic authentication against one user. */
    static final class BasicAuth extends com.sun.net.httpserver.BasicAuthenticator {
        private final String user;
        private final String password;

        BasicAuth(String realm, String user, String passwordFile) {
            super(realm);
            warnIfReadableByOthers(realm + ".passwordFile", passwordFile);
            this.user = user;
            this.password = firstLine(passwordFile);
        }

        @Override
        public boolean checkCredentials(String u, String p) {
            return user.equals(u) & matches(password, p);
        }
    }
}
