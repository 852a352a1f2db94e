/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dropwatch record: one TCP packet dropped by the kernel. Shared by
 * dropwatch.bpf.c and the Java decoder, which reads every offset from this
 * struct's BTF at start (it never hard-codes the layout).
 */
#ifndef DROPWATCH_H
#define DROPWATCH_H

/* Enums, not #defines: they reach the object's BTF, where the Java side is generated from. */
enum dropwatch_limits {
	DROPWATCH_STACK_DEPTH = 40,
	DROPWATCH_IFNAMSIZ = 16,
	DROPWATCH_MAX_REASONS = 256,	/* reasons >= this are counted in the last slot */
};

struct dropwatch_event {
	__u64 ktime_ns;			/* CLOCK_MONOTONIC time of the drop */
	__u64 netns;			/* network namespace inode, 0 if unknown */
	__u32 pid;			/* tgid of the task in whose context the drop happened */
	__u32 reason;			/* enum skb_drop_reason */
	__u32 seq;
	__u32 ack_seq;
	__u32 pkt_len;
	__u32 max_ack_backlog;
	__u32 ifindex;
	__u32 stack_bytes;		/* bytes of stack[] filled by bpf_get_stack */
	__u16 sport;			/* host byte order */
	__u16 dport;
	__u16 queue_mapping;
	__u8 family;			/* AF_INET or AF_INET6 */
	__u8 state;			/* TCP state of the socket, 0 when there is none */
	__u8 tcp_flags;
	__u8 pad[7];
	__u8 saddr[16];			/* 4 bytes used for AF_INET */
	__u8 daddr[16];
	char comm[16];
	char ifname[DROPWATCH_IFNAMSIZ];
	__u64 stack[DROPWATCH_STACK_DEPTH];
};

/* Per-reason drop counts, every TCP drop (excluded reasons too). */
struct dropwatch_reason_counts {
	__u64 count[DROPWATCH_MAX_REASONS];
};

#endif /* DROPWATCH_H */
