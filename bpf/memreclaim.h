/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memreclaim record: a task that spent more than threshold_ns in direct or
 * memcg reclaim within one window. Shared by memreclaim.bpf.c and the Java
 * decoder, which reads every offset from BTF.
 */
#ifndef MEMRECLAIM_H
#define MEMRECLAIM_H

#include "include/memcg.h"

enum memreclaim_kind {
	MEMRECLAIM_DIRECT = 1,	/* global direct reclaim (page allocator) */
	MEMRECLAIM_MEMCG = 2,	/* a memory cgroup hitting its own limit */
};

struct memreclaim_event {
	__u64 ktime_ns;		/* CLOCK_MONOTONIC time of the reclaim end that crossed the threshold */
	__u64 delta_ns;		/* time in reclaim within the window so far */
	__u64 window_ns;	/* the window in force */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 calls;		/* reclaim calls in the window */
	__u32 kind;		/* MEMRECLAIM_*, of the call that crossed the threshold */
	char comm[16];
	struct memcg_path memcg;
};

/* Per task: the reclaim in progress and the current window. */
struct memreclaim_task {
	__u64 begin_ns;		/* 0 when not in reclaim */
	__u64 window_start_ns;
	__u64 total_ns;
	__u32 calls;
	__u32 kind;
	__u32 reported;		/* this window was reported already */
	__u32 pad;
};

#endif /* MEMRECLAIM_H */
