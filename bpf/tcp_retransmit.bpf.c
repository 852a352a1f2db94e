// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_retransmit: TCP segments retransmitted (timeouts, fast retransmits,
 * loss probes, SYN retries), with the socket's state and counters.
 *
 * Hook tp_btf/tcp_retransmit_skb. Since Linux 6.17 the tracepoint also passes
 * err, the result of the attempt, and fires for attempts the kernel gave up on
 * (e.g. -EBUSY: the original still sits in a qdisc or driver queue); before,
 * it fired only for sent segments. One program per shape: the verifier refuses
 * a program reading an argument the tracepoint does not have, so user space
 * tries tcp_retransmit_err first.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#define HUATUO_RING_BYTES (64 * 1024) /* 112-byte records (huatuo.h) */
#include "include/huatuo.h"
#include "include/huatuo_tcp.h"
#include "tcp_retransmit.h"

char LICENSE[] SEC("license") = "GPL";

/* Keeps the record type in the object's BTF for the Java decoder. */
struct tcp_retransmit_event tcp_retransmit_event_layout __attribute__((unused));

static __always_inline int handle_retransmit(const struct sock *sk, const struct sk_buff *skb, int err)
{
	const struct inet_connection_sock *icsk = (const void *)sk;
	const struct tcp_sock *tp = (const void *)sk;
	struct tcp_retransmit_event *e;

	if (!sk)
		return 0;
	HUATUO_RESERVE_OR_RETURN(e, 0);
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->err = err;
	bpf_get_current_comm(e->comm, sizeof(e->comm));

	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	if (e->family == HUATUO_AF_INET6) {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr);
	} else {
		BPF_CORE_READ_INTO((__u32 *)e->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->daddr, sk, __sk_common.skc_daddr);
	}

	/* a bitfield whose width changed between kernels: let CO-RE find it */
	e->ca_state = BPF_CORE_READ_BITFIELD_PROBED(icsk, icsk_ca_state);
	e->retransmits = BPF_CORE_READ(icsk, icsk_retransmits);
	e->total_retrans = BPF_CORE_READ(tp, total_retrans);
	e->ack_seq = BPF_CORE_READ(tp, rcv_nxt);
	e->snd_una = BPF_CORE_READ(tp, snd_una);

	if (skb) {
		/* TCP keeps its per-segment control block in skb->cb */
		const struct tcp_skb_cb *cb = (const void *)&skb->cb;

		e->seq = BPF_CORE_READ(cb, seq);
		e->end_seq = BPF_CORE_READ(cb, end_seq);
		/* u8 on older kernels, u16 on newer ones: read with the kernel's width */
		e->tcp_flags = BPF_CORE_READ_BITFIELD_PROBED(cb, tcp_flags);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_err, const struct sock *sk, const struct sk_buff *skb, int err)
{
	return handle_retransmit(sk, skb, err);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit, const struct sock *sk, const struct sk_buff *skb)
{
	return handle_retransmit(sk, skb, 0);
}
