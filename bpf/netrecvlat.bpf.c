// SPDX-License-Identifier: GPL-2.0
/*
 * netrecvlat: TCP packets left waiting on the receive path.
 *
 * Arrival time of a packet = its skb->tstamp at netif_receive_skb when the
 * device or the sender stamped it (converted to CLOCK_MONOTONIC), else the
 * time netif_receive_skb saw it. It is kept per skb, not read from
 * skb->tstamp at the later stages:
 *  - past the device skb->tstamp is 0 unless some socket enabled receive
 *    timestamping, a global switch that stamps every packet on the host;
 *  - TCP coalescing merges later segments into the queued skb, and the merged
 *    skb's tstamp is the newest segment's, so a reader asleep for S ms would
 *    be reported with less than S. The skb that stays queued is the oldest
 *    one, and its stored arrival is the oldest: the time the data waited.
 * Stages: TO_NETIF_RCV (arrival stamp to netif_receive_skb; only with a
 * stamp), TO_TCPV4_RCV (tcp_probe, in tcp_rcv_established), TO_USER_COPY
 * (skb_copy_datagram_iovec, in the reader's context; the arrival is cleared).
 *
 * Two ways to keep arrivals, picked at load (Probe says which):
 *
 * Per socket (kernels with bpf_sk_storage_get for tracing programs, 5.11+):
 * what TO_USER_COPY needs is the arrival of the oldest unread data of the
 * socket, and only a packet that lands in an empty receive queue (copied_seq
 * == rcv_nxt at tcp_probe, before it is queued) can be that: it is stamped
 * into the socket's own storage, and nothing at all is kept per packet at
 * netif_receive_skb. A copy that leaves data behind moves the stamp to now,
 * so later copies report no more than that data waited since (never more
 * than it waited); data that comes after the queue emptied stamps anew before
 * it is copied. Copies are screened with jiffies first: the clock is read
 * only when the data may have waited over the threshold. When the copy
 * threshold spans 25 ticks or more (the default does), stamps are jiffies
 * alone: no clock read, within a tick no store at either end, and a segment
 * that comes in the jiffy its socket's stamp already says does not look at
 * the queue (the reader's cache line). TO_TCPV4_RCV has no per-packet arrival
 * here: it is measured from the skb's own receive stamp, like TO_NETIF_RCV,
 * and is silent without one.
 *
 * Per packet (the fallback, e.g. 5.10): a plain array indexed by a hash of the
 * address of the skb's data buffer (a direct-mapped cache), not a hash map.
 * A slot is a few loads and stores where the LRU hash it replaced cost ~360
 * ns per netif_receive_skb, but each is a cache and TLB miss in a 6 MiB
 * array (~100 ns here), at every stage. Nothing can leak:
 * packets dropped, coalesced away or read by splice leave a slot behind that
 * the next packet hashing there overwrites; buffers are recycled, so the
 * slots in use stay few. The slot keeps the skb and buffer addresses, so a
 * packet whose slot was taken by another (or whose skb got a new buffer) is
 * simply not measured: a miss, never a wrong latency. Two CPUs writing one
 * slot at once can leave one packet's addresses with the other's arrival,
 * from nearly the same moment; a reader racing a writer sees a latency near
 * 0, below any threshold.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#define HUATUO_RING_BYTES (64 * 1024) /* 96-byte records (huatuo.h) */
#include "include/huatuo.h"
#include "include/huatuo_tcp.h"
#include "include/huatuo_own.h"
#include "netrecvlat.h"

#define SKB_CLOCK_REALTIME_NUM 0
#define SKB_CLOCK_MONOTONIC_NUM 1

char LICENSE[] SEC("license") = "GPL";

/* Thresholds in ns, live: user space writes them when the attributes change. */
volatile __u64 threshold_netif_ns = 5000000;
volatile __u64 threshold_tcp_ns = 10000000;
volatile __u64 threshold_copy_ns = 115000000;
/* CLOCK_REALTIME - CLOCK_MONOTONIC in ns, to convert realtime skb stamps. */
volatile __s64 realtime_offset_ns;

struct netrecvlat_event netrecvlat_event_layout __attribute__((unused));
enum netrecvlat_where netrecvlat_where_layout __attribute__((unused));

/* 5.18-6.10 marked a monotonic (TCP departure) stamp with one bit, 6.11 made it tstamp_type */
struct sk_buff___mono_bit {
	__u8 mono_delivery_time:1;
} __attribute__((preserve_access_index));

