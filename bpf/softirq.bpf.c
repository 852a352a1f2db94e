// SPDX-License-Identifier: GPL-2.0
/*
 * softirq: softirqs or hard interrupts held off too long, network softirqs
 * run too late.
 *
 * softirq_sample runs on a PERF_COUNT_SW_CPU_CLOCK event on every CPU (an
 * hrtimer, so it also fires on idle CPUs). It reads the interrupted
 * context's preempt_count: a streak of samples with bottom halves disabled is
 * softirq-off time; a gap between two samples means the timer interrupt was
 * held off, i.e. hard interrupts were disabled. The stack is the interrupted
 * context's. softirq_raise/softirq_entry time NET_RX and NET_TX from raise
 * to run.
 *
 * preempt_count is a per-CPU variable with no ksym here: this CPU's per-CPU
 * base is &runqueues - off_runqueues, with &runqueues reached through
 * current->se.cfs_rq->rq. Every read is checked against the per-CPU
 * cpu_number and current_task; one failed check stops softirq_off for good
 * (check_failed), so it is reported unavailable rather than wrong.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "include/huatuo.h"
#include "softirq.h"

#define NET_TX_VEC 2
#define NET_RX_VEC 3
#define PREEMPT_NEED_RESCHED_BIT 0x80000000U
#define SOFTIRQ_DISABLE_MASK 0xfe00U	/* local_bh_disable() nesting (SOFTIRQ_DISABLE_OFFSET multiples) */

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct softirq_cpu);
} cpu_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct softirq_check);
} checks SEC(".maps");

struct softirq_event softirq_event_layout __attribute__((unused));

/* offsets inside the vmlinux DATASEC .data..percpu, from the kernel's BTF; 0 = unknown */
const volatile __u64 off_runqueues;
const volatile __u64 off_preempt_count;
const volatile __u64 off_cpu_number;
const volatile __u64 off_current_task;


/* written by user space at run time; sample_period_ns before each attach */
volatile __u64 sample_period_ns = 10000000;
volatile __u64 off_threshold_ns = 100000000;
volatile __u64 delay_threshold_ns = 10000000;
volatile __u64 ignore_until_ns;		/* attaching causes IRQ-off blips: ignore the first second */
__u32 check_failed;			/* a preempt_count read failed its check: softirq_off stopped */

static __always_inline struct softirq_cpu *this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_state, &zero);
}

/* 0 and the interrupted context's preempt_count, or -1 when it cannot be read safely */
static __always_inline int read_preempt_count(__u32 *out)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct softirq_check *chk;
	__u32 zero = 0;
	__u64 base, cur = 0;
	struct rq *rq;
	int cpu = -1;
	bool ok;

	if (!off_runqueues || !off_preempt_count || !off_cpu_number || !off_current_task || check_failed)
		return -1;
	rq = BPF_CORE_READ(t, se.cfs_rq, rq);
	base = (__u64)rq - off_runqueues;
	ok = rq && !bpf_probe_read_kernel(&cpu, sizeof(cpu), (void *)(base + off_cpu_number)) &&
	     cpu == (int)bpf_get_smp_processor_id() &&
	     !bpf_probe_read_kernel(&cur, sizeof(cur), (void *)(base + off_current_task)) && cur == (__u64)t &&
	     !bpf_probe_read_kernel(out, sizeof(*out), (void *)(base + off_preempt_count));
	chk = bpf_map_lookup_elem(&checks, &zero);
	if (chk) {
		if (ok)
			chk->ok++;
		else
			chk->failed++;
	}
	if (!ok) {
		check_failed = 1;
		return -1;
	}
	/* x86 keeps PREEMPT_NEED_RESCHED inverted in bit 31 */
	*out &= ~PREEMPT_NEED_RESCHED_BIT;
	return 0;
}

static __always_inline void fill(void *ctx, struct softirq_event *e, __u32 kind, __u64 now, __u64 offtime,
				 __u64 threshold)
{
	long n;

	e->ktime_ns = now;
	e->offtime_ns = offtime;
	e->threshold_ns = threshold;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cpu = bpf_get_smp_processor_id();
	e->kind = kind;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	n = bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0);
	e->stack_bytes = n > 0 ? n : 0;
}

