// SPDX-License-Identifier: GPL-2.0
/*
 * hungtask: tasks stuck in D state.
 *
 * tp_btf/sched_process_hang fires when khungtaskd reports a task; the record
 * carries that task and its stack. The task iterator dump_dstate is run by
 * user space when a report arrives and writes one hungtask_task per D-state
 * task (TASK_NOLOAD idle waiters excluded), so the whole scene is kept.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#define HUATUO_RING_BYTES (64 * 1024) /* 304-byte records: 2 s at the default limit is 61 KiB (huatuo.h) */
#include "include/huatuo.h"
#include "hungtask.h"

#define TASK_UNINTERRUPTIBLE_BIT 0x2
#define TASK_NOLOAD_BIT 0x400

char LICENSE[] SEC("license") = "GPL";

struct hungtask_event hungtask_event_layout __attribute__((unused));
struct hungtask_task hungtask_task_layout __attribute__((unused));
enum hungtask_limits hungtask_limits_layout __attribute__((unused));

/* task_struct.state was renamed __state in 5.14 */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline unsigned int task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* the iterator runs from one reader at a time; a global keeps the record off the 512-byte stack */
struct hungtask_task iter_buf;

SEC("tp_btf/sched_process_hang")
int BPF_PROG(hungtask_hang, struct task_struct *t)
{
	struct hungtask_event *e;
	long n;

	HUATUO_RESERVE_OR_RETURN(e, 0);
	e->ktime_ns = bpf_ktime_get_ns();
	e->pid = BPF_CORE_READ(t, pid);
	e->tgid = BPF_CORE_READ(t, tgid);
	e->state = task_state(t);
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
	n = bpf_get_task_stack(t, e->stack, sizeof(e->stack), 0);
	e->stack_bytes = n > 0 ? n : 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("iter/task")
int hungtask_dstate(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct hungtask_task *r = &iter_buf;
	unsigned int state;
	long n;

	if (!t)
		return 0;
	state = task_state(t);
	/* not "== TASK_UNINTERRUPTIBLE": sb_start_write waiters are UNINTERRUPTIBLE|FREEZABLE */
	if (!(state & TASK_UNINTERRUPTIBLE_BIT) || (state & TASK_NOLOAD_BIT))
		return 0;
	r->pid = BPF_CORE_READ(t, pid);
	r->tgid = BPF_CORE_READ(t, tgid);
	r->state = state;
	BPF_CORE_READ_STR_INTO(&r->comm, t, comm);
	n = bpf_get_task_stack(t, r->stack, sizeof(r->stack), 0);
	r->stack_bytes = n > 0 ? n : 0;
	bpf_seq_write(ctx->meta->seq, r, sizeof(*r));
	return 0;
}
