package io.huatuo.jmx.enrich;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps a pid to the container it runs in, from {@code /proc/<pid>/cgroup} (cgroup v1 and v2).
 *
 * <p>Recognised cgroup path segments (the innermost match wins, so nested containers report the
 * inner one):
 * <ul>
 *   <li>docker: {@code /docker/<id>}, {@code docker-<id>.scope}</li>
 *   <li>containerd (CRI): {@code cri-containerd-<id>.scope}, and a bare {@code <id>} right under a
 *       kubepods {@code pod<uid>} segment (cgroupfs driver). The latter is also what dockershim
 *       produced before Kubernetes 1.24; the path cannot tell them apart, so it reports containerd.</li>
 *   <li>cri-o: {@code crio-<id>.scope}, {@code crio-<id>}</li>
 *   <li>podman: {@code libpod-<id>.scope}, {@code libpod-<id>} (rootful or rootless)</li>
 * </ul>
 * The conmon monitors ({@code crio-conmon-*}, {@code libpod-conmon-*}) are host processes.
 * A path through {@code kubepods} gives the QoS class (a {@code burstable} or {@code besteffort}
 * segment, else guaranteed) and the pod UID. The Kubernetes namespace is read from the pod's
 * service-account mount when it is there, never guessed.
 *
 * <p>Results are cached per (pid, start time) so a reused pid is noticed; the cache is an LRU of
 * bounded size. A process that vanished resolves to empty, never an exception. Thread-safe.
 */
public final class ContainerResolver {
    public static final Path DEFAULT_PROC_ROOT = Path.of("/proc");
    public static final int DEFAULT_CACHE_SIZE = 4096;

    private static final Pattern SCOPED_ID =
            Pattern.compile("(docker|cri-containerd|crio|libpod)-([0-9a-f]{64})(?:\\.scope)?");
    private static final Pattern BARE_ID = Pattern.compile("[0-9a-f]{64}");
    // cgroupfs "pod<uid>"; systemd "kubepods[-qos]-pod<uid with _>.slice"; static pods have 32-hex UIDs
    private static final Pattern POD =
            Pattern.compile("(?:kubepods(?:-burstable|-besteffort)?-)?pod([0-9a-f][0-9a-f_-]{30,35})(?:\\.slice)?");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");
    private static final Pattern K8S_NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final String SERVICE_ACCOUNT_NAMESPACE = "var/run/secrets/kubernetes.io/serviceaccount/namespace";
    private static final int MAX_SMALL_FILE = 512;
    private static final int MAX_ENVIRON = 128 * 1024;

    private record CacheEntry(long startTime, Optional<ContainerInfo> info) {
    }

    private final Path procRoot;
    private final Map<Integer, CacheEntry> cache; // guarded by itself

    /** Resolver over /proc with the default cache size. */
    public ContainerResolver() {
        this(DEFAULT_PROC_ROOT, DEFAULT_CACHE_SIZE);
    }

    /** Resolver over another proc tree (tests use fixtures) with the default cache size. */
    public ContainerResolver(Path procRoot) {
        this(procRoot, DEFAULT_CACHE_SIZE);
    }

