/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netrecvlat record: one TCP packet that waited longer than its stage's
 * threshold on the receive path. Shared by netrecvlat.bpf.c and the Java
 * decoder, which reads every offset from this struct's BTF.
 */
#ifndef NETRECVLAT_H
#define NETRECVLAT_H

enum netrecvlat_where {
	NETRECVLAT_TO_NETIF_RCV = 0,
	NETRECVLAT_TO_TCPV4_RCV = 1,
	NETRECVLAT_TO_USER_COPY = 2,
};

struct netrecvlat_event {
	__u64 ktime_ns;			/* CLOCK_MONOTONIC time of the measurement */
	__u64 latency_ns;		/* since the packet's arrival time (see netrecvlat.bpf.c) */
	__u32 pid;			/* tgid of the current task (the reader at TO_USER_COPY) */
	__u32 seq;
	__u32 ack_seq;
	__u32 pkt_len;			/* skb->len at the stage */
	__u16 sport;			/* host byte order, as in the packet */
	__u16 dport;
	__u8 family;			/* AF_INET or AF_INET6 */
	__u8 state;			/* TCP state of the socket, 0 when there is none */
	__u8 where;			/* NETRECVLAT_TO_* */
	__u8 pad;
	__u8 saddr[16];			/* 4 bytes used for AF_INET */
	__u8 daddr[16];
	char comm[16];
};

#endif /* NETRECVLAT_H */
