/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's own traffic: TCP segments to or from one of its endpoint ports
 * (JMX, Jolokia, Prometheus) in its own network namespace are caused by the
 * daemon or by the clients it serves, never an anomaly to report: a client
 * that hangs up on a stream, a scrape that reaches a restarting daemon. They
 * are counted in own_traffic (the OwnTrafficIgnored attribute) instead. Tested
 * here, before a record is reserved, they cost no ring space, rate-limit budget
 * or daemon work. By port and namespace, not by the current task: drops happen
 * in softirq context on whatever task runs, which may be the daemon's.
 *
 * User space writes own_ports, then own_netns (live .bss); own_netns 0 = no
 * filter. Include after huatuo_tcp.h.
 */
#ifndef HUATUO_OWN_H
#define HUATUO_OWN_H

#define HUATUO_OWN_PORTS 8

__u64 own_netns;			/* inode of the daemon's network namespace */
__u16 own_ports[HUATUO_OWN_PORTS];	/* its TCP ports, 0 = unused */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} own_traffic SEC(".maps");

/* The namespace of the packet's socket, else of its device; 0 if unknown. */
static __always_inline __u64 huatuo_netns(struct sk_buff *skb, struct sock *sk)
{
	struct net_device *dev;

	if (!sk)
		sk = BPF_CORE_READ(skb, sk);
	if (sk)
		return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	dev = BPF_CORE_READ(skb, dev);
	return dev ? BPF_CORE_READ(dev, nd_net.net, ns.inum) : 0;
}

/* True (and counted) when the packet is the daemon's own traffic. */
static __always_inline bool huatuo_own_traffic(struct sk_buff *skb, struct sock *sk)
{
	struct huatuo_tcp_tuple t = {};
	__u32 zero = 0;
	__u64 *n;
	int i;

	if (!own_netns || huatuo_netns(skb, sk) != own_netns || !huatuo_parse_tcp(skb, &t))
		return false;
	for (i = 0; i < HUATUO_OWN_PORTS; i++) {
		__u16 p = own_ports[i];

		if (p && (p == t.sport || p == t.dport)) {
			n = bpf_map_lookup_elem(&own_traffic, &zero);
			if (n)
				(*n)++;
			return true;
		}
	}
	return false;
}

#endif /* HUATUO_OWN_H */
