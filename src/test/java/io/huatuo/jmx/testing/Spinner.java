package io.huatuo.jmx.testing;

import io.huatuo.jmx.bpf.BpfLink;
import io.huatuo.jmx.bpf.BpfObject;

/**
 * The test-only BPF spinner (src/test/bpf/spinner.bpf.c): bounded spins in the kernel with softirqs,
 * hard interrupts or preemption off. spin_bh and spin_irqoff spin once (budget 1) and only for the
 * target process; spin_now spins on the calling thread through BPF_PROG_TEST_RUN.
 */
public final class Spinner implements AutoCloseable {
    private final BpfObject obj;

    private Spinner(BpfObject obj) {
        this.obj = obj;
    }

    /** Loads the spinner for {@code spinMillis} per spin, acting for {@code targetTgid} (0 for spin_now only). */
    public static Spinner load(long spinMillis, long targetTgid) {
        Kernel.assumeBpfLoop();
        BpfObject obj = BpfObject.openResource("spinner");
        try {
            obj.setGlobalLong("spin_ns", spinMillis * 1_000_000L);
            obj.setGlobalInt("target_tgid", (int) targetTgid);
            obj.load();
            obj.setGlobalInt("budget", 1);
            return new Spinner(obj);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    /** Attaches spin_bh or spin_irqoff; closing the spinner detaches it. */
    public BpfLink attach(String program) {
        return obj.attach(program);
    }

    /** Spins on this thread with preemption off (spin_now). */
    public void spinNow() {
        obj.testRun("spin_now");
    }

    /** Spins left (0 once the target has been hit). */
    public int budget() {
        return obj.getGlobalInt("budget");
    }

    /** How long the last spin took, measured inside the spinner. */
    public long spunNanos() {
        return obj.getGlobalLong("spun_ns");
    }

    @Override
    public void close() {
        obj.close();
    }
}