static __always_inline void send(const struct softirq_event *src)
{
	struct softirq_event *e = huatuo_reserve_event(sizeof(*e));

	if (!e)
		return;
	__builtin_memcpy(e, src, sizeof(*e));
	bpf_ringbuf_submit(e, 0);
}

/* the interrupted context ran user code: x86-64 kernel addresses have the top bit set */
static __always_inline bool user_mode(struct bpf_perf_event_data *ctx)
{
	return (__s64)ctx->regs.ip >= 0;
}

SEC("perf_event")
int softirq_sample(struct bpf_perf_event_data *ctx)
{
	struct softirq_cpu *s = this_cpu();
	__u64 now = bpf_ktime_get_ns(), last, gap, threshold = off_threshold_ns;
	__u32 pc = 0;

	if (!s)
		return 0;
	last = s->last_sample_ns;
	s->last_sample_ns = now;
	if (now < ignore_until_ns) {
		s->bh_start_ns = 0;
		s->pending_set = 0;
		return 0;
	}

	/*
	 * irq_off: the timer fires every sample_period_ns unless interrupts are off. The late
	 * sample lands where they came back on, which is kernel code; a late sample in user
	 * mode means the timer was late for another reason (seen once here: a 1.1 s gap ending in
	 * user-mode java, with no steal time to explain it).
	 */
	gap = last ? now - last : 0;
	if (gap > sample_period_ns && gap - sample_period_ns > threshold && !user_mode(ctx)) {
		struct softirq_event *e = &s->irq_off;

		__builtin_memset(e, 0, sizeof(*e));
		fill(ctx, e, SOFTIRQ_KIND_IRQ_OFF, now, gap - sample_period_ns, threshold);
		send(e);
	}

	/* softirq_off: a run of samples, each within two periods of the last, with BH disabled */
	if (read_preempt_count(&pc))
		return 0;
	if (pc & SOFTIRQ_DISABLE_MASK) {
		if (!s->bh_start_ns || now - s->bh_last_ns > 2 * sample_period_ns) {
			if (s->pending_set) {
				send(&s->pending);
				s->pending_set = 0;
			}
			s->bh_start_ns = now;
		}
		s->bh_last_ns = now;
		if (!s->pending_set && now - s->bh_start_ns > threshold) {
			/* keep the stack of the context holding BH off; the record goes out when the streak ends */
			__builtin_memset(&s->pending, 0, sizeof(s->pending));
			fill(ctx, &s->pending, SOFTIRQ_KIND_OFF, now, 0, threshold);
			s->pending.preempt_count = pc;
			s->pending_set = 1;
		}
		/* each sample stands for one period: first to last sample plus one period */
		if (s->pending_set)
			s->pending.offtime_ns = now - s->bh_start_ns + sample_period_ns;
		return 0;
	}
	s->bh_start_ns = 0;
	if (s->pending_set) {
		s->pending.ktime_ns = now;
		send(&s->pending);
		s->pending_set = 0;
	}
	return 0;
}

SEC("tp_btf/softirq_raise")
int BPF_PROG(softirq_raise, unsigned int vec)
{
	struct softirq_cpu *s;
	int i = vec == NET_RX_VEC ? 1 : 0;

	if (vec != NET_RX_VEC && vec != NET_TX_VEC)
		return 0;
	s = this_cpu();
	/* only the first raise of a pending period: later raises join the same run */
	if (s && !s->raise_ns[i])
		s->raise_ns[i] = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec)
{
	struct softirq_cpu *s;
	struct softirq_event *e;
	__u64 now, raised, threshold = delay_threshold_ns;
	int i = vec == NET_RX_VEC ? 1 : 0;

	if (vec != NET_RX_VEC && vec != NET_TX_VEC)
		return 0;
	s = this_cpu();
	if (!s)
		return 0;
	raised = s->raise_ns[i];
	s->raise_ns[i] = 0;
	now = bpf_ktime_get_ns();
	if (!raised || now - raised <= threshold || now < ignore_until_ns)
		return 0;
	e = &s->delay;
	__builtin_memset(e, 0, sizeof(*e));
	fill(ctx, e, SOFTIRQ_KIND_DELAY, now, now - raised, threshold);
	e->vector = vec;
	send(e);
	return 0;
}
