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
	char comm[16];
	__u64 stack[SOFTIRQ_STACK_DEPTH];
};

/* Per-CPU sampling state (one entry of a per-CPU array). */
struct softirq_cpu {
	__u64 last_sample_ns;		/* previous cpu-clock sample on this CPU */
	__u64 bh_start_ns;		/* first sample of the current BH-off streak, 0 if none */
	__u64 bh_last_ns;		/* latest sample of that streak */
	__u64 raise_ns[2];		/* first raise of pending NET_TX, NET_RX; 0 if not pending */
	__u64 last_steal_ns;		/* this CPU's steal clock at the previous sample */
	__u64 timer_irq_ns;		/* entry of this CPU's latest local timer interrupt */
	__u64 prev_timer_irq_ns;	/* entry of the one before it */
	struct softirq_event pending;	/* a BH-off streak over the threshold, sent when it ends */
	struct softirq_event irq_off;	/* record buffers (too big for the BPF stack), one per */
	struct softirq_event delay;	/* program: a sample may interrupt softirq_entry */
	__u32 pending_set;
	__u32 pad;
};

/* Self-check of the preempt_count reads and host steal (per CPU, summed by user space). */
struct softirq_check {
	__u64 ok;
	__u64 failed;
	__u64 steal_ns;			/* the CPU's paravirt steal clock at its latest sample */
	__u64 steal_excused;		/* irq_off/delay over the threshold only because of steal */
	__u64 irqs_seen_excused;	/* late samples with a timer interrupt handled in between */
};

#endif /* SOFTIRQ_H */
