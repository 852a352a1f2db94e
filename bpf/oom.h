/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oom record: one OOM kill, the task that triggered it and the victim. Shared
 * by oom.bpf.c and the Java decoder, which reads every offset from BTF.
 */
#ifndef OOM_H
#define OOM_H

#include "include/memcg.h"

/* An enum, not a #define: it reaches the object's BTF, where the Java side is generated from. */
enum oom_limits {
	OOM_KMSG_LEN = 1024,	/* the kernel's "oom-kill:" log line, as much as fits */
};

struct oom_event {
	__u64 ktime_ns;			/* CLOCK_MONOTONIC time of mark_victim */
	__u64 total_vm_kb;		/* victim's address space */
	__u64 anon_rss_kb;		/* victim's anonymous resident memory */
	__u32 trigger_pid;		/* tgid of the task that ran out of memory */
	__u32 victim_pid;		/* tgid of the task chosen to be killed */
	__u32 victim_uid;
	__s32 victim_oom_score_adj;
	__u32 kmsg_len;			/* bytes of kmsg[] filled, 0 if the line was not seen */
	__u32 has_victim_memcg;		/* 0 on the classic tracepoint (no task pointer) */
	__u32 victim_tid;		/* the victim thread, as the oom-kill line names it */
	__u32 pad;
	char trigger_comm[16];
	char victim_comm[16];
	struct memcg_path trigger_memcg;
	struct memcg_path victim_memcg;
	char kmsg[OOM_KMSG_LEN];
};

/* The oom-kill line being printed by one task (pr_cont pieces appended). */
struct oom_kmsg {
	__u64 ktime_ns;			/* when its first piece was printed */
	__u32 len;
	__u32 pad;
	char text[2 * OOM_KMSG_LEN];	/* twice the used size: lets the verifier bound every append */
};

#endif /* OOM_H */
