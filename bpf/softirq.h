/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softirq record: a CPU that kept softirqs or interrupts off too long, or a
 * network softirq that ran too late. Shared by softirq.bpf.c and the Java
 * decoder, which reads every offset from this struct's BTF.
 */
#ifndef SOFTIRQ_H
#define SOFTIRQ_H

/* An enum, not a #define: it reaches the object's BTF, where the Java side is generated from. */
enum softirq_limits {
	SOFTIRQ_STACK_DEPTH = 40,
};

enum softirq_kind {
	SOFTIRQ_KIND_OFF = 1,		/* bottom halves disabled for offtime_ns */
	SOFTIRQ_KIND_IRQ_OFF = 2,	/* hard interrupts disabled for offtime_ns */
	SOFTIRQ_KIND_DELAY = 3,		/* vector ran offtime_ns after it was raised */
};

struct softirq_event {
	__u64 ktime_ns;			/* CLOCK_MONOTONIC time of the report */
	__u64 offtime_ns;
	__u64 threshold_ns;		/* the threshold in force */
	__u32 pid;			/* tgid of the task that was interrupted / running */
	__u32 cpu;
	__u32 kind;			/* enum softirq_kind */
	__u32 vector;			/* softirq vector (NET_TX 2, NET_RX 3) for SOFTIRQ_KIND_DELAY */
	__u32 preempt_count;		/* the interrupted context's, when known */
	__u32 stack_bytes;
	__u64 irq_ip;			/* the interrupted instruction: the stack's frames above it are the
					   interrupt's own (0 when unknown: keep them) */
	char comm[16];
	__u64 stack[SOFTIRQ_STACK_DEPTH];
};

/* Per-CPU sampling state (one entry of a per-CPU array). */
struct softirq_cpu {
	__u64 base;			/* this CPU's per-CPU base once checked, 0 before (or unknown) */
	__u64 tick_ns;			/* when this CPU's latest tick ran */
	__u64 tick_due_ns;		/* when it was due (its hrtimer's expiry) */
	__u64 bh_start_ns;		/* first tick of the current BH-off streak, 0 if none */
	__u64 bh_last_ns;		/* latest tick of that streak */
	__u64 raise_ns[2];		/* first raise of pending NET_TX, NET_RX; 0 if not pending */
	__u64 raise_jiffies[2];		/* the same raises in jiffies, for softirq_entry's cheap screen */
	__u64 last_steal_ns;		/* this CPU's steal clock at the previous tick */
	__u32 ticks_to_check;		/* ticks left before the per-CPU base is checked again */
	__u32 pending_set;
	struct softirq_event pending;	/* a BH-off streak over the threshold, sent when it ends */
	struct softirq_event irq_off;	/* record buffers (too big for the BPF stack), one per */
	struct softirq_event delay;	/* program: a tick may interrupt softirq_entry */
};

/* Self-check of the preempt_count reads and host steal (per CPU, summed by user space). */
struct softirq_check {
	__u64 ok;			/* preempt_count reads through a checked per-CPU base */
	__u64 failed;			/* per-CPU base checks that failed */
	__u64 steal_ns;			/* the CPU's paravirt steal clock at its latest tick */
	__u64 steal_excused;		/* irq_off/delay over the threshold only because of steal */
	__u64 user_excused;		/* late ticks that landed in user mode (interrupts were on) */
	__u64 ticks;			/* ticks seen */
};

#endif /* SOFTIRQ_H */
