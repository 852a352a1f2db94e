// SPDX-License-Identifier: GPL-2.0
/* Test-only object for the JNI shim: ring buffer records, a per-CPU counter
 * array, .rodata/.data/.bss globals, and one program of each kind the daemon
 * uses (raw_tp, tp_btf, tracepoint, perf_event, iter/task), plus one program
 * the verifier must reject. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "shim_test.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct shim_counters);
} counters SEC(".maps");

const volatile __u64 knob = 0;	/* .rodata: set before load */
__u32 burst = 1;		/* .data: records per run of shim_emit */
__u64 bss_value;		/* .bss: echoed in every record */
__u32 exec_parent_tgid;		/* .bss: report only execs of this process's children */
__u64 emitted_total;		/* .bss: written here, read live by user space */

/* Records only go through the ring buffer, so nothing else would put their
 * type into BTF; user space reads the layout from there. The *_layout anchors
 * are what bpf/btf2java.py leaves out of the generated globals. */
struct shim_event *shim_event_layout __attribute__((unused));
enum shim_event_kind shim_event_kind_layout __attribute__((unused));

static __always_inline struct shim_counters *counters_this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline bool emit(__u32 kind, __u64 seq)
{
	struct shim_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return false;
	e->seq = seq;
	e->knob = knob;
	e->bss_value = bss_value;
	e->kind = kind;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return true;
}

static long emit_one(__u64 i, __u64 *emitted)
{
	if (emit(SHIM_EVENT_TEST_RUN, i))
		(*emitted)++;
	return 0;
}

/* Run with BPF_PROG_TEST_RUN: emits "burst" records, returns how many fit. */
SEC("raw_tp")
int shim_emit(void *ctx)
{
	struct shim_counters *c = counters_this_cpu();
	__u32 n = burst < SHIM_MAX_BURST ? burst : SHIM_MAX_BURST;
	__u64 emitted = 0;

	bpf_loop(n, emit_one, &emitted, 0);
	__sync_fetch_and_add(&emitted_total, emitted);
	if (c) {
		c->test_runs++;
		c->records += emitted;
		c->lost += n - emitted;
	}
	return emitted;
}

static __always_inline int on_exec(struct task_struct *task, __u32 kind)
{
	struct shim_counters *c;

	if (BPF_CORE_READ(task, real_parent, tgid) != exec_parent_tgid)
		return 0;
	c = counters_this_cpu();
	if (!c)
		return 0;
	c->execs++;
	if (emit(kind, 0))
		c->records++;
	else
		c->lost++;
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(shim_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(p, SHIM_EVENT_EXEC_BTF);
}

/* Classic-tracepoint fallback of shim_exec; off unless a test turns it on. */
SEC("?tracepoint/sched/sched_process_exec")
int shim_exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	return on_exec((struct task_struct *)bpf_get_current_task(), SHIM_EVENT_EXEC_TP);
}

SEC("perf_event")
int shim_sample(struct bpf_perf_event_data *ctx)
{
	struct shim_counters *c = counters_this_cpu();

	if (c)
		c->samples++;
	return 0;
}

/* One line per process: "<tgid> <comm>". */
SEC("iter/task")
int shim_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (!task || task->pid != task->tgid)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d %s\n", task->tgid, task->comm);
	return 0;
}

/*
 * Off unless a test turns them on: a recursion the kernel stops and counts. An exec by a child of the test
 * reads an unmapped kernel address; the page fault runs shim_fault_again, whose own read faults again while
 * it runs: the kernel skips that nested run and counts it in the program's recursion_misses (6.7+).
 * 0xffff800000001000 lies in x86-64's guard hole at the start of the kernel half, never mapped.
 */
#define SHIM_UNMAPPED 0xffff800000001000UL

static __always_inline void fault_if_our_child(struct task_struct *t)
{
	long v;

	if (BPF_CORE_READ(t, real_parent, tgid) == exec_parent_tgid)
		bpf_probe_read_kernel(&v, sizeof(v), (void *)SHIM_UNMAPPED);
}

SEC("?tp_btf/sched_process_exec")
int BPF_PROG(shim_fault_trigger, struct task_struct *p)
{
	fault_if_our_child(p);
	return 0;
}

SEC("?tp_btf/page_fault_kernel")
int shim_fault_again(void *ctx)
{
	fault_if_our_child((struct task_struct *)bpf_get_current_task());
	return 0;
}

/* Off unless a test turns it on: the verifier must reject it (it dereferences a scalar). */
SEC("?raw_tp")
int shim_reject(void *ctx)
{
	return *(volatile int *)(long)bpf_get_prandom_u32();
}
