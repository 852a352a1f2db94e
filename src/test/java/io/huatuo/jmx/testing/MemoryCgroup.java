package io.huatuo.jmx.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A memory cgroup tree for kernel tests, under a unique top directory whose name contains the owner's
 * tag: in the cgroup v1 memory hierarchy where there is one (the test machines), else on the cgroup v2
 * unified hierarchy (systemd's default, the QEMU guests of ./dev.sh test-kernels), where each
 * directory created enables the memory controller for its children. Processes are started inside a cgroup before they run anything (a shell writes
 * its own pid to cgroup.procs, then execs the command). Close kills what it started and removes
 * every directory it created, deepest first.
 */
public final class MemoryCgroup implements AutoCloseable {
    private static final Path V1 = Path.of("/sys/fs/cgroup/memory");
    private static final Path V2 = Path.of("/sys/fs/cgroup");
    /** Whether memory cgroups are cgroup v1 here (else the unified hierarchy). */
    public static final boolean IS_V1 = Files.isWritable(V1.resolve("cgroup.procs"));
    public static final Path ROOT = IS_V1 ? V1 : V2;

    /** The top directory's path inside the memory hierarchy, e.g. "/huatuo-test-1a2b3c". */
    public final String top;
    private final List<Path> created = new ArrayList<>();
    private final List<Process> started = new ArrayList<>();

    public MemoryCgroup(String tag) throws IOException {
        if (!IS_V1 && !Files.readString(V2.resolve("cgroup.controllers")).contains("memory")) {
            throw new IOException("neither a cgroup v1 memory hierarchy at " + V1 + " nor cgroup v2 with the memory"
                    + " controller at " + V2);
        }
        this.top = "/" + tag + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        create(top);
    }

    /** Creates {@code top + sub} and every missing parent; returns its path in the hierarchy. */
    public String create(String sub) throws IOException {
        String path = sub.startsWith(top) ? sub : top + sub;
        Path dir = ROOT;
        for (String seg : path.substring(1).split("/")) {
            dir = dir.resolve(seg);
            if (!Files.isDirectory(dir)) {
                if (!IS_V1) { // v2: the parent hands the memory controller down (it holds no process of ours)
                    Files.writeString(dir.getParent().resolve("cgroup.subtree_control"), "+memory");
                }
                Files.createDirectory(dir);
                created.add(dir);
            }
        }
        return path;
    }

    public void limit(String path, long bytes) throws IOException {
        Files.writeString(dir(path).resolve(IS_V1 ? "memory.limit_in_bytes" : "memory.max"), Long.toString(bytes));
        if (!IS_V1 && Files.exists(dir(path).resolve("memory.swap.max"))) {
            Files.writeString(dir(path).resolve("memory.swap.max"), "0");
        }
    }

    /** cgroup v2's memory.high: above it the cgroup's tasks reclaim and are throttled, never OOM-killed. */
    public void high(String path, long bytes) throws IOException {
        if (IS_V1) {
            throw new IOException("memory.high exists only on cgroup v2");
        }
        Files.writeString(dir(path).resolve("memory.high"), Long.toString(bytes));
    }

    public long oomKills(String path) throws IOException {
        for (String line : Files.readAllLines(dir(path).resolve(IS_V1 ? "memory.oom_control" : "memory.events"))) {
            if (line.startsWith("oom_kill ")) {
                return Long.parseLong(line.substring(8).trim());
            }
        }
        return -1;
    }

    /** Starts {@code cmd} inside the cgroup {@code path}: it is there before its first instruction. */
    public Process start(String path, String... cmd) throws IOException {
        List<String> argv = new ArrayList<>(List.of("sh", "-c",
                "echo $$ > " + dir(path).resolve("cgroup.procs") + " && exec \"$@\"", "sh"));
        argv.addAll(List.of(cmd));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    private Path dir(String path) {
        return ROOT.resolve(path.substring(1));
    }

    @Override
    public void close() throws Exception {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor();
        }
        for (int i = created.size() - 1; i >= 0; i--) {
            Path d = created.get(i);
            // an exiting task may keep the cgroup busy for a moment
            for (int attempt = 0; ; attempt++) {
                try {
                    Files.delete(d);
                    break;
                } catch (IOException e) {
                    if (attempt >= 50) {
                        throw new IOException("cannot remove cgroup " + d + ": " + e.getMessage(), e);
                    }
                    Thread.sleep(100);
                }
            }
        }
    }
}
