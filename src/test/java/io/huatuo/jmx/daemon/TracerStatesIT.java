package io.huatuo.jmx.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.TestDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.management.Attribute;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The daemon with its default configuration on the running kernel: it starts, every tracer is RUNNING
 * or says why not, and a RUNNING tracer really holds its hooks. Each tracer's State and Probe go to
 * {@code target/tracer-states.tsv} (tracer, state, probe): the kernel matrix ({@code ./dev.sh
 * test-kernels}) prints them per kernel.
 */
class TracerStatesIT {
    private static final Path STATES = Path.of("target/tracer-states.tsv");
    private static TestDaemon daemon;
    private static String[] tracers;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        daemon = TestDaemon.start("");
        tracers = (String[]) daemon.mbsc.getAttribute(new ObjectName("huatuo:type=Daemon"), "Tracers");
        StringBuilder tsv = new StringBuilder();
        for (String t : tracers) {
            tsv.append(t).append('\t').append(daemon.attribute(t, "State")).append('\t')
                    .append(oneLine(daemon.attribute(t, "Probe"))).append('\n');
        }
        tsv.append("softirq.UnavailableKinds\t\t").append(oneLine(daemon.attribute("softirq", "UnavailableKinds")))
                .append('\n');
        Files.createDirectories(STATES.toAbsolutePath().getParent());
        Files.writeString(STATES, tsv);
        System.out.print(tsv);
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static String oneLine(Object o) {
        return String.valueOf(o).replaceAll("\\s+", " ");
    }

    @Test
    void everyTracerIsRunningOrSaysWhyNot() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (String t : tracers) {
            String state = (String) daemon.attribute(t, "State");
            String probe = (String) daemon.attribute(t, "Probe");
            if (!state.equals("RUNNING") && !(state.equals("UNAVAILABLE") && !probe.isBlank())) {
                wrong.add(t + " " + state + " (" + probe + ")");
            }
        }
        assertEquals(List.of(), wrong, "tracers neither RUNNING nor UNAVAILABLE with a reason");
    }

    /**
     * Switching a RUNNING tracer off must give back what it holds in the kernel (BPF links, perf
     * events, its netlink socket or /dev/kmsg), and switching it on must take them again: a tracer
     * that says RUNNING without a hook attached fails here.
     */
    @Test
    void everyRunningTracerHoldsItsHooks() throws Exception {
        List<String> hookless = new ArrayList<>();
        for (String t : tracers) {
            if (!"RUNNING".equals(daemon.attribute(t, "State"))) {
                continue;
            }
            ObjectName bean = new ObjectName("huatuo:type=Tracer,name=" + t);
            int on = hooks();
            daemon.mbsc.setAttribute(bean, new Attribute("Enabled", false));
            int off = hooks();
            daemon.mbsc.setAttribute(bean, new Attribute("Enabled", true));
            assertEquals("RUNNING", daemon.attribute(t, "State"), t + " re-enabled");
            int again = hooks();
            System.out.printf("%s: %d kernel hooks held, %d when disabled, %d re-enabled%n", t, on, off, again);
            if (off >= on || again != on) {
                hookless.add(t + " (" + on + " hooks, " + off + " disabled, " + again + " re-enabled)");
            }
        }
        assertEquals(List.of(), hookless, "RUNNING tracers that hold no hook of their own");
    }

    @Test
    void noTracerFailed() throws Exception {
        for (String t : tracers) {
            assertFalse("FAILED".equals(daemon.attribute(t, "State")), t + ": " + daemon.attribute(t, "Probe"));
        }
        assertTrue(tracers.length >= 9, "every tracer is registered");
    }

    /**
     * What this process holds that attaches it to the kernel: BPF links, perf events (classic
     * tracepoints and the sampling clock on kernels without perf links), netlink sockets, /dev/kmsg.
     */
    private static int hooks() throws IOException {
        Set<String> netlink = netlinkInodes();
        int n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed while we looked
                }
                if (target.equals("anon_inode:bpf_link") || target.equals("anon_inode:[perf_event]")
                        || target.equals("/dev/kmsg")
                        || target.startsWith("socket:[") && netlink.contains(target.substring(8, target.length() - 1))) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Inodes of the netlink sockets in this network namespace (/proc/net/netlink's last column). */
    private static Set<String> netlinkInodes() throws IOException {
        Set<String> inodes = new HashSet<>();
        List<String> lines = Files.readAllLines(Path.of("/proc/self/net/netlink"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.trim().split("\\s+");
            inodes.add(f[f.length - 1]);
        }
        return inodes;
    }
}
