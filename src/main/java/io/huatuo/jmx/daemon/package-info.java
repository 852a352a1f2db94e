/**
 * The daemon: the only package that knows every other one. Wires tracers, the enrichment pipeline,
 * JMX beans, record files and the network edges, for the foreground run and for jsvc alike.
 */
package io.huatuo.jmx.daemon;
