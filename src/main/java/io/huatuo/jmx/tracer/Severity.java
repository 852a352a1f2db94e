package io.huatuo.jmx.tracer;

/** How urgent one event of a tracer is: the severity of its "new events" alert in Zabbix and Nagios. */
public enum Severity {
    /** Worth a look: the kernel coped, but something was slow or dropped (drops, latency). */
    WARNING,
    /** A fault to fix: a link, bond or the memory of a container degraded. */
    AVERAGE,
    /** Harm done: a process was killed or a CPU or task stuck. */
    HIGH
}
