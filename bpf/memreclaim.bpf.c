// SPDX-License-Identifier: GPL-2.0
/*
 * memreclaim: tasks stalled in memory reclaim. Sums, per task, the time spent
 * between the vmscan *_reclaim_begin and *_end tracepoints within a window,
 * and reports the task once per window when the sum exceeds the threshold.
 * Global direct reclaim and memcg (limit) reclaim are both hooked.
 *
 * Hooks tp_btf/mm_vmscan_{direct,memcg}_reclaim_{begin,end} (no classic
 * tracepoint fallback: see oom.bpf.c). threshold_ns and window_ns are live .data
 * globals written by user space when the attributes change.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "include/huatuo.h"
#include "memreclaim.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);	/* tid */
	__type(value, struct memreclaim_task);
} reclaim_by_task SEC(".maps");

volatile __u64 threshold_ns = 900000000ULL;
volatile __u64 window_ns = 1000000000ULL;

struct memreclaim_event memreclaim_event_layout __attribute__((unused));
struct memcg_path memcg_path_layout __attribute__((unused));
enum memcg_limits memcg_limits_layout __attribute__((unused));
enum memreclaim_kind memreclaim_kind_layout __attribute__((unused));

static __always_inline int reclaim_begin(__u32 kind)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();
	struct memreclaim_task *t = bpf_map_lookup_elem(&reclaim_by_task, &tid);
	struct memreclaim_task fresh = {};

	if (!t) {
		fresh.window_start_ns = now;
		fresh.begin_ns = now;
		fresh.kind = kind;
		bpf_map_update_elem(&reclaim_by_task, &tid, &fresh, BPF_ANY);
		return 0;
	}
	if (now - t->window_start_ns >= window_ns) {
		t->window_start_ns = now;
		t->total_ns = 0;
		t->calls = 0;
		t->reported = 0;
	}
	t->begin_ns = now;
	t->kind = kind;
	return 0;
}

static __always_inline int reclaim_end(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();
	struct memreclaim_task *t = bpf_map_lookup_elem(&reclaim_by_task, &tid);
	struct memreclaim_event *e;

	if (!t || !t->begin_ns)
		return 0;
	t->total_ns += now - t->begin_ns;
	t->calls++;
	t->begin_ns = 0;
	if (t->reported || t->total_ns <= threshold_ns)
		return 0;
	t->reported = 1;
	HUATUO_RESERVE_OR_RETURN(e, 0);
	e->ktime_ns = now;
	e->delta_ns = t->total_ns;
	e->window_ns = window_ns;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->tid = tid;
	e->calls = t->calls;
	e->kind = t->kind;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	memcg_read_path((struct task_struct *)bpf_get_current_task(), &e->memcg);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(memreclaim_direct_begin_btf)
{
	return reclaim_begin(MEMRECLAIM_DIRECT);
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(memreclaim_direct_end_btf)
{
	return reclaim_end();
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(memreclaim_memcg_begin_btf)
{
	return reclaim_begin(MEMRECLAIM_MEMCG);
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(memreclaim_memcg_end_btf)
{
	return reclaim_end();
}
