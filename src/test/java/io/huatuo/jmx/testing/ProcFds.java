package io.huatuo.jmx.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a process holds in the kernel, by fd kind (bpf-prog, bpf_link, bpf-map, btf). Checking our own
 * process, not the whole machine, keeps tests right while other BPF users run alongside.
 */
public final class ProcFds {
    private ProcFds() {
    }

    public static Map<String, Integer> bpf(long pid) throws IOException {
        Map<String, Integer> kinds = new TreeMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("anon_inode:bpf") || target.equals("anon_inode:btf")) {
                        kinds.merge(target.substring("anon_inode:".length()), 1, Integer::sum);
                    }
                } catch (IOException e) {
                    // the fd closed while we looked
                }
            }
        }
        return kinds;
    }

    public static Map<String, Integer> bpfOfThisProcess() throws IOException {
        return bpf(ProcessHandle.current().pid());
    }

    public static int links(long pid) throws IOException {
        return bpf(pid).getOrDefault("bpf_link", 0);
    }
}
