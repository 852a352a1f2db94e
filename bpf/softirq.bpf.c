// SPDX-License-Identifier: GPL-2.0
/*
 * softirq: softirqs or hard interrupts held off too long, network softirqs
 * run too late.
 *
 * The sampler is each CPU's scheduler tick. softirq_tick runs at every hrtimer
 * expiry (tp_btf/hrtimer_expire_entry, on every architecture) and returns at
 * once unless the timer is the tick's (callback tick_sched_timer; since 6.10
 * tick_nohz_handler, a name older kernels gave their low-resolution clock
 * event handler, which is never an hrtimer's callback). The tick runs in hard interrupt context, so
 * it sees the interrupted context like a perf sample does: its preempt_count
 * and its stack. No perf event is opened: Debian's and Ubuntu's
 * kernel.perf_event_paranoid=3 gives perf_event_open to CAP_SYS_ADMIN only.
 *  - irq_off: the tick's hrtimer knows when it was due; a tick that runs late
 *    was held off (interrupts disabled, or a long hard interrupt). A CPU whose
 *    tick is stopped (NO_HZ idle) has no tick due, so an idle CPU is never
 *    late; on restart the tick is due within one period. Interrupts went off
 *    after the previous tick ran and by the time this one was due, at most a
 *    period before it: the threshold applies to the lateness alone (never
 *    over-reported) and the reported time is the lateness plus half that
 *    interval (within half a tick of the truth).
 *  - softirq_off: a streak of ticks that land with bottom halves disabled. It
 *    began half a period before its first tick (within half a period); it
 *    ended at the first softirq_entry on the CPU (softirqs run only with
 *    bottom halves enabled, and those the ticks raised meanwhile run as soon
 *    as they are), else half a period after its last tick.
 *  - softirq_delay: softirq_raise/softirq_entry time NET_RX and NET_TX from
 *    raise to run.
 * The tick period is the kernel's (1/HZ), learned from jiffies against
 * ktime. nohz_full CPUs stop the tick while a single task runs: nothing is
 * sampled there meanwhile.
 *
 * preempt_count is a per-CPU variable with no ksym here: this CPU's per-CPU
 * base is &runqueues - off_runqueues, with &runqueues reached through
 * current->se.cfs_rq->rq. The base is checked against the per-CPU
 * cpu_number and current_task on its first use on a CPU and every
 * BASE_CHECK_TICKS ticks after; one failed check stops softirq_off for good
 * (check_failed), so it is reported unavailable rather than wrong.
 *
 * On a virtual machine the hypervisor may keep a vCPU off for a while; from
 * inside that looks exactly like interrupts off (and like a late softirq).
 * The paravirt steal clock (per-CPU steal_time, kept by the hypervisor) says
 * how long: stolen time is taken out of the lateness and of the delay before
 * they are compared with the thresholds.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#define HUATUO_RING_BYTES (128 * 1024) /* 400-byte records: 2 s at the default limit is 80 KiB (huatuo.h) */
#include "include/huatuo.h"
#include "softirq.h"

#define NET_TX_VEC 2
#define NET_RX_VEC 3
#define PREEMPT_NEED_RESCHED_BIT 0x80000000U
#define SOFTIRQ_DISABLE_MASK 0xfe00U	/* local_bh_disable() nesting (SOFTIRQ_DISABLE_OFFSET multiples) */
#define BASE_CHECK_TICKS 256
#define PERIOD_LEARN_JIFFIES 32
#define PERIOD_FINAL_JIFFIES 1024

char LICENSE[] SEC("license") = "GPL";

/* the tick's hrtimer callback; libbpf fills these from /proc/kallsyms, 0 when absent or hidden */
extern const void tick_nohz_handler __ksym __weak;	/* 6.10+ */
extern const void tick_sched_timer __ksym __weak;	/* before 6.10 */

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
const volatile __u64 off_irq_regs;	/* __irq_regs: the interrupted context's registers; 0 = unknown */

/* written by user space at run time */
volatile __u64 off_threshold_ns = 100000000;
volatile __u64 delay_threshold_ns = 10000000;
volatile __u64 ignore_until_ns;		/* attaching causes IRQ-off blips: ignore the first second */
__u32 check_failed;			/* a per-CPU base check failed: softirq_off stopped */
__u32 tick_unknown;			/* the tick's callback is not in kallsyms: nothing is sampled */
/* learned here: the tick period (0 until known) and the jiffies/ktime pair it is learned from */
__u64 tick_period_ns;
__u64 learn_jiffies;
__u64 learn_ns;
__u32 period_final;

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
 * This CPU's per-CPU base, or 0 when it cannot be found safely: &runqueues -
 * off_runqueues, checked against cpu_number and current_task.
 */