/* The skb's own stamp as CLOCK_MONOTONIC ns, unclamped; 0 when it has none usable. */
static __always_inline __u64 stamp_mono_raw(struct sk_buff *skb)
{
	struct sk_buff___mono_bit *old = (void *)skb;
	__u64 ts = skb->tstamp;
	__u64 type = SKB_CLOCK_REALTIME_NUM;

	if (!ts)
		return 0;
	if (bpf_core_field_exists(skb->tstamp_type))
		type = BPF_CORE_READ_BITFIELD(skb, tstamp_type);
	else if (bpf_core_field_exists(old->mono_delivery_time) && BPF_CORE_READ_BITFIELD(old, mono_delivery_time))
		type = SKB_CLOCK_MONOTONIC_NUM;
	if (type == SKB_CLOCK_REALTIME_NUM)
		ts -= realtime_offset_ns;
	else if (type != SKB_CLOCK_MONOTONIC_NUM)
		return 0;	/* TAI: not worth a conversion here */
	return ts;
}

/* The same, at most now: EDT stamps of a paced sender can lie in the future; an arrival never does. */
static __always_inline __u64 stamp_mono(struct sk_buff *skb, __u64 now)
{
	__u64 ts = stamp_mono_raw(skb);

	return ts > now ? now : ts;
}

static __always_inline void report(struct sk_buff *skb, struct sock *sk, __u8 where, __u64 latency, __u64 now)
{
	struct netrecvlat_event *e;

	if (huatuo_own_traffic(skb, sk))
		return;
	HUATUO_RESERVE_OR_RETURN(e, );
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

/* ---- per packet (the fallback) ---- */

/*
 * 2^18 slots of 24 bytes: 6 MiB, as much as the 65536-entry LRU hash it
 * replaced. With 2^16, 3 of 100 readers asleep for 300 ms went unmeasured
 * under loopback iperf3 load (slot taken); with 2^18 none.
 */
#define ARRIVAL_BITS 18

struct arrival {
	__u64 skb;		/* the skb stored here, 0 once its data was copied */
	__u64 head;		/* its skb->head */
	__u64 ns;		/* CLOCK_MONOTONIC arrival time */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << ARRIVAL_BITS);
	__type(key, __u32);
	__type(value, struct arrival);
} arrivals SEC(".maps");

/*
 * An skb's slot: Fibonacci hashing of its data buffer's address, read with a
 * helper because the verifier allows no arithmetic on pointers loaded
 * directly from the skb (the other fields are direct loads).
 */
static __always_inline struct arrival *slot(const struct sk_buff *skb, __u64 *head)
{
	__u32 i;

	*head = (__u64)BPF_CORE_READ(skb, head);
	i = (*head * 0x9E3779B97F4A7C15ULL) >> (64 - ARRIVAL_BITS);
	return bpf_map_lookup_elem(&arrivals, &i);
}

