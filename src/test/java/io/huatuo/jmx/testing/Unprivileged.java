package io.huatuo.jmx.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs test clients as an unprivileged local user ({@code nobody}, no groups), as an attacker on the
 * host would: a scratch directory everyone may use, with the clients from the test resources in it.
 */
public final class Unprivileged implements AutoCloseable {
    public final Path dir;

    /** @param resources class-path resources to copy into the directory, e.g. {@code /attack/JmxAttack.java} */
    public Unprivileged(String... resources) throws IOException {
        dir = Files.createTempDirectory("huatuo-nobody");
        Shell.check("chmod", "1777", dir.toString()); // as /tmp: everyone writes, only owners remove
        for (String r : resources) {
            try (InputStream in = Unprivileged.class.getResourceAsStream(r)) {
                if (in == null) {
                    throw new IOException(r + " is not on the test class path");
                }
                Path f = dir.resolve(Path.of(r).getFileName().toString());
                Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
    }

    /** The command as nobody:nogroup without supplementary groups. */
    public static List<String> asNobody(String... cmd) {
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "env", "HOME=/tmp", "PATH=/usr/bin:/bin"));
        full.addAll(List.of(cmd));
        return full;
    }

    public Shell.Result run(String... cmd) {
        return Shell.run(asNobody(cmd));
    }

    /** A Java client from the directory, run from source as nobody. */
    public Shell.Result java(String source, String... args) {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), dir.resolve(source).toString()));
        cmd.addAll(List.of(args));
        return Shell.run(asNobody(cmd.toArray(String[]::new)));
    }

    /** A Python client from the directory, run as nobody. */
    public Shell.Result python(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", dir.resolve(script).toString()));
        cmd.addAll(List.of(args));
        return Shell.run(asNobody(cmd.toArray(String[]::new)));
    }

    /** This JVM's java, which nobody may run too. */
    public static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * The attack clients' report: one line per attempt, {@code <name> OK|REFUSED <detail>}, as a map
     * name → "OK detail" / "REFUSED detail".
     */
    public static Map<String, String> attempts(String output) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            String[] p = line.split(" ", 2);
            if (p.length == 2 && (p[1].startsWith("OK") || p[1].startsWith("REFUSED"))) {
                m.put(p[0], p[1]);
            }
        }
        return m;
    }

    @Override
    public void close() throws IOException {
        TestDaemon.deleteTree(dir);
    }
}
