// SPDX-License-Identifier: GPL-2.0
/*
 * oom: OOM kills, with the task that triggered the kill (current) and the
 * victim, both with their memory cgroup.
 *
 * Primary hook tp_btf/mark_victim (victim task pointer); fallback the classic
 * oom/mark_victim tracepoint (victim pid, comm and memory only). The kernel's
 * "oom-kill:constraint=...,oom_memcg=...,task=...,pid=..." line is printed by
 * the same task just before mark_victim, in pr_cont pieces: the console
 * tracepoint collects them per task so the record carries the OOM constraint
 * and the memcg that hit its limit, which no tracepoint argument gives.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "include/huatuo.h"
#include "oom.h"

#define OOM_PAGE_SHIFT 12		/* x86-64, the architecture this object is built for */
#define OOM_KMSG_MAX_AGE_NS NSEC_PER_SEC
#define OOM_KMSG_PREFIX_LEN 9		/* "oom-kill:" */

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);		/* tid of the printing task */
	__type(value, struct oom_kmsg);
} kmsg_by_task SEC(".maps");

/* A zeroed value to start a map entry from (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oom_kmsg);
} kmsg_zero SEC(".maps");

struct oom_event oom_event_layout __attribute__((unused));
struct memcg_path memcg_path_layout __attribute__((unused));
enum memcg_limits memcg_limits_layout __attribute__((unused));
enum oom_limits oom_limits_layout __attribute__((unused));

static __always_inline bool is_oom_kill_line(const char *text, __u64 len)
{
	char head[OOM_KMSG_PREFIX_LEN];

	if (len < OOM_KMSG_PREFIX_LEN || bpf_probe_read_kernel(head, sizeof(head), text))
		return false;
	return head[0] == 'o' && head[1] == 'o' && head[2] == 'm' && head[3] == '-' && head[4] == 'k' &&
	       head[5] == 'i' && head[6] == 'l' && head[7] == 'l' && head[8] == ':';
}

static __always_inline int handle_console(const char *text, __u64 len)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct oom_kmsg *m, *blank;
	__u32 off, n;

	if (is_oom_kill_line(text, len)) {
		blank = bpf_map_lookup_elem(&kmsg_zero, &zero);
		if (!blank || bpf_map_update_elem(&kmsg_by_task, &tid, blank, BPF_ANY))
			return 0;
		m = bpf_map_lookup_elem(&kmsg_by_task, &tid);
		if (!m)
			return 0;
		m->ktime_ns = bpf_ktime_get_ns();
	} else {
		m = bpf_map_lookup_elem(&kmsg_by_task, &tid);	/* a pr_cont piece of the line? */
		if (!m)
			return 0;
	}
	off = m->len;
	if (off >= OOM_KMSG_LEN - 1)
		return 0;
	n = len < OOM_KMSG_LEN - 1 - off ? len : OOM_KMSG_LEN - 1 - off;
	off &= OOM_KMSG_LEN - 1;
	n &= OOM_KMSG_LEN - 1;
	if (bpf_probe_read_kernel(m->text + off, n, text))
		return 0;
	m->len = off + n;
	return 0;
}

/* Moves this task's collected oom-kill line into the record. */
static __always_inline void take_kmsg(struct oom_event *e)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct oom_kmsg *m = bpf_map_lookup_elem(&kmsg_by_task, &tid);

	if (!m)
		return;
	if (bpf_ktime_get_ns() - m->ktime_ns < OOM_KMSG_MAX_AGE_NS &&
	    !bpf_probe_read_kernel(e->kmsg, sizeof(e->kmsg), m->text))
		e->kmsg_len = m->len < OOM_KMSG_LEN ? m->len : OOM_KMSG_LEN;
	bpf_map_delete_elem(&kmsg_by_task, &tid);
}

/* Reserves and fills the trigger's part; NULL if the detail is not to be sent. */
static __always_inline struct oom_event *start_event(void)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	struct oom_event *e = huatuo_reserve_event(sizeof(*e));

	if (!e)
		return NULL;
	/* too big for one memset; the decoder reads strings up to their NUL and names up to depth */
	e->total_vm_kb = 0;
	e->anon_rss_kb = 0;
	e->victim_pid = 0;
	e->victim_tid = 0;
	e->victim_uid = 0;
	e->victim_oom_score_adj = 0;
	e->kmsg_len = 0;
	e->has_victim_memcg = 0;
	e->victim_comm[0] = 0;
	e->victim_memcg.css = 0;
	e->victim_memcg.depth = 0;
	e->victim_memcg.truncated = 0;
	e->ktime_ns = bpf_ktime_get_ns();
	e->trigger_pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->trigger_comm, sizeof(e->trigger_comm));
	memcg_read_path(cur, &e->trigger_memcg);
	take_kmsg(e);
	return e;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(oom_btf, struct task_struct *victim, uid_t uid)
{
	struct oom_event *e = start_event();
	struct mm_struct *mm;

	if (!e)
		return 0;
	e->victim_pid = BPF_CORE_READ(victim, tgid);
	e->victim_tid = BPF_CORE_READ(victim, pid);
	e->victim_uid = uid;
	e->victim_oom_score_adj = BPF_CORE_READ(victim, signal, oom_score_adj);
	BPF_CORE_READ_STR_INTO(&e->victim_comm, victim, comm);
	mm = BPF_CORE_READ(victim, mm);
	if (mm) {
		/* pages; anon rss as get_mm_counter() reads it, like the kernel's own report */
		e->total_vm_kb = BPF_CORE_READ(mm, total_vm) << (OOM_PAGE_SHIFT - 10);
		e->anon_rss_kb = (__u64)BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count) << (OOM_PAGE_SHIFT - 10);
		if ((__s64)e->anon_rss_kb < 0)
			e->anon_rss_kb = 0;
	}
	memcg_read_path(victim, &e->victim_memcg);
	e->has_victim_memcg = 1;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/console")
int BPF_PROG(oom_console_btf, const char *text, size_t len)
{
	return handle_console(text, len);
}

SEC("tracepoint/oom/mark_victim")
int oom_tp(struct trace_event_raw_mark_victim *args)
{
	struct oom_event *e = start_event();
	unsigned int loc;

	if (!e)
		return 0;
	e->victim_pid = e->victim_tid = BPF_CORE_READ(args, pid);
	if (bpf_core_field_exists(args->total_vm)) {	/* kB already */
		e->total_vm_kb = BPF_CORE_READ(args, total_vm);
		e->anon_rss_kb = BPF_CORE_READ(args, anon_rss);
		e->victim_uid = BPF_CORE_READ(args, uid);
		e->victim_oom_score_adj = BPF_CORE_READ(args, oom_score_adj);
	}
	if (bpf_core_field_exists(args->__data_loc_comm)) {
		loc = BPF_CORE_READ(args, __data_loc_comm);
		bpf_probe_read_kernel_str(e->victim_comm, sizeof(e->victim_comm), (void *)args + (loc & 0xffff));
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/printk/console")
int oom_console_tp(struct trace_event_raw_console *args)
{
	unsigned int loc = BPF_CORE_READ(args, __data_loc_msg);

	return handle_console((void *)args + (loc & 0xffff), loc >> 16);
}