static __always_inline __u64 percpu_base(struct softirq_check *chk)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task(); /* _btf: 5.11+ */
	__u64 base, cur = 0;
	struct rq *rq;
	int cpu = -1;

	if (!off_runqueues || !off_preempt_count || !off_cpu_number || !off_current_task || check_failed)
		return 0;
	rq = BPF_CORE_READ(t, se.cfs_rq, rq);
	base = (__u64)rq - off_runqueues;
	if (rq && !bpf_probe_read_kernel(&cpu, sizeof(cpu), (void *)(base + off_cpu_number)) &&
	    cpu == (int)bpf_get_smp_processor_id() &&
	    !bpf_probe_read_kernel(&cur, sizeof(cur), (void *)(base + off_current_task)) && cur == (__u64)t)
		return base;
	check_failed = 1;
	chk->failed++;
	return 0;
}

/* The per-CPU base cached in s, checked again every BASE_CHECK_TICKS calls; 0 when unknown. */
static __always_inline __u64 cpu_base(struct softirq_cpu *s, struct softirq_check *chk)
{
	if (s->base && s->ticks_to_check) {
		s->ticks_to_check--;
		return s->base;
	}
	s->base = percpu_base(chk);
	s->ticks_to_check = BASE_CHECK_TICKS;
	return s->base;
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
static __always_inline __u64 steal_clock(__u64 base)
{
	__u64 steal = 0;

	if (base && off_steal_time)
		bpf_probe_read_kernel(&steal, sizeof(steal),
				      (void *)(base + off_steal_time + bpf_core_field_offset(struct kvm_steal_time, steal)));
	return steal;
}

/* The instruction the tick interrupted, 0 when unknown. */
static __always_inline __u64 interrupted_ip(__u64 base)
{
	struct pt_regs *regs = NULL;
	__u64 ip = 0;

	if (base && off_irq_regs && !bpf_probe_read_kernel(&regs, sizeof(regs), (void *)(base + off_irq_regs)) && regs)
		bpf_probe_read_kernel(&ip, sizeof(ip), &regs->ip);
	return ip;
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

/*
 * A later tick of the same BH-off streak: its stack replaces the kept one if
 * it has more frames. The unwinder stops early when the tick lands in some
 * code, e.g. inside a retpoline thunk (the stack then ends at
 * __x86_indirect_thunk_rax); another tick of the streak lands elsewhere. One
 * stack walk per tick, only while a streak over the threshold lasts.
 */
static __always_inline void deeper_stack(void *ctx, struct softirq_cpu *s, __u64 base)
{
	struct softirq_event *scratch = &s->irq_off; /* free again: irq_off() sent its record already */
	long n = bpf_get_stack(ctx, scratch->stack, sizeof(scratch->stack), 0);

	if (n <= (long)s->pending.stack_bytes)
		return;
	__builtin_memcpy(s->pending.stack, scratch->stack, sizeof(s->pending.stack));
	s->pending.stack_bytes = n;
	s->pending.irq_ip = interrupted_ip(base);
}

static __always_inline void send(const struct softirq_event *src)
{
	struct softirq_event *e;

	HUATUO_RESERVE_OR_RETURN(e, );
	__builtin_memcpy(e, src, sizeof(*e));
	bpf_ringbuf_submit(e, 0);
}

/* Whether fn is the tick's hrtimer callback; tick_unknown is set when kallsyms shows neither name. */
static __always_inline bool is_tick(__u64 fn)
{
	__u64 a = (__u64)&tick_nohz_handler, b = (__u64)&tick_sched_timer;

	if (!a && !b)
		tick_unknown = 1;
	return fn && (fn == a || fn == b);
}

/*
 * The tick period: ktime over jiffies since the first tick, 0 before
 * PERIOD_LEARN_JIFFIES jiffies (within 1/32 then), refined until
 * PERIOD_FINAL_JIFFIES.
 */
static __always_inline __u64 tick_period(__u64 now)
{
	__u64 j, n;

	if (period_final)
		return tick_period_ns;
	j = bpf_jiffies64();
	if (!learn_jiffies) {
		learn_jiffies = j;
		learn_ns = now;
		return 0;
	}
	n = j - learn_jiffies;
	if (n >= PERIOD_LEARN_JIFFIES && now > learn_ns) {
		tick_period_ns = (now - learn_ns) / n;
		if (n >= PERIOD_FINAL_JIFFIES)
			period_final = 1;
	}
	return tick_period_ns;
}

/*
 * A tick late by more than the threshold: interrupts were off from some time
 * after the previous tick ran (prev) until now. Late ticks that land in user
 * mode, where interrupts are always on, were late for another reason.
 */
static __always_inline void irq_off(void *ctx, struct softirq_cpu *s, struct softirq_check *chk, __u64 base,
				    __u64 now, __u64 late, __u64 due, __u64 prev, __u64 period, __u64 stolen,
				    __u64 threshold)
{
	__u64 window = prev && due > prev ? due - prev : 0, ip = interrupted_ip(base);
	struct softirq_event *e = &s->irq_off;

	if (ip && (__s64)ip >= 0) {	/* x86-64 and arm64 kernel addresses have the top bit set */
		chk->user_excused++;
		return;
	}
	if (late - (stolen < late ? stolen : late) <= threshold) {
		chk->steal_excused++;
		return;
	}
	if (window > period)
		window = period;	/* the tick was armed at most one period before it was due */
	__builtin_memset(e, 0, sizeof(*e));
	fill(ctx, e, SOFTIRQ_KIND_IRQ_OFF, now, late - stolen + window / 2, threshold);
	e->irq_ip = ip;
	send(e);
}

SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(softirq_tick, struct hrtimer *timer, ktime_t *basenow)
{
	struct softirq_cpu *s;
	struct softirq_check *chk;
	__u64 now, due, prev, late, period, base, steal, stolen = 0, threshold = off_threshold_ns;
	__u32 pc = 0;

	if (!is_tick((__u64)timer->function))
		return 0;
	s = this_cpu();
	chk = checks_of_cpu();
	if (!s || !chk)
		return 0;
	now = bpf_ktime_get_ns();
	due = timer->node.expires;	/* the tick runs on CLOCK_MONOTONIC, as bpf_ktime_get_ns() */
	prev = s->tick_ns;
	s->tick_ns = now;
	s->tick_due_ns = due;
	chk->ticks++;
	period = tick_period(now);
	base = cpu_base(s, chk);
	steal = steal_clock(base);
	if (steal && s->last_steal_ns && steal > s->last_steal_ns)
		stolen = steal - s->last_steal_ns;
	s->last_steal_ns = steal;
	if (steal)
		chk->steal_ns = steal;
	if (now < ignore_until_ns || !period) {
		s->bh_start_ns = 0;
		s->pending_set = 0;
		return 0;
	}

	late = now > due ? now - due : 0;
	if (late > threshold)
		irq_off(ctx, s, chk, base, now, late, due, prev, period, stolen, threshold);

	/* softirq_off: a run of ticks, each within two periods of the last, with BH disabled */
	if (!base || read_preempt_count(base, &pc))
		return 0;
	chk->ok++;
	if (pc & SOFTIRQ_DISABLE_MASK) {
		if (!s->bh_start_ns || now - s->bh_last_ns > 2 * period) {
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
			s->pending.irq_ip = interrupted_ip(base);
			s->pending_set = 1;
		}
		else if (s->pending_set)
			deeper_stack(ctx, s, base);
		/* ended by a tick with BH on: first to last tick plus half a period at each end */
		if (s->pending_set)
			s->pending.offtime_ns = now - s->bh_start_ns + period;
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
	if (s && !s->raise_ns[i]) {
		s->raise_ns[i] = bpf_ktime_get_ns();
		s->raise_jiffies[i] = bpf_jiffies64();
	}
	return 0;
}

/* Softirqs run now, so bottom halves are enabled: the BH-off streak ended just before. */
static __always_inline void streak_ends(struct softirq_cpu *s)
{
	__u64 now;

	if (s->pending_set) {
		now = bpf_ktime_get_ns();
		s->pending.ktime_ns = now;
		s->pending.offtime_ns = now - s->bh_start_ns + tick_period_ns / 2;
		send(&s->pending);
		s->pending_set = 0;
	}
	s->bh_start_ns = 0;
}

/*
 * Whether a softirq raised at jiffy `raised` surely ran within the threshold,
 * from jiffies alone (no clock read, ~45 ns saved per run): at most dj + 1
 * ticks passed, and the learned period may be off by 1/32 (a 1/16 margin).
 * False while the period is not known.
 */
static __always_inline bool prompt(__u64 raised, __u64 threshold)
{
	__u64 period = tick_period_ns, dj = bpf_jiffies64() - raised;

	return period && (dj + 2) * period + ((dj * period) >> 4) <= threshold;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec)
{
	struct softirq_cpu *s;
	struct softirq_check *chk;
	struct softirq_event *e;
	__u64 now, raised, delay, steal, stolen = 0, threshold = delay_threshold_ns;
	int i = vec == NET_RX_VEC ? 1 : 0;

	s = this_cpu();
	if (!s)
		return 0;
	if (s->bh_start_ns)
		streak_ends(s);
	if (vec != NET_RX_VEC && vec != NET_TX_VEC)
		return 0;
	raised = s->raise_ns[i];
	s->raise_ns[i] = 0;
	if (!raised || prompt(s->raise_jiffies[i], threshold))
		return 0;
	now = bpf_ktime_get_ns();
	if (now - raised <= threshold || now < ignore_until_ns)
		return 0;
	delay = now - raised;
	/*
	 * Steal since the latest tick (at most a period or so ago) is taken out; a
	 * late tick runs first when a vCPU comes back, so steal before the raise is
	 * already in last_steal_ns. Steal between the raise and an earlier tick is
	 * not: it is reported.
	 */
	steal = steal_clock(s->base);
	if (steal && s->last_steal_ns && steal > s->last_steal_ns)
		stolen = steal - s->last_steal_ns;
	if (delay - (stolen < delay ? stolen : delay) <= threshold) {
		chk = checks_of_cpu();
		if (chk)
			chk->steal_excused++;
		return 0;
	}
	delay -= stolen;
	e = &s->delay;
	__builtin_memset(e, 0, sizeof(*e));
	fill(ctx, e, SOFTIRQ_KIND_DELAY, now, delay, threshold);
	e->vector = vec;
	send(e);
	return 0;
}
