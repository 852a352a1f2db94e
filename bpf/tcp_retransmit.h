/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_retransmit record: one retransmission of a TCP segment (or an attempt
 * the kernel gave up on, where the tracepoint says so). Shared by
 * tcp_retransmit.bpf.c and the Java decoder.
 */
#ifndef TCP_RETRANSMIT_H
#define TCP_RETRANSMIT_H

struct tcp_retransmit_event {
	__u64 ktime_ns;			/* CLOCK_MONOTONIC time of the retransmission */
	__u64 netns;			/* network namespace inode of the socket */
	__u32 pid;			/* tgid of the current task (often a timer softirq's victim) */
	__s32 err;			/* the kernel's result: 0 sent, -errno not sent; 0 where the tracepoint has no err */
	__u32 seq;			/* first sequence number of the segment */
	__u32 end_seq;			/* sequence number after it (SYN and FIN count one) */
	__u32 ack_seq;			/* rcv_nxt: what the segment acknowledges */
	__u32 snd_una;			/* oldest unacknowledged sequence number */
	__u32 total_retrans;		/* segments this socket retransmitted so far, this one included */
	__u16 sport;			/* host byte order */
	__u16 dport;
	__u16 tcp_flags;		/* of the segment: FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 ... */
	__u8 family;			/* AF_INET or AF_INET6 */
	__u8 state;			/* TCP state of the socket */
	__u8 ca_state;			/* congestion-avoidance state: 0 Open .. 4 Loss */
	__u8 retransmits;		/* icsk_retransmits: timeouts in a row without progress */
	__u8 pad[2];
	__u8 saddr[16];			/* 4 bytes used for AF_INET */
	__u8 daddr[16];
	char comm[16];
};

#endif /* TCP_RETRANSMIT_H */
