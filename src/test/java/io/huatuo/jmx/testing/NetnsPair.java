package io.huatuo.jmx.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two network namespaces joined by a veth pair: {@code a} (198.18.N.1) and {@code b} (198.18.N.2),
 * addresses from the RFC 2544 benchmarking range with no route out. Names are unique per JVM and
 * test; close removes both namespaces and every process started in them.
 */
public final class NetnsPair implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();

    public final String a;
    public final String b;
    public final String addrA;
    public final String addrB;
    private final List<Process> processes = new ArrayList<>();

    public NetnsPair() {
        int n = (int) (ProcessHandle.current().pid() % 200) + SEQ.incrementAndGet();
        String tag = "hj" + ProcessHandle.current().pid() + "x" + SEQ.get();
        this.a = tag + "a";
        this.b = tag + "b";
        int subnet = 1 + (n % 250);
        this.addrA = "198.18." + subnet + ".1";
        this.addrB = "198.18." + subnet + ".2";
        try {
            Shell.check("ip", "netns", "add", a);
            Shell.check("ip", "netns", "add", b);
            Shell.check("ip", "link", "add", "veth0", "netns", a, "type", "veth", "peer", "name", "veth0", "netns", b);
            setUp(a, addrA);
            setUp(b, addrB);
        } catch (AssertionError e) {
            close();
            throw e;
        }
    }

    private static void setUp(String ns, String addr) {
        Shell.check("ip", "-n", ns, "addr", "add", addr + "/24", "dev", "veth0");
        Shell.check("ip", "-n", ns, "link", "set", "veth0", "up");
        Shell.check("ip", "-n", ns, "link", "set", "lo", "up");
    }

    /** Runs a command in a namespace to completion. */
    public Shell.Result run(String ns, String... cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        return Shell.run(full);
    }

    /** Starts a background command in a namespace; it is killed on close. */
    public Process start(String ns, String... cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        Process p = Shell.start(full.toArray(String[]::new));
        processes.add(p);
        return p;
    }

    /** Loads an nft ruleset (nft -f syntax) into a namespace. */
    public void nft(String ns, String ruleset) {
        try {
            Process p = new ProcessBuilder("ip", "netns", "exec", ns, "nft", "-f", "-").redirectErrorStream(true).start();
            p.getOutputStream().write(ruleset.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new AssertionError("nft -f failed in " + ns + ":\n" + out + "\nruleset:\n" + ruleset);
            }
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot run nft", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits until something in namespace {@code ns} listens on TCP {@code port}. */
    public void waitForListener(String ns, int port) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (run(ns, "ss", "-ltn").output().contains(":" + port + " ")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("nothing listens on " + port + " in " + ns);
    }

    /** Waits until the namespace holds an established TCP connection on the local port (its accept side). */
    public void waitForEstablished(String ns, int port) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (run(ns, "ss", "-Htn", "state", "established", "( sport = :" + port + " )").output().contains(":" + port)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no established connection on " + port + " in " + ns);
    }

    /** Path of a test script shipped in src/test/resources/scripts. */
    public static String script(String name) {
        try {
            return java.nio.file.Path.of(NetnsPair.class.getResource("/scripts/" + name).toURI()).toString();
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new AssertionError("no test script " + name, e);
        }
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        Shell.run("ip", "netns", "del", a);
        Shell.run("ip", "netns", "del", b);
    }
}
