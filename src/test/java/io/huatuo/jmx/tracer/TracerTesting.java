package io.huatuo.jmx.tracer;

import io.huatuo.jmx.bpf.BpfObject;

/** Reaches the tracer plumbing's package-private hooks from the tests of the tracers' own packages. */
public final class TracerTesting {
    private TracerTesting() {
    }

    /** Prepares decoding from an opened (not necessarily loaded) object, for decoder tests on captured bytes. */
    public static void prepareDecoder(BpfTracer tracer, TracerContext context, BpfObject opened) {
        tracer.prepareDecoder(context, opened);
    }

    /** Makes the poller thread fail at its next round, as a drain error would. */
    public static void failPoller(RingPoller poller, Throwable failure) {
        poller.injectFailure(failure);
    }

    /** The tracer's loaded BPF object, null when it has none. */
    public static BpfObject object(BpfTracer tracer) {
        return tracer.object();
    }
}
