/**
 * Kernel access that is not BPF: an rtnetlink socket and the kernel log ({@code /dev/kmsg}), through
 * the same native library as the BPF shim.
 */
package io.huatuo.jmx.kernel;
