/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hungtask records. hungtask_event: the task khungtaskd reported (ring).
 * hungtask_task: one D-state task written by the task iterator. The Java
 * decoder reads every offset from these structs' BTF.
 */
#ifndef HUNGTASK_H
#define HUNGTASK_H

/* An enum, not a #define: it reaches the object's BTF, where the Java side is generated from. */
enum hungtask_limits {
	HUNGTASK_STACK_DEPTH = 32,
};

struct hungtask_event {
	__u64 ktime_ns;			/* CLOCK_MONOTONIC time of the report */
	__u32 pid;			/* task id of the hung task (as the kernel reports it) */
	__u32 tgid;
	__u32 state;			/* __state, e.g. 0x2 or 0x2002 (UNINTERRUPTIBLE|FREEZABLE) */
	__u32 stack_bytes;
	char comm[16];
	__u64 stack[HUNGTASK_STACK_DEPTH];
};

struct hungtask_task {
	__u32 pid;
	__u32 tgid;
	__u32 state;
	__u32 stack_bytes;
	char comm[16];
	__u64 stack[HUNGTASK_STACK_DEPTH];
};

#endif /* HUNGTASK_H */