    public ContainerResolver(Path procRoot, int cacheSize) {
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
        if (cacheSize < 1) {
            throw new IllegalArgumentException("cacheSize must be positive: " + cacheSize);
        }
        this.cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, CacheEntry> eldest) {
                return size() > cacheSize;
            }
        };
    }

    /** The container of {@code pid}, or empty for host processes, unknown layouts and vanished pids. */
    public Optional<ContainerInfo> resolve(int pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        long startTime = startTime(pid);
        if (startTime < 0) {
            forget(pid);
            return Optional.empty();
        }
        synchronized (cache) {
            CacheEntry e = cache.get(pid);
            if (e != null && e.startTime() == startTime) {
                return e.info();
            }
        }
        List<String[]> lines = cgroupLines(pid);
        if (lines == null) {
            forget(pid);
            return Optional.empty();
        }
        Optional<ContainerInfo> info = fromCgroupLines(lines)
                .map(c -> c.withHostDetails(hostname(pid), c.podUid().isEmpty() ? "" : k8sNamespace(pid)));
        // The pid may have exited and been reused while we read; only cache a consistent answer.
        if (startTime(pid) != startTime) {
            return Optional.empty();
        }
        synchronized (cache) {
            cache.put(pid, new CacheEntry(startTime, info));
        }
        return info;
    }

    /**
     * The container of a process whose cgroup path the kernel captured (the process may have exited
     * since, e.g. an OOM victim): the path decides the identity; hostname and namespace come from the
     * process only while it is still in that container. An empty path means {@link #resolve(int)}.
     */
    public Optional<ContainerInfo> resolve(int pid, String cgroupPath) {
        if (cgroupPath == null || cgroupPath.isEmpty()) {
            return resolve(pid);
        }
        Optional<ContainerInfo> byPath = fromCgroupPath(cgroupPath);
        if (byPath.isEmpty() || pid <= 0) {
            return byPath;
        }
        Optional<ContainerInfo> live = resolve(pid);
        return live.isPresent() && live.get().fullId().equals(byPath.get().fullId()) ? live : byPath;
    }

    /**
     * The memory cgroup path of {@code pid}: the v1 line naming the {@code memory} controller,
     * else the v2 ({@code 0::}) line; "" if the process vanished or neither line exists.
     */
    public String memoryCgroupPath(int pid) {
        List<String[]> lines = cgroupLines(pid);
        if (lines == null) {
            return "";
        }
        String v2 = "";
        for (String[] l : lines) {
            if (hasController(l[1], "memory")) {
                return l[2];
            }
            if (l[0].equals("0") && l[1].isEmpty()) {
                v2 = l[2];
            }
        }
        return v2;
    }

    /**
     * The container identity a cgroup path shows (e.g. an OOM victim's memcg path). Hostname and
     * namespace need the process, so they are "".
     */
    public static Optional<ContainerInfo> fromCgroupPath(String path) {
        if (path == null || path.isEmpty()) {
            return Optional.empty();
        }
        String[] segs = path.split("/");
        for (int i = segs.length - 1; i >= 0; i--) {
            String seg = segs[i];
            String fullId = null;
            String type = null;
            Matcher m = SCOPED_ID.matcher(seg);
            if (m.matches()) {
                fullId = m.group(2);
                type = switch (m.group(1)) {
                    case "docker" -> ContainerInfo.DOCKER;
                    case "cri-containerd" -> ContainerInfo.CONTAINERD;
                    case "crio" -> ContainerInfo.CRIO;
                    default -> ContainerInfo.PODMAN;
                };
            } else if (i > 0 && BARE_ID.matcher(seg).matches()) {
                if (segs[i - 1].equals("docker")) {
                    fullId = seg;
                    type = ContainerInfo.DOCKER;
                } else if (isKubepods(segs, i) && POD.matcher(segs[i - 1]).matches()) {
                    fullId = seg;
                    type = ContainerInfo.CONTAINERD;
                }
            }
            if (fullId != null) {
                return Optional.of(withKubernetes(segs, i, fullId, type, path));
            }
        }
        return Optional.empty();
    }

    /** Entries now cached (for tests and self-metrics). */
    public int cachedEntries() {
        synchronized (cache) {
            return cache.size();
        }
    }

    private static ContainerInfo withKubernetes(String[] segs, int idIndex, String fullId, String type, String path) {
        String level = "";
        String podUid = "";
        if (isKubepods(segs, idIndex)) {
            level = ContainerInfo.GUARANTEED;
            for (int i = 0; i < idIndex; i++) {
                String seg = segs[i];
                if (seg.equals("burstable") || seg.startsWith("kubepods-burstable")) {
                    level = ContainerInfo.BURSTABLE;
                } else if (seg.equals("besteffort") || seg.startsWith("kubepods-besteffort")) {
                    level = ContainerInfo.BESTEFFORT;
                }
                Matcher pm = POD.matcher(seg);
                if (pm.matches()) {
                    podUid = pm.group(1).replace('_', '-');
                }
            }
        }
        return new ContainerInfo(fullId.substring(0, ContainerInfo.SHORT_ID_LENGTH), fullId, "", type,
                level, "", podUid, path);
    }

    private static boolean isKubepods(String[] segs, int before) {
        for (int i = 0; i < before; i++) {
            if (segs[i].equals("kubepods") || segs[i].startsWith("kubepods.") || segs[i].startsWith("kubepods-")) {
                return true;
            }
        }
        return false;
    }

    // The memory line first (v1), then the unified line, then the rest: any of them may carry the id.
    private static Optional<ContainerInfo> fromCgroupLines(List<String[]> lines) {
        for (int rank = 0; rank < 3; rank++) {
            for (String[] l : lines) {
                if (rank(l) == rank) {
                    Optional<ContainerInfo> info = fromCgroupPath(l[2]);
                    if (info.isPresent()) {
                        return info;
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static int rank(String[] line) {
        if (hasController(line[1], "memory")) {
            return 0;
        }
        return line[0].equals("0") && line[1].isEmpty() ? 1 : 2;
    }

    private static boolean hasController(String controllers, String name) {
        for (String c : controllers.split(",")) {
            if (c.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Lines of /proc/pid/cgroup as {hierarchy, controllers, path}; null if unreadable (vanished). */
    private List<String[]> cgroupLines(int pid) {
        byte[] data;
        try {
            data = Files.readAllBytes(procRoot.resolve(Integer.toString(pid)).resolve("cgroup"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        List<String[]> lines = new ArrayList<>();
        for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
            String[] parts = line.split(":", 3); // the path itself may contain ':'
            if (parts.length == 3) {
                lines.add(parts);
            }
        }
        return lines;
    }

    /** Field 22 of /proc/pid/stat (start time in clock ticks), or -1 if the process is gone. */
    private long startTime(int pid) {
        byte[] data = readHead(procRoot.resolve(Integer.toString(pid)).resolve("stat"), 4096, true);
        if (data == null) {
            return -1;
        }
        String stat = new String(data, StandardCharsets.ISO_8859_1);
        int close = stat.lastIndexOf(')'); // comm may contain spaces and parentheses
        if (close < 0) {
            return -1;
        }
        String[] f = stat.substring(close + 1).trim().split(" ");
        // f[0] is field 3 (state), so field 22 is f[19]
        if (f.length < 20) {
            return -1;
        }
        try {
            return Long.parseLong(f[19]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The container's hostname: its /etc/hostname (not followed if it is a symlink, which would
     * resolve against the host's root), else HOSTNAME= from its environment; "" if neither is sane.
     */
    private String hostname(int pid) {
        Path dir = procRoot.resolve(Integer.toString(pid));
        byte[] file = readHead(dir.resolve("root/etc/hostname"), MAX_SMALL_FILE, false);
        if (file != null) {
            String name = firstLine(file);
            if (HOSTNAME.matcher(name).matches()) {
                return name;
            }
        }
        byte[] environ = readHead(dir.resolve("environ"), MAX_ENVIRON, true);
        if (environ != null) {
            for (String var : new String(environ, StandardCharsets.UTF_8).split("\0")) {
                if (var.startsWith("HOSTNAME=")) {
                    String name = var.substring("HOSTNAME=".length()).trim();
                    return HOSTNAME.matcher(name).matches() ? name : "";
                }
            }
        }
        return "";
    }

    /**
     * The pod's namespace from its service-account mount. Kubernetes makes that file a relative
     * symlink, so links are followed; the strict pattern keeps anything else from leaking out.
     */
    private String k8sNamespace(int pid) {
        byte[] file = readHead(procRoot.resolve(Integer.toString(pid)).resolve("root").resolve(SERVICE_ACCOUNT_NAMESPACE),
                MAX_SMALL_FILE, true);
        if (file == null) {
            return "";
        }
        String ns = firstLine(file);
        return K8S_NAMESPACE.matcher(ns).matches() ? ns : "";
    }

    private void forget(int pid) {
        synchronized (cache) {
            cache.remove(pid);
        }
    }

    private static String firstLine(byte[] data) {
        String s = new String(data, StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        return (nl >= 0 ? s.substring(0, nl) : s).trim();
    }

    /** Up to {@code max} bytes of a file, or null if it cannot be read. */
    private static byte[] readHead(Path file, int max, boolean followLinks) {
        try (InputStream in = followLinks
                ? Files.newInputStream(file)
                : Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return in.readNBytes(max);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
