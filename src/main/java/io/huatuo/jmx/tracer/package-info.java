/**
 * Tracers: the SPI every tracer implements, probe choice, decoders, thresholds, and the one poller
 * thread that drains every BPF ring. Imports bpf, event and config; never javax.management.
 */
package io.huatuo.jmx.tracer;
