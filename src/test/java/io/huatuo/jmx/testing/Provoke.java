package io.huatuo.jmx.testing;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.Attribute;
import javax.management.Notification;
import javax.management.ObjectName;

/**
 * One real event of a tracer, for tests that need events on many tracers at once (a Prometheus
 * scrape, a Zabbix poll): each method causes it in the kernel and returns once the daemon reported
 * it. The tracers' own tests check the events' contents; these only make them happen.
 */
public final class Provoke {
    private Provoke() {
    }

    /** A process killed by the OOM killer in a 64 MiB memory cgroup. */
    public static void oomKill(TestDaemon d) throws Exception {
        if (!"0".equals(Files.readString(Path.of("/proc/sys/vm/panic_on_oom")).trim())) {
            throw new AssertionError("vm.panic_on_oom must be 0: an OOM would panic the machine");
        }
        BlockingQueue<Notification> q = d.subscribe("oom");
        try (MemoryCgroup cg = new MemoryCgroup("huatuo-provoke-oom")) {
            String path = cg.create("/victim");
            cg.limit(path, 64L << 20);
            Process p = cg.start(path, "python3", "-c", "a = b'x' * (256 << 20)");
            p.waitFor(30, TimeUnit.SECONDS);
            TestDaemon.await(q, 15_000, cd -> path.equals(cd.get("victim_memcg")));
        }
    }

    /** Data left 200 ms in a TCP receive queue of the pair: netrecvlat TO_USER_COPY. */
    public static void receiveLatency(TestDaemon d, NetnsPair net, int port) throws Exception {
        BlockingQueue<Notification> q = d.subscribe("netrecvlat");
        Process reader = net.start(net.b, "python3", NetnsPair.script("slow_reader.py"), net.addrB,
                String.valueOf(port), "200");
        net.waitForListener(net.b, port);
        net.run(net.a, "python3", NetnsPair.script("tcp_client.py"), net.addrB, String.valueOf(port), "0.04", "0.1");
        reader.waitFor(10, TimeUnit.SECONDS);
        TestDaemon.await(q, 5000, cd -> Integer.valueOf(port).equals(cd.get("dport")));
    }

    /**
     * A veth pair in the daemon's namespace set down: netdev reports it when its include covers
     * {@code name} (e.g. {@code include: ["hjflap*"]}). The pair is deleted afterwards.
     */
    public static void linkDown(TestDaemon d, String name) throws Exception {
        Shell.run("ip", "link", "del", name);
        BlockingQueue<Notification> q = d.subscribe("netdev");
        try {
            Shell.check("ip", "link", "add", name, "type", "veth", "peer", "name", name + "p");
            Shell.check("ip", "link", "set", name, "up");
            Shell.check("ip", "link", "set", name, "down");
            TestDaemon.await(q, 3000, cd -> name.equals(cd.get("ifname"))
                    && String.valueOf(cd.get("linkstatus")).contains("AdminDown"));
        } finally {
            Shell.run("ip", "link", "del", name);
        }
    }

    /** A task stalled in memcg reclaim (threshold lowered to 1 ms for it, then restored). */
    public static void reclaimStall(TestDaemon d) throws Exception {
        ObjectName bean = new ObjectName("huatuo:type=Tracer,name=memreclaim");
        Object threshold = d.mbsc.getAttribute(bean, "ThresholdMillis");
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "huatuo-provoke-"); // on disk, not tmpfs
        BlockingQueue<Notification> q = d.subscribe("memreclaim");
        try (MemoryCgroup cg = new MemoryCgroup("huatuo-provoke-reclaim")) {
            String path = cg.create("/stalled");
            cg.limit(path, 32L << 20);
            d.mbsc.setAttribute(bean, new Attribute("ThresholdMillis", 1L));
            Process dd = cg.start(path, "dd", "if=/dev/zero", "of=" + dir.resolve("data"), "bs=1M", "count=128",
                    "oflag=dsync");
            dd.waitFor(120, TimeUnit.SECONDS);
            TestDaemon.await(q, 10_000, cd -> path.equals(cd.get("memcg")));
        } finally {
            d.mbsc.setAttribute(bean, new Attribute("ThresholdMillis", threshold));
            TestDaemon.deleteTree(dir);
        }
    }

    /** Softirqs held off 30 ms by the test spinner (softirq threshold lowered to 10 ms for it, then restored). */
    public static void softirqOff(TestDaemon d) throws Exception {
        ObjectName bean = new ObjectName("huatuo:type=Tracer,name=softirq");
        Object threshold = d.mbsc.getAttribute(bean, "ThresholdMillis");
        d.mbsc.setAttribute(bean, new Attribute("ThresholdMillis", 10L));
        try {
            Thread.sleep(1200); // re-attached with a new sampling period: its first second is ignored
            BlockingQueue<Notification> q = d.subscribe("softirq");
            Process sender = new ProcessBuilder("python3", "-c", "import socket,sys; sys.stdin.readline(); "
                    + "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'huatuo', ('127.0.0.1', 9))").start();
            try (Spinner spinner = Spinner.load(30, sender.pid())) {
                spinner.attach("spin_bh");
                try (OutputStream in = sender.getOutputStream()) {
                    in.write('\n');
                }
                sender.waitFor(10, TimeUnit.SECONDS);
            }
            int pid = (int) sender.pid();
            TestDaemon.await(q, 5000, cd -> "softirq_off".equals(cd.get("kind")) && Integer.valueOf(pid).equals(cd.get("pid")));
        } finally {
            d.mbsc.setAttribute(bean, new Attribute("ThresholdMillis", threshold));
        }
    }
}
