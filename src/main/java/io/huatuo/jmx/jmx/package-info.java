/**
 * The JMX face: ObjectNames, open types built from event schemas, the tracer and daemon MBeans,
 * notifications. Imports only {@code event} (never bpf or tracer classes).
 */
package io.huatuo.jmx.jmx;
