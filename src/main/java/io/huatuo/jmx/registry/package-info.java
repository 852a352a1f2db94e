/**
 * The one list of tracers ({@link io.huatuo.jmx.registry.TracerRegistry}): the only package besides
 * the daemon that knows every tracer.
 */
package io.huatuo.jmx.registry;
