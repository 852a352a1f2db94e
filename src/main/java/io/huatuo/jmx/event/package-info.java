/**
 * Events: the envelope and per-tracer field schema (HUATUO's snake_case names), time formats,
 * and the renderings every surface shares (record JSON, console line). JDK + Jackson only.
 */
package io.huatuo.jmx.event;
