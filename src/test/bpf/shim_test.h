/* SPDX-License-Identifier: GPL-2.0 */
/* Records and counters of shim_test.bpf.c. The Java tests never hard-code this
 * layout: they read it back from the object's BTF (BpfObject.structLayout). */
#ifndef SHIM_TEST_H
#define SHIM_TEST_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SHIM_COMM_LEN 16
#define SHIM_MAX_BURST 65536

enum shim_event_kind {
	SHIM_EVENT_TEST_RUN = 1,	/* emitted by shim_emit under BPF_PROG_TEST_RUN */
	SHIM_EVENT_EXEC_BTF = 2,	/* tp_btf/sched_process_exec */
	SHIM_EVENT_EXEC_TP = 3,		/* tracepoint/sched/sched_process_exec */
};

struct shim_event {
	__u64 seq;		/* index within one burst */
	__u64 knob;		/* echo of the .rodata knob */
	__u64 bss_value;	/* echo of the .bss global */
	__u32 kind;		/* enum shim_event_kind */
	__u32 pid;		/* tgid of the task */
	char comm[SHIM_COMM_LEN];
};

/* value of the one-entry per-CPU array "counters" */
struct shim_counters {
	__u64 test_runs;
	__u64 records;
	__u64 lost;		/* ring reservations that failed */
	__u64 execs;
	__u64 samples;		/* perf_event samples */
};

#endif /* SHIM_TEST_H */
