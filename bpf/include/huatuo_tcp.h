/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the IP and TCP headers of an skb, for tracers that report TCP
 * packets (dropwatch, netrecvlat). Include after vmlinux.h and the libbpf
 * headers.
 */
#ifndef HUATUO_TCP_H
#define HUATUO_TCP_H

#define HUATUO_ETH_P_IP 0x0800
#define HUATUO_ETH_P_IPV6 0x86DD
#define HUATUO_IPPROTO_TCP 6
#define HUATUO_TCP_SYN 0x02	/* in the TCP header's flags byte */
#define HUATUO_AF_INET 2
#define HUATUO_AF_INET6 10

struct huatuo_tcp_tuple {
	__u32 seq;
	__u32 ack_seq;
	__u32 payload_bytes;	/* TCP data, from the IP length; ~0 when it does not say (BIG TCP) */
	__u16 sport;		/* host byte order */
	__u16 dport;
	__u8 family;		/* AF_INET or AF_INET6, 0 when not IP */
	__u8 tcp_flags;
	__u8 saddr[16];		/* 4 bytes used for AF_INET */
	__u8 daddr[16];
};

/* Fills t (zeroed by the caller) as far as it can; returns false when the packet is not TCP. */
static __always_inline bool huatuo_parse_tcp(struct sk_buff *skb, struct huatuo_tcp_tuple *t)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	struct tcphdr tcp;
	__u32 ip_payload;

	if (proto == HUATUO_ETH_P_IP) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh) || ip.protocol != HUATUO_IPPROTO_TCP)
			return false;
		ip_payload = bpf_ntohs(ip.tot_len) - ip.ihl * 4;	/* wraps for BIG TCP's 0: caught below */
		t->family = HUATUO_AF_INET;
		__builtin_memcpy(t->saddr, &ip.saddr, 4);
		__builtin_memcpy(t->daddr, &ip.daddr, 4);
		/* transport_header is ~0 until the stack sets it (e.g. on the output path) */
		if (th == (__u16)~0U || th <= nh)
			th = nh + ip.ihl * 4;
	} else if (proto == HUATUO_ETH_P_IPV6) {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh) || ip6.nexthdr != HUATUO_IPPROTO_TCP)
			return false;
		ip_payload = bpf_ntohs(ip6.payload_len);
		t->family = HUATUO_AF_INET6;
		__builtin_memcpy(t->saddr, &ip6.saddr, 16);
		__builtin_memcpy(t->daddr, &ip6.daddr, 16);
		if (th == (__u16)~0U || th <= nh)
			th = nh + sizeof(ip6);
	} else {
		return false;
	}
	if (bpf_probe_read_kernel(&tcp, sizeof(tcp), head + th))
		return false;
	t->sport = bpf_ntohs(tcp.source);
	t->dport = bpf_ntohs(tcp.dest);
	t->seq = bpf_ntohl(tcp.seq);
	t->ack_seq = bpf_ntohl(tcp.ack_seq);
	t->tcp_flags = ((__u8 *)&tcp)[13];
	t->payload_bytes = ip_payload >= tcp.doff * 4 && ip_payload <= 0xffff ? ip_payload - tcp.doff * 4 : ~0U;
	return true;
}

/* Cheap check before anything is reserved or stored. */
static __always_inline bool huatuo_is_tcp(struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	__u8 l4 = 0;

	if (proto == HUATUO_ETH_P_IP)
		bpf_probe_read_kernel(&l4, 1, head + nh + offsetof(struct iphdr, protocol));
	else if (proto == HUATUO_ETH_P_IPV6)
		bpf_probe_read_kernel(&l4, 1, head + nh + offsetof(struct ipv6hdr, nexthdr));
	return l4 == HUATUO_IPPROTO_TCP;
}

/* Copies a tuple into a record with the same member names. */
#define HUATUO_COPY_TUPLE(e, t)						\
	do {								\
		(e)->family = (t).family;				\
		(e)->sport = (t).sport;					\
		(e)->dport = (t).dport;					\
		(e)->seq = (t).seq;					\
		(e)->ack_seq = (t).ack_seq;				\
		__builtin_memcpy((e)->saddr, (t).saddr, 16);		\
		__builtin_memcpy((e)->daddr, (t).daddr, 16);		\
	} while (0)

#endif /* HUATUO_TCP_H */
