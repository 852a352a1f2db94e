// SPDX-License-Identifier: GPL-2.0
/*
 * spinner: TEST-ONLY. Burns CPU inside the kernel for a bounded time, to
 * provoke the stall tracers for real. Never shipped.
 *   spin_bh      tp_btf/net_dev_queue runs under rcu_read_lock_bh(): softirqs off
 *   spin_irqoff  tp_btf/softirq_raise(NET_RX) raised by enqueue_to_backlog with
 *                hard interrupts off
 *   spin_now     raw_tp run through BPF_PROG_TEST_RUN: preemption off (soft lockup)
 * spin_bh and spin_irqoff act only for target_tgid and only while budget > 0.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define NET_RX_VEC 3

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 spin_ns = 1000000;
const volatile __u32 target_tgid;
__u32 budget;			/* spins left for spin_bh/spin_irqoff, set after load */
__u64 spun_ns;			/* the last spin, measured */

struct deadline {
	__u64 end_ns;
};

static long inner(__u64 i, struct deadline *d)
{
	return bpf_ktime_get_ns() >= d->end_ns;
}

static long outer(__u64 i, struct deadline *d)
{
	bpf_loop(1 << 16, inner, d, 0);
	return bpf_ktime_get_ns() >= d->end_ns;
}

static __always_inline void spin(void)
{
	__u64 t0 = bpf_ktime_get_ns();
	struct deadline d = { .end_ns = t0 + spin_ns };

	bpf_loop(1 << 20, outer, &d, 0);
	spun_ns = bpf_ktime_get_ns() - t0;
}

static __always_inline bool take_turn(void)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != target_tgid || budget == 0)
		return false;
	budget--;		/* one target process: no race worth an atomic */
	return true;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(spin_bh, struct sk_buff *skb)
{
	if (take_turn())
		spin();
	return 0;
}

SEC("tp_btf/softirq_raise")
int BPF_PROG(spin_irqoff, unsigned int vec)
{
	if (vec == NET_RX_VEC && take_turn())
		spin();
	return 0;
}

SEC("raw_tp")
int spin_now(void *ctx)
{
	spin();
	return 0;
}
