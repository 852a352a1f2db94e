/**
 * Enrichment of events off the poller thread: kernel stack symbols from /proc/kallsyms
 * ({@link io.huatuo.jmx.enrich.KallsymsSymbolizer}), the container of a pid
 * ({@link io.huatuo.jmx.enrich.ContainerResolver}) and cached reverse DNS
 * ({@link io.huatuo.jmx.enrich.ReverseDns}). JDK + SLF4J only.
 */
package io.huatuo.jmx.enrich;
