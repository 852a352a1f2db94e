// SPDX-License-Identifier: GPL-2.0
/*
 * dropwatch: TCP packets dropped inside the kernel.
 *
 * Primary hook tp_btf/kfree_skb, in the shape of the running kernel's
 * tracepoint: (skb, location, reason, rx_sk) since 6.11, (skb, location,
 * reason) since 5.17, (skb, location) before: a tp_btf program may not read an
 * argument the tracepoint does not have. User space enables exactly one of
 * the programs before load. (No classic-tracepoint fallback: it would attach
 * through a perf event, which Debian's perf_event_paranoid=3 refuses to the
 * service, and every supported kernel loads one of these.)
 * Without drop reasons (before 5.17) every drop carries reason 0 and user
 * space, which finds no enum skb_drop_reason in the kernel's BTF, reports none.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "include/huatuo.h"
#include "include/huatuo_tcp.h"
#include "include/huatuo_own.h"
#include "dropwatch.h"


char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dropwatch_reason_counts);
} reason_counts SEC(".maps");

/* 1 = a normal-teardown reason that is counted but not reported. Written by user space. */
__u8 excluded_reason[DROPWATCH_MAX_REASONS];

/*
 * NOT_SPECIFIED, or ~0 when such drops are reported: tcp_v4_rcv frees every segment a TIME_WAIT socket
 * received and answered (the peer's late FIN or ACK) without a reason. Written by user space.
 */
__u32 time_wait_reason = ~0U;

/*
 * NO_SOCKET, or ~0 when such drops are reported: a segment that neither opens a connection (SYN) nor
 * carries data, found no socket. That is a late ACK, FIN or RST of a connection this host has already
 * closed, e.g. one that crossed the reset of an aborting socket (on loopback, a segment waiting in
 * another CPU's backlog). The kernel answers it with a reset unless it is one. Written by user space.
 */
__u32 late_segment_reason = ~0U;

/* *_layout anchors keep these types in the object's BTF, where bpf/btf2java.py generates the Java side from. */
struct dropwatch_event dropwatch_event_layout __attribute__((unused));
enum dropwatch_limits dropwatch_limits_layout __attribute__((unused));

static __always_inline __u32 reason_slot(__u32 reason)
{
	return huatuo_mask(reason < DROPWATCH_MAX_REASONS ? reason : DROPWATCH_MAX_REASONS - 1,
			   DROPWATCH_MAX_REASONS - 1);
}

static __always_inline int handle_drop(void *ctx, struct sk_buff *skb, __u32 reason, struct sock *rx_sk)
{
	struct dropwatch_reason_counts *rc;
	struct huatuo_tcp_tuple t = {};
	struct dropwatch_event *e;
	struct net_device *dev;
	struct sock *sk;
	__u32 zero = 0, slot;
	long n;

	if (!skb || !huatuo_is_tcp(skb))
		return 0;
	slot = reason_slot(reason);
	rc = bpf_map_lookup_elem(&reason_counts, &zero);
	if (rc)
		rc->count[slot]++;
	if (excluded_reason[slot])
		return 0;
	if (reason == time_wait_reason) {
		sk = BPF_CORE_READ(skb, sk);
		if (!sk)
			sk = rx_sk;
		if (sk && BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_TIME_WAIT)
			return 0;
	}
	huatuo_parse_tcp(skb, &t);
	if (reason == late_segment_reason && !(t.tcp_flags & HUATUO_TCP_SYN) && t.payload_bytes == 0)
		return 0;	/* a late bare ACK, FIN or RST: see late_segment_reason */
	if (huatuo_own_traffic(skb, rx_sk))
		return 0;
	HUATUO_RESERVE_OR_RETURN(e, 0);
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->reason = reason;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	HUATUO_COPY_TUPLE(e, t);
	e->tcp_flags = t.tcp_flags;
	e->pkt_len = BPF_CORE_READ(skb, len);
	e->queue_mapping = BPF_CORE_READ(skb, queue_mapping);

	sk = BPF_CORE_READ(skb, sk);
	if (!sk)
		sk = rx_sk;
	dev = BPF_CORE_READ(skb, dev);
	if (sk) {
		e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
		e->max_ack_backlog = BPF_CORE_READ(sk, sk_max_ack_backlog);
		e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	}
	if (dev) {
		e->ifindex = BPF_CORE_READ(dev, ifindex);
		BPF_CORE_READ_STR_INTO(&e->ifname, dev, name);
		if (!e->netns)
			e->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	}
	n = bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0);
	e->stack_bytes = n > 0 ? n : 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(dropwatch_btf, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	return handle_drop(ctx, skb, reason, rx_sk);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(dropwatch_btf_reason, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	return handle_drop(ctx, skb, reason, NULL);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(dropwatch_btf_noreason, struct sk_buff *skb, void *location)
{
	return handle_drop(ctx, skb, 0, NULL);
}