/* Latency at a later stage, or 0 when the packet's arrival is unknown. */
static __always_inline __u64 since_arrival(const struct sk_buff *skb, __u64 now, bool forget)
{
	__u64 head, ns, lat;
	struct arrival *a = slot(skb, &head);

	if (!a || a->skb != (__u64)skb || a->head != head)
		return 0;
	ns = a->ns;
	lat = now > ns ? now - ns : 0;
	if (forget)
		a->skb = 0;	/* a later partial read of the same skb is not the oldest data */
	return lat;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(netrecvlat_slot_netif, struct sk_buff *skb)
{
	__u64 now = bpf_ktime_get_ns(), stamp = stamp_mono(skb, now), head;
	struct arrival *a = slot(skb, &head);

	/*
	 * Every packet, not only TCP: a store is cheaper than looking into the
	 * headers, and only TCP sockets ever look their packets up.
	 */
	if (a) {
		a->skb = (__u64)skb;
		a->head = head;
		a->ns = stamp ? stamp : now;
	}
	if (stamp && now - stamp > threshold_netif_ns && huatuo_is_tcp(skb))
		report(skb, NULL, NETRECVLAT_TO_NETIF_RCV, now - stamp, now);
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(netrecvlat_slot_tcp, struct sock *sk, struct sk_buff *skb)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 lat = since_arrival(skb, now, false);

	if (lat > threshold_tcp_ns)
		report(skb, sk, NETRECVLAT_TO_TCPV4_RCV, lat, now);
	return 0;
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(netrecvlat_slot_copy, const struct sk_buff *cskb, int len)
{
	struct sk_buff *skb = (struct sk_buff *)cskb;
	struct sock *sk = skb->sk;
	__u64 now, lat;

	/* unix and UDP sockets copy with the same function; only TCP is measured */
	if (!sk || sk->sk_protocol != HUATUO_IPPROTO_TCP)
		return 0;
	now = bpf_ktime_get_ns();
	lat = since_arrival(skb, now, true);
	if (lat > threshold_copy_ns)
		report(skb, sk, NETRECVLAT_TO_USER_COPY, lat, now);
	return 0;
}

/* ---- per socket (5.11+) ---- */

/* The arrival of the socket's oldest unread data; ns 0 = none known. */
struct oldest {
	__u64 ns;		/* CLOCK_MONOTONIC, or JIFFIES_ONLY: the jiffy below is the stamp */
	__u64 jiffies;		/* the same moment in jiffies, for the cheap screen at the copy */
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct oldest);
} oldest SEC(".maps");

/*
 * The tick in ns, the unit of jiffies: user space sets it before load (the
 * coarse clocks' resolution). 0 (a loader that did not): no screening and no
 * stamps in jiffies, the clock at every stamp and copy.
 */
__u64 tick_ns;

/* Bytes received in order and not yet read (rcv_nxt - copied_seq). */
static __always_inline __u32 unread(struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	return BPF_CORE_READ(tp, rcv_nxt) - BPF_CORE_READ(tp, copied_seq);
}

/*
 * The same for tcp_probe's socket, a trusted pointer: bpf_skc_to_tcp_sock
 * (5.9+, like the socket storage this path needs) gives a tcp_sock the
 * verifier lets us load from directly, two plain loads instead of two
 * bpf_probe_read_kernel calls. (The copy's skb->sk is an RCU pointer on
 * newer kernels, which the helper does not take.)
 */
static __always_inline __u32 unread_trusted(struct sock *sk)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);

	return tp ? tp->rcv_nxt - tp->copied_seq : 0;
}

/*
 * Stamps in jiffies alone. The clock costs about 30 ns a read on a
 * kvm-clock guest (tracing programs may not read the coarse clock), at
 * every segment that lands in an empty queue; jiffies cost about nothing,
 * and they hold one value for a whole tick, so a stamp that already has it
 * needs no store: the socket's storage line then stays shared between the
 * CPU that receives and the one that reads, instead of moving between them
 * at every packet. A latency counted in ticks is off by less than one tick
 * either way, so they are used only while the copy threshold spans
 * COARSE_TICKS ticks or more (4 % of it at most; 100 ms and up at HZ=250,
 * which covers the default 115 ms), else the clock, and always when the
 * tick is not known.
 */
#define COARSE_TICKS 25
#define JIFFIES_ONLY 1	/* oldest.ns of a stamp in jiffies alone */

static __always_inline bool coarse_stamps(void)
{
	__u64 tick = tick_ns;

	return tick && threshold_copy_ns >= COARSE_TICKS * tick;
}

/* Stamps the socket's oldest unread data as arrived in jiffy j (no store if it already says so). */
static __always_inline void stamp_jiffies(struct oldest *o, __u64 j)
{
	if (o->ns != JIFFIES_ONLY)
		o->ns = JIFFIES_ONLY;
	if (o->jiffies != j)
		o->jiffies = j;
}

/*
 * Each CPU's last clock read and its jiffy. Less than dj + 1 ticks have
 * passed since (dj = jiffies since), so that read plus (dj + 1) ticks, with a
 * 1/64 margin for a late jiffies update, bounds now
 * without reading the clock: a stamp no older than that bound minus the
 * threshold surely did not wait too long. Refreshed at every read here, so
 * in a stream of stamped packets (loopback: TCP stamps each one for pacing)
 * the clock is read about once a tick per CPU instead of at every packet.
 */
struct clock_seen {
	__u64 ns;
	__u64 jiffies;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct clock_seen);
} last_clock SEC(".maps");

/*
 * The skb's own receive stamp as CLOCK_MONOTONIC ns when it may be older than
 * the threshold, with the clock in *now; 0 when it has none or surely is not
 * (no clock read then).
 */
