package io.huatuo.jmx.tracer.hungtask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.Sysctl;
import io.huatuo.jmx.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.Notification;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

/**
 * hungtask end to end: a writer blocked on a frozen, loop-mounted ext4 goes into D state; with
 * hung_task_timeout_secs lowered to 5 khungtaskd reports it and the event lists it with its stack.
 */
class HungtaskIT {
    private static final String TIMEOUT = "kernel.hung_task_timeout_secs";
    private static final String WARNINGS = "kernel.hung_task_warnings";

    @Test
    void writerOnFrozenFilesystemIsListedWithItsStack() throws Exception {
        Kernel.assumeRootAndBpf();
        Sysctl.requireZero("kernel.hung_task_panic");
        long id = ProcessHandle.current().pid();
        Path img = Path.of("/var/tmp/huatuo-hung-" + id + ".img");
        Path mnt = Path.of("/tmp/huatuo-hung-" + id);
        String oldTimeout = Sysctl.read(TIMEOUT);
        String oldWarnings = Sysctl.read(WARNINGS);
        String loop = null;
        boolean mounted = false;
        boolean frozen = false;
        Process writer = null;
        try (TestDaemon daemon = TestDaemon.start("")) {
            assertEquals("RUNNING", daemon.attribute("hungtask", "State"));
            assertEquals(Long.parseLong(oldTimeout), daemon.attribute("hungtask", "HungTaskTimeoutSeconds"));
            BlockingQueue<Notification> q = daemon.subscribe("hungtask");
            Shell.check("truncate", "-s", "32M", img.toString());
            Shell.check("mkfs.ext4", "-q", "-F", img.toString());
            loop = Shell.check("losetup", "-f", "--show", img.toString()).trim();
            Files.createDirectories(mnt);
            Shell.check("mount", loop, mnt.toString());
            mounted = true;
            Shell.check("fsfreeze", "-f", mnt.toString());
            frozen = true;
            // dash opens the redirect itself: the sh process is the one that blocks in D
            writer = Shell.start("sh", "-c", "echo data > " + mnt.resolve("blocked-file"));
            int pid = (int) writer.pid();
            Sysctl.write(TIMEOUT, "5");
            long t0 = System.nanoTime();
            CompositeData e = TestDaemon.await(q, 25_000,
                    cd -> ((String) cd.get("blocked_processes_stack")).contains(" pid=" + pid + " "));
            System.out.printf("hungtask: event %d ms after lowering the timeout, pid=%s comm=%s blocked_tasks=%s%n",
                    (System.nanoTime() - t0) / 1_000_000, e.get("pid"), e.get("comm"), e.get("blocked_tasks"));
            String all = (String) e.get("blocked_processes_stack");
            System.out.println(all);
            assertTrue((Integer) e.get("blocked_tasks") >= 1);
            assertEquals(5L, e.get("hung_task_timeout_secs"));
            String block = all.substring(all.indexOf("sh pid=" + pid + " "));
            int end = block.indexOf("\n\n");
            block = end < 0 ? block : block.substring(0, end);
            assertTrue(block.contains("percpu_rwsem_wait/") || block.contains("__percpu_down_read/"),
                    "the writer waits for the frozen superblock:\n" + block);
            assertTrue(block.lines().skip(1).allMatch(l -> l.matches("\\S+/[0-9a-f]{16} \\[\\S+\\]")),
                    "frame format:\n" + block);
            assertTrue(daemon.counter("hungtask", "EventCount") >= 1);
        } finally {
            Sysctl.write(TIMEOUT, oldTimeout);
            if (frozen) {
                Shell.run("fsfreeze", "-u", mnt.toString());
            }
            if (writer != null) {
                writer.waitFor(10, TimeUnit.SECONDS);
            }
            Sysctl.write(WARNINGS, oldWarnings);
            if (mounted) {
                Shell.run("umount", mnt.toString());
            }
            if (loop != null) {
                Shell.run("losetup", "-d", loop);
            }
            Files.deleteIfExists(mnt);
            Files.deleteIfExists(img);
        }
    }
}
