// SPDX-License-Identifier: GPL-2.0
/*
 * netrecvlat: TCP packets left waiting on the receive path.
 *
 * Arrival time of a packet = its skb->tstamp at netif_receive_skb when the
 * device or the sender stamped it (converted to CLOCK_MONOTONIC), else the
 * time netif_receive_skb saw it. It is kept in an LRU hash keyed by the skb
 * pointer (plus skb->head, so a recycled address is not mistaken for the old
 * packet) rather than read from skb->tstamp at the later stages:
 *  - past the device skb->tstamp is 0 unless some socket enabled receive
 *    timestamping, a global switch that stamps every packet on the host;
 *  - TCP coalescing merges later segments into the queued skb, and the merged
 *    skb's tstamp is the newest segment's, so a reader asleep for S ms would
 *    be reported with less than S. The skb that stays queued is the oldest
 *    one, and its map entry is the oldest arrival: the time the data waited.
 * Stages: TO_NETIF_RCV (arrival stamp to netif_receive_skb; only with a
 * stamp), TO_TCPV4_RCV (tcp_probe, in tcp_rcv_established), TO_USER_COPY
 * (skb_copy_datagram_iovec, in the reader's context; the entry is dropped).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "include/huatuo.h"
#include "include/huatuo_tcp.h"
#include "netrecvlat.h"

#define SKB_CLOCK_REALTIME_NUM 0
#define SKB_CLOCK_MONOTONIC_NUM 1

char LICENSE[] SEC("license") = "GPL";

struct arrival {
	__u64 ns;		/* CLOCK_MONOTONIC arrival time */
	__u64 head;		/* skb->head when it was stored */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct arrival);
} arrivals SEC(".maps");

/* Thresholds in ns, live: user space writes them when the attributes change. */
volatile __u64 threshold_netif_ns = 5000000;
volatile __u64 threshold_tcp_ns = 10000000;
volatile __u64 threshold_copy_ns = 115000000;
/* CLOCK_REALTIME - CLOCK_MONOTONIC in ns, to convert realtime skb stamps. */
volatile __s64 realtime_offset_ns;

struct netrecvlat_event netrecvlat_event_layout __attribute__((unused));

/* The skb's own stamp as CLOCK_MONOTONIC ns, 0 when it has none usable. */
static __always_inline __u64 stamp_mono(struct sk_buff *skb, __u64 now)
{
	__u64 ts = BPF_CORE_READ(skb, tstamp);
	__u64 type = SKB_CLOCK_REALTIME_NUM;

	if (!ts)
		return 0;
	if (bpf_core_field_exists(skb->tstamp_type))
		type = BPF_CORE_READ_BITFIELD_PROBED(skb, tstamp_type);
	if (type == SKB_CLOCK_REALTIME_NUM)
		ts -= realtime_offset_ns;
	else if (type != SKB_CLOCK_MONOTONIC_NUM)
		return 0;	/* TAI: not worth a conversion here */
	/* EDT stamps of a paced sender can lie in the future; an arrival never does */
	return ts > now ? now : ts;
}

static __always_inline void report(struct sk_buff *skb, struct sock *sk, __u8 where, __u64 latency, __u64 now)
{
	struct huatuo_counters *c = huatuo_counters();
	struct netrecvlat_event *e;

	if (!huatuo_occurrence_allowed(c))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		huatuo_count_lost(c);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = now;
	e->latency_ns = latency;
	e->where = where;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	{
		struct huatuo_tcp_tuple t = {};

		huatuo_parse_tcp(skb, &t);
		HUATUO_COPY_TUPLE(e, t);
	}
	e->pkt_len = BPF_CORE_READ(skb, len);
	if (sk)
		e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	bpf_ringbuf_submit(e, 0);
}

/* Latency at a later stage, or 0 when the packet's arrival is unknown. */
static __always_inline __u64 since_arrival(struct sk_buff *skb, __u64 now, bool forget)
{
	__u64 key = (__u64)skb;
	struct arrival *a = bpf_map_lookup_elem(&arrivals, &key);
	__u64 lat;

	if (!a || a->head != (__u64)BPF_CORE_READ(skb, head))
		return 0;
	lat = now > a->ns ? now - a->ns : 0;
	if (forget)
		bpf_map_delete_elem(&arrivals, &key);
	return lat;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(netrecvlat_netif, struct sk_buff *skb)
{
	__u64 now = bpf_ktime_get_ns(), key = (__u64)skb, stamp;
	struct arrival a;

	if (!huatuo_is_tcp(skb))
		return 0;
	stamp = stamp_mono(skb, now);
	a.ns = stamp ? stamp : now;
	a.head = (__u64)BPF_CORE_READ(skb, head);
	bpf_map_update_elem(&arrivals, &key, &a, BPF_ANY);
	if (stamp && now - stamp > threshold_netif_ns)
		report(skb, NULL, NETRECVLAT_TO_NETIF_RCV, now - stamp, now);
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(netrecvlat_tcp, struct sock *sk, struct sk_buff *skb)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 lat = since_arrival(skb, now, false);

	if (lat > threshold_tcp_ns)
		report(skb, sk, NETRECVLAT_TO_TCPV4_RCV, lat, now);
	return 0;
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(netrecvlat_copy, const struct sk_buff *cskb, int len)
{
	struct sk_buff *skb = (struct sk_buff *)cskb;
	struct sock *sk = BPF_CORE_READ(skb, sk);
	__u64 now, lat;

	/* unix and UDP sockets copy with the same function; only TCP skbs have an arrival */
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != HUATUO_IPPROTO_TCP)
		return 0;
	now = bpf_ktime_get_ns();
	lat = since_arrival(skb, now, true);
	if (lat > threshold_copy_ns)
		report(skb, sk, NETRECVLAT_TO_USER_COPY, lat, now);
	return 0;
}