static __always_inline __u64 stamp_if_late(struct sk_buff *skb, __u64 threshold, __u64 j, __u64 *now)
{
	__u64 ts = stamp_mono_raw(skb), tick = tick_ns, dj, bound;
	struct clock_seen *c;
	__u32 zero = 0;

	if (!ts)
		return 0;
	c = bpf_map_lookup_elem(&last_clock, &zero);
	if (c && tick && c->ns) {
		dj = j - c->jiffies;
		if (dj < 64) {	/* a CPU idle longer than that reads the clock anyway */
			bound = (dj + 1) * tick;
			bound += (bound >> 6) + c->ns;
			if (ts + threshold >= bound)
				return 0;
		}
	}
	*now = bpf_ktime_get_ns();
	if (c) {
		c->ns = *now;
		c->jiffies = j;
	}
	return ts > *now ? *now : ts;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(netrecvlat_netif, struct sk_buff *skb)
{
	__u64 now = 0, stamp;

	if (!skb->tstamp)
		return 0;
	stamp = stamp_if_late(skb, threshold_netif_ns, bpf_jiffies64(), &now);
	if (stamp && now - stamp > threshold_netif_ns && huatuo_is_tcp(skb))
		report(skb, NULL, NETRECVLAT_TO_NETIF_RCV, now - stamp, now);
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(netrecvlat_tcp, struct sock *sk, struct sk_buff *skb)
{
	struct tcp_skb_cb *cb = (struct tcp_skb_cb *)skb->cb;
	__u64 now = 0, j = bpf_jiffies64(), stamp_ns = stamp_if_late(skb, threshold_tcp_ns, j, &now);
	struct oldest *o;

	if (stamp_ns && now - stamp_ns > threshold_tcp_ns)
		report(skb, sk, NETRECVLAT_TO_TCPV4_RCV, now - stamp_ns, now);
	/* only data landing in an empty receive queue is the oldest unread data */
	if (cb->end_seq == cb->seq)
		return 0;
	if (coarse_stamps()) {
		o = bpf_sk_storage_get(&oldest, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (!o)
			return 0;
		/*
		 * Stamped in this jiffy already (by an arrival or a copy): an empty
		 * queue would get the same stamp, so the queue is not looked at.
		 * copied_seq is the reader's to write: read just after a copy on
		 * another CPU it costs about 20 ns. A busy reader restamps at its
		 * copies, so this reads it about once a tick; while data waits
		 * unread it is read at every segment, but nobody writes it then.
		 */
		if (o->ns == JIFFIES_ONLY && o->jiffies == j)
			return 0;
		if (!unread_trusted(sk))
			stamp_jiffies(o, j);
		return 0;
	}
	if (unread_trusted(sk))
		return 0;
	o = bpf_sk_storage_get(&oldest, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return 0;
	if (!now)
		now = bpf_ktime_get_ns();
	o->ns = now;
	o->jiffies = j;
	return 0;
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(netrecvlat_copy, const struct sk_buff *cskb, int len)
{
	struct sk_buff *skb = (struct sk_buff *)cskb;
	struct sock *sk = skb->sk;
	struct oldest *o;
	__u64 now, lat, j, tick = tick_ns;
	bool left, screened;

	if (!sk || sk->sk_protocol != HUATUO_IPPROTO_TCP)
		return 0;
	o = bpf_sk_storage_get(&oldest, sk, 0, 0);
	if (!o || !o->ns)
		return 0;
	j = bpf_jiffies64();
	/*
	 * Not waited long (screened with jiffies, no clock read): nothing to
	 * report. Data left behind arrived by now at the latest: its stamp moves
	 * to now. Emptied: with clock stamps nothing to do, not even a store;
	 * data that comes next lands in an empty queue and stamps anew before it
	 * can be copied. With stamps in jiffies the stamp moves to this jiffy
	 * either way (mostly no store, as at tcp_probe), so the queue is not
	 * looked at: data that comes next in this jiffy arrived in it, and in a
	 * later one tcp_probe finds an older stamp and an empty queue.
	 */
	screened = tick && (j - o->jiffies + 2) * tick <= threshold_copy_ns;
	if (screened && coarse_stamps()) {
		stamp_jiffies(o, j);
		return 0;
	}
	/* copied_seq moves past this skb's data after the copy; rcv_nxt holds while the reader owns the socket */
	left = unread(sk) > (__u32)len;
	if (screened && !left)
		return 0;
	now = bpf_ktime_get_ns();
	if (o->ns == JIFFIES_ONLY)
		lat = (j - o->jiffies) * tick;
	else
		lat = now > o->ns ? now - o->ns : 0;
	if (left) {
		/* the data left behind arrived by now: later copies report no more than it waited */
		o->ns = now;
		o->jiffies = j;
	} else {
		o->ns = 0;	/* reported (or the tick is not known): a partial read again is not the oldest */
	}
	if (lat > threshold_copy_ns)
		report(skb, sk, NETRECVLAT_TO_USER_COPY, lat, now);
	return 0;
}
