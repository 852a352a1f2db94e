/**
 * The tracer SPI and its plumbing: {@link io.huatuo.jmx.tracer.Tracer} and its two bases
 * ({@link io.huatuo.jmx.tracer.BpfTracer} for a BPF object, {@link io.huatuo.jmx.tracer.SourceTracer}
 * for netlink, /dev/kmsg or /proc), {@link io.huatuo.jmx.tracer.TracerType} (what the registry lists),
 * the one poller thread that drains every BPF ring, decoded events on their way to enrichment, and
 * decoders shared by several tracers. Each tracer lives in its own sub-package. Imports bpf, event
 * and config; never javax.management.
 */
package io.huatuo.jmx.tracer;
