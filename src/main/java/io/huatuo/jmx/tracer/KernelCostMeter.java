package io.huatuo.jmx.tracer;

import io.huatuo.jmx.bpf.Bpf;
import io.huatuo.jmx.bpf.BpfException;
import io.huatuo.jmx.bpf.BpfObject;
import io.huatuo.jmx.bpf.BpfObject.RunStats;
import io.huatuo.jmx.config.KernelCostConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures what each BPF tracer's programs cost the kernel: once per period, BPF run-time statistics
 * are switched on (BPF_ENABLE_STATS) for one window, and each tracer's programs' run time and run
 * count over the window become its {@link KernelCost}. Outside the windows the statistics are off,
 * since while they are on every BPF program on the machine pays two clock reads per run. Without
 * CAP_SYS_ADMIN the statistics can only be read when the administrator keeps them on
 * ({@code kernel.bpf_stats_enabled=1}); otherwise each tracer's note says why nothing is measured.
 */
public final class KernelCostMeter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelCostMeter.class);
    private static final Path STATS_SYSCTL = Path.of("/proc/sys/kernel/bpf_stats_enabled");

    private final List<BpfTracer> tracers;
    private final KernelCostConfig config;
    private final ScheduledExecutorService timer;
    private volatile String lastRefusal; // logged once per distinct reason

    public KernelCostMeter(List<Tracer> all, KernelCostConfig config) {
        this.tracers = all.stream().filter(t -> t instanceof BpfTracer).map(t -> (BpfTracer) t).toList();
        this.config = config;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kernel-cost");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the windows: the first at once, then one per period. */
    public void start() {
        if (!config.enabled()) {
            tracers.forEach(t -> t.setKernelCost(KernelCost.notMeasured("not measured: kernelCost.enabled is false")));
            return;
        }
        timer.scheduleWithFixedDelay(this::measureSafely, 0, config.periodSeconds() - config.windowSeconds(),
                TimeUnit.SECONDS);
    }

    private void measureSafely() {
        try {
            measure();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("kernel cost: measurement failed", e);
            tracers.forEach(t -> t.setKernelCost(KernelCost.notMeasured("measurement failed: " + e.getMessage())));
        }
    }

    /** One window: statistics on, read, wait, read, statistics off. */
    void measure() throws InterruptedException {
        Bpf.StatsOn on = null;
        try {
            on = Bpf.enableRunTimeStats();
        } catch (BpfException | UnsatisfiedLinkError e) {
            if (!statsKeptOn()) {
                String why = "not measured: " + e.getMessage() + " (BPF_ENABLE_STATS needs CAP_SYS_ADMIN; "
                        + "kernel.bpf_stats_enabled=1 lets the daemon measure without it)";
                if (!why.equals(lastRefusal)) {
                    LOG.warn("kernel cost: {}", why);
                    lastRefusal = why;
                }
                tracers.forEach(t -> t.setKernelCost(KernelCost.notMeasured(why)));
                return;
            }
        }
        try {
            Map<BpfTracer, Map.Entry<BpfObject, RunStats>> before = snapshot();
            long t0 = System.nanoTime();
            Thread.sleep(config.windowSeconds() * 1000L);
            Map<BpfTracer, Map.Entry<BpfObject, RunStats>> after = snapshot();
            long elapsed = System.nanoTime() - t0;
            String note = "measured over " + String.format("%.1f", elapsed / 1e9) + " s ending "
                    + Instant.now().truncatedTo(ChronoUnit.SECONDS) + (on == null ? " (kernel.bpf_stats_enabled=1)" : "");
            for (BpfTracer t : tracers) {
                var b = before.get(t);
                var a = after.get(t);
                if (a == null) {
                    t.setKernelCost(new KernelCost(0, 0, "no BPF programs loaded (" + t.state() + ")"));
                } else if (b == null || b.getKey() != a.getKey()) {
                    t.setKernelCost(KernelCost.notMeasured("not measured: the tracer was (re)started in the window"));
                } else {
                    RunStats d = a.getValue().minus(b.getValue());
                    t.setKernelCost(new KernelCost(perSecond(d.runTimeNs(), elapsed), perSecond(d.runs(), elapsed), note));
                }
            }
        } finally {
            if (on != null) {
                on.close();
            }
        }
    }

    private static long perSecond(long amount, long elapsedNs) {
        return Math.round(amount * 1e9 / elapsedNs);
    }

    private Map<BpfTracer, Map.Entry<BpfObject, RunStats>> snapshot() {
        Map<BpfTracer, Map.Entry<BpfObject, RunStats>> m = new HashMap<>();
        for (BpfTracer t : tracers) {
            var s = t.runStats();
            if (s != null) {
                m.put(t, s);
            }
        }
        return m;
    }

    /** Whether the administrator keeps run-time statistics on for everyone. */
    private static boolean statsKeptOn() {
        try {
            return Files.readString(STATS_SYSCTL).strip().equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow(); // interrupts a window: its statistics handle closes on the way out
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
