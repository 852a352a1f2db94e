// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only, never shipped: the floor and the parts of the daemon's hot
 * programs, on the hooks they use.
 *  - floor_*: programs that return at once. Their ns per run under
 *    kernel.bpf_stats_enabled is the floor of a hook (the statistics
 *    themselves, which read the clock twice per run, and the call into the
 *    program), measured in the same run as ours.
 *  - the others do one thing each that our programs do per packet or per
 *    softirq: read the clock, read jiffies, look up (tcp: get or create, as
 *    netrecvlat's tcp stage does) the socket's storage. Their ns per run minus
 *    the floor of the same hook is what that one thing costs on this machine.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* results go here, so that the compiler keeps the calls */
volatile __u64 sink;

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} storage SEC(".maps");

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(floor_netif, struct sk_buff *skb) { return 0; }

SEC("tp_btf/tcp_probe")
int BPF_PROG(floor_tcp, struct sock *sk, struct sk_buff *skb) { return 0; }

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(floor_copy, const struct sk_buff *skb, int len) { return 0; }

SEC("tp_btf/softirq_raise")
int BPF_PROG(floor_raise, unsigned int vec) { return 0; }

SEC("tp_btf/softirq_entry")
int BPF_PROG(floor_entry, unsigned int vec) { return 0; }

SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(floor_tick, struct hrtimer *timer, ktime_t *now) { return 0; }

SEC("tp_btf/softirq_raise")
int BPF_PROG(clock_raise, unsigned int vec)
{
	sink = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/softirq_raise")
int BPF_PROG(jiffies_raise, unsigned int vec)
{
	sink = bpf_jiffies64();
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(skstore_tcp, struct sock *sk, struct sk_buff *skb)
{
	__u64 *v = bpf_sk_storage_get(&storage, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);

	if (v)
		*v = 1;
	return 0;
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(skstore_copy, const struct sk_buff *skb, int len)
{
	struct sock *sk = skb->sk;
	__u64 *v;

	if (!sk || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	v = bpf_sk_storage_get(&storage, sk, 0, 0);
	if (v)
		sink = *v;
	return 0;
}
