// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only, never shipped: programs that return at once, on the hooks the
 * daemon's per-packet and per-softirq programs use. Their ns per run under
 * kernel.bpf_stats_enabled is the floor of those hooks (the stats themselves
 * and the call into the program), measured in the same run as ours.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

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
