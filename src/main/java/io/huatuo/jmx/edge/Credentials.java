package io.huatuo.jmx.edge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Users and secrets read from files at start: the JDK's {@code jmxremote.password} and
 * {@code jmxremote.access} formats ({@code name value} per line, {@code #} comments), and a one-line
 * password file for HTTP endpoints. Immutable.
 */
final class Credentials {
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

    /**
     * Secrets belong to the daemon's user alone: a file that group or others may read stops the start,
     * as the JDK's own agent refuses such a password file.
     *
     * @throws IllegalArgumentException naming the key, the file and its mode
     */
    static void requireOwnerOnly(String key, String file) {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(Path.of(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(key + ": cannot read the permissions of " + file + ": " + e.getMessage(), e);
        }
        if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
            throw new IllegalArgumentException(key + ": " + file + " is readable by group or others ("
                    + PosixFilePermissions.toString(perms) + "); it holds secrets: chmod 600 it");
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

    /**
     * HTTP basic authentication against one user; wrong passwords go through the {@link LoginGuard}
     * (an address that has to wait gets 429 Too Many Requests with Retry-After, unchecked).
     */
    static final class BasicAuth extends com.sun.net.httpserver.BasicAuthenticator {
        private final String user;
        private final String password;
        private final LoginGuard guard;

        BasicAuth(String realm, String user, String passwordFile, LoginGuard guard) {
            super(realm);
            requireOwnerOnly(realm + ".passwordFile", passwordFile);
            this.user = user;
            this.password = firstLine(passwordFile);
            this.guard = guard;
        }

        @Override
        public Result authenticate(com.sun.net.httpserver.HttpExchange exchange) {
            String address = exchange.getRemoteAddress().getAddress().getHostAddress();
            if (guard.refusal(address) != null) {
                exchange.getResponseHeaders().set("Retry-After", String.valueOf(guard.retryAfterSeconds(address)));
                return new Failure(429);
            }
            Result r = super.authenticate(exchange);
            String header = exchange.getRequestHeaders().getFirst("Authorization");
            if (!(r instanceof Success) && header != null) {
                guard.failed(getRealm(), userOf(header), address);
            }
            return r;
        }

        @Override
        public boolean checkCredentials(String u, String p) {
            return user.equals(u) & matches(password, p);
        }

        /** The user name of a Basic Authorization header, for the log; "" when it is not one. */
        static String userOf(String header) {
            try {
                String[] scheme = header.strip().split("\\s+", 2);
                if (scheme.length < 2 || !scheme[0].equalsIgnoreCase("Basic")) {
                    return "";
                }
                String decoded = new String(java.util.Base64.getDecoder().decode(scheme[1]), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return colon < 0 ? decoded : decoded.substring(0, colon);
            } catch (IllegalArgumentException e) {
                return "";
            }
        }
    }
}
