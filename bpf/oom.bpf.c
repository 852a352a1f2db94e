// SPDX-License-Identifier: GPL-2.0
/*
 * oom: OOM kills, with the task that triggered the kill (current) and the
 * victim, both with their memory cgroup.
 *
 * Hook tp_btf/mark_victim (the victim task pointer). No classic-tracepoint
 * fallback: it attaches through a perf event, which Debian's
 * perf_event_paranoid=3 refuses to the service, and every supported kernel
 * loads the tp_btf programs. The kernel's
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

/* before 6.2 the rss counters were atomics in a struct mm_rss_stat, not per-CPU counters */
struct mm_rss_stat___pre62 {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___pre62 {
	struct mm_rss_stat___pre62 rss_stat;
} __attribute__((preserve_access_index));

/*
 * The victim's anonymous resident pages, as get_mm_counter(mm, MM_ANONPAGES) reads them. The layout
 * is told by a field check rooted at mm_struct, not by bpf_core_type_exists(struct mm_rss_stat): a
 * type missing from vmlinux makes libbpf look through the modules' BTF, which needs CAP_SYS_ADMIN
 * (the service got EPERM on 6.12).
 */
static __always_inline __s64 anon_rss_pages(struct mm_struct *mm)
{
	if (bpf_core_field_exists(((struct mm_struct___pre62 *)mm)->rss_stat.count))
		return BPF_CORE_READ((struct mm_struct___pre62 *)mm, rss_stat.count[MM_ANONPAGES].counter);
	return BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count);
}

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
	/* clang drops these masks as redundant; older verifiers (6.1) need them to bound the copy */
	off = huatuo_mask(off, OOM_KMSG_LEN - 1);
	n = huatuo_mask(n, OOM_KMSG_LEN - 1);
	if (!n)
		return 0;
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

/* Fills the trigger's part of a reserved record. */
static __always_inline void start_event(struct oom_event *e)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();

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
}

SEC("tp_btf/mark_victim")
int BPF_PROG(oom_btf, struct task_struct *victim, uid_t uid)
{
	struct oom_event *e;
	struct mm_struct *mm;

	HUATUO_RESERVE_OR_RETURN(e, 0);
	start_event(e);
	e->victim_pid = BPF_CORE_READ(victim, tgid);
	e->victim_tid = BPF_CORE_READ(victim, pid);
	e->victim_uid = uid;
	e->victim_oom_score_adj = BPF_CORE_READ(victim, signal, oom_score_adj);
	BPF_CORE_READ_STR_INTO(&e->victim_comm, victim, comm);
	mm = BPF_CORE_READ(victim, mm);
	if (mm) {
		/* pages; anon rss as get_mm_counter() reads it, like the kernel's own report */
		e->total_vm_kb = BPF_CORE_READ(mm, total_vm) << (OOM_PAGE_SHIFT - 10);
		__s64 anon = anon_rss_pages(mm);

		e->anon_rss_kb = anon > 0 ? (__u64)anon << (OOM_PAGE_SHIFT - 10) : 0;
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
