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
 *
 * A late sample alone does not prove interrupts were off: on these VMs the
 * cpu-clock timer sometimes stops firing for 0.1-8 s while the CPU keeps
 * handling its other timer interrupts. softirq_timer_irq notes every local
 * timer interrupt; one handled after the previous sample proves interrupts
 * were on then, so the stretch can only have started after it.
 *
 * On a virtual machine the hypervisor may keep a vCPU off for a while; from
 * inside that looks exactly like interrupts off (and like a late softirq).
 * The paravirt steal clock (per-CPU steal_time, kept by the hypervisor) says
 * how long: stolen time is taken out of the gap and of the delay before they
 * are compared with the thresholds.
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
enum softirq_limits softirq_limits_layout __attribute__((unused));
enum softirq_kind softirq_kind_layout __attribute__((unused));

/* offsets inside the vmlinux DATASEC .data..percpu, from the kernel's BTF; 0 = unknown */
const volatile __u64 off_runqueues;
const volatile __u64 off_preempt_count;
const volatile __u64 off_cpu_number;
const volatile __u64 off_current_task;
const volatile __u64 off_steal_time;	/* 0 = no paravirt steal clock (bare metal, other hypervisors) */


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

static __always_inline struct softirq_check *checks_of_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&checks, &zero);
}

/*
 * 0 and this CPU's per-CPU base, or -1 when it cannot be found safely: the base is
 * &runqueues - off_runqueues, checked against cpu_number and current_task.
 */
static __always_inline int percpu_base(__u64 *base)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task(); /* _btf: 5.11+ */
	struct softirq_check *chk = checks_of_cpu();
	__u64 cur = 0;
	struct rq *rq;
	int cpu = -1;
	bool ok;

	if (!off_runqueues || !off_preempt_count || !off_cpu_number || !off_current_task || check_failed)
		return -1;
	rq = BPF_CORE_READ(t, se.cfs_rq, rq);
	*base = (__u64)rq - off_runqueues;
	ok = rq && !bpf_probe_read_kernel(&cpu, sizeof(cpu), (void *)(*base + off_cpu_number)) &&
	     cpu == (int)bpf_get_smp_processor_id() &&
	     !bpf_probe_read_kernel(&cur, sizeof(cur), (void *)(*base + off_current_task)) && cur == (__u64)t;
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
	return 0;
}

/* 0 and the interrupted context's preempt_count, or -1 when it cannot be read */
static __always_inline int read_preempt_count(__u64 base, __u32 *out)
{
	if (bpf_probe_read_kernel(out, sizeof(*out), (void *)(base + off_preempt_count)))
		return -1;
	/* x86 keeps PREEMPT_NEED_RESCHED inverted in bit 31 */
	*out &= ~PREEMPT_NEED_RESCHED_BIT;
	return 0;
}

/* This CPU's steal clock (ns the hypervisor kept it off since boot), 0 when unknown. */
static __always_inline __u64 steal_clock(__u64 base, bool have_base)
{
	__u64 steal = 0;

	if (have_base && off_steal_time)
		bpf_probe_read_kernel(&steal, sizeof(steal),
				      (void *)(base + off_steal_time + bpf_core_field_offset(struct kvm_steal_time, steal)));
	return steal;
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
	struct softirq_event *e;

	HUATUO_RESERVE_OR_RETURN(e, );
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
	struct softirq_check *chk = checks_of_cpu();
	__u64 now = bpf_ktime_get_ns(), last, gap, late, stolen = 0, steal, base = 0, threshold = off_threshold_ns;
	bool have_base;
	__u32 pc = 0;

	if (!s)
		return 0;
	have_base = percpu_base(&base) == 0;
	steal = steal_clock(base, have_base);
	if (steal && s->last_steal_ns && steal > s->last_steal_ns)
		stolen = steal - s->last_steal_ns;
	s->last_steal_ns = steal;
	if (chk && steal)
		chk->steal_ns = steal;
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
	 * user-mode java). Time the hypervisor stole from this vCPU is not interrupts off.
	 */
	gap = last ? now - last : 0;
	late = gap > sample_period_ns ? gap - sample_period_ns : 0;
	/* this sample runs in the latest timer interrupt; the one before it bounds the stretch */
	if (late && s->prev_timer_irq_ns > last && now - s->prev_timer_irq_ns < late) {
		if (chk && late > threshold && now - s->prev_timer_irq_ns <= threshold)
			chk->irqs_seen_excused++;
		late = now - s->prev_timer_irq_ns;
	}
	if (late > threshold && !user_mode(ctx)) {
		if (late - (stolen < late ? stolen : late) > threshold) {
			struct softirq_event *e = &s->irq_off;

			__builtin_memset(e, 0, sizeof(*e));
			fill(ctx, e, SOFTIRQ_KIND_IRQ_OFF, now, late - stolen, threshold);
			send(e);
		} else if (chk) {
			chk->steal_excused++;
		}
	}

	/* softirq_off: a run of samples, each within two periods of the last, with BH disabled */
	if (!have_base || read_preempt_count(base, &pc))
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

SEC("tp_btf/local_timer_entry")
int BPF_PROG(softirq_timer_irq, int vector)
{
	struct softirq_cpu *s = this_cpu();

	if (s) {
		s->prev_timer_irq_ns = s->timer_irq_ns;
		s->timer_irq_ns = bpf_ktime_get_ns();
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
	__u64 now, raised, delay, base = 0, threshold = delay_threshold_ns;
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
	delay = now - raised;
	/*
	 * Steal since the latest sample (at most 1/10 of the irq threshold ago) is taken out; a
	 * late sample runs first when a vCPU comes back, so steal before the raise is already
	 * in last_steal_ns. Steal between the raise and an earlier sample is not: it is reported.
	 */
	if (percpu_base(&base) == 0) {
		__u64 steal = steal_clock(base, true), stolen = 0;
		struct softirq_check *chk = checks_of_cpu();

		if (steal && s->last_steal_ns && steal > s->last_steal_ns)
			stolen = steal - s->last_steal_ns;
		if (delay - (stolen < delay ? stolen : delay) <= threshold) {
			if (chk)
				chk->steal_excused++;
			return 0;
		}
		delay -= stolen;
	}
	e = &s->delay;
	__builtin_memset(e, 0, sizeof(*e));
	fill(ctx, e, SOFTIRQ_KIND_DELAY, now, delay, threshold);
	e->vector = vec;
	send(e);
	return 0;
}
