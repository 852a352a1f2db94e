/**
 * The network edges operators' tools connect to (JMX RMI; later Jolokia and Prometheus), started
 * from our configuration. Depends on the JMX contract only.
 */
package io.huatuo.jmx.edge;
