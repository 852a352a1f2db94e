/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by every huatuo-jmx BPF object: exact occurrence counting, the
 * in-kernel rate limit for detail records, and lost-record accounting.
 *
 * Each tracer object includes this header once. User space reads the per-CPU
 * counters from the "counters" map and writes max_events_per_sec (.data, live
 * mmapped memory) when the MaxEventsPerSecond attribute changes.
 */
#ifndef HUATUO_H
#define HUATUO_H

#define NSEC_PER_SEC 1000000000ULL
#define HUATUO_COMM_LEN 16

/* One per-CPU array entry; the Java side sums the fields over all CPUs. */
struct huatuo_counters {
	__u64 occurrences;	/* every anomaly seen, reported or not */
	__u64 rate_limited;	/* details suppressed by max_events_per_sec */
	__u64 lost;		/* ring buffer full: the record could not be reserved */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct huatuo_counters);
} counters SEC(".maps");

/*
 * The records' ring. User space maps its data pages twice (they count twice in
 * the daemon's RSS) and the kernel keeps them for the object's life, so each
 * object sizes it for its records: 2 s of them at the default rate limit (100
 * a second), rounded up to a power of two (the kernel's rule) within 64 ..
 * 256 KiB. A full ring is counted (lost), never silent. A raised rate limit
 * gets a larger ring at load (BpfTracer.ringBytes).
 */
#ifndef HUATUO_RING_BYTES
#define HUATUO_RING_BYTES (256 * 1024)
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, HUATUO_RING_BYTES);
} events SEC(".maps");

/*
 * x & mask, kept in the program even where clang can prove it redundant: the
 * verifier (older ones especially) needs to see the bound, e.g. on a length or
 * an index it cannot derive from a min() or a compare on another register.
 */
#define huatuo_mask(x, mask) ({							\
	__u32 __v = (x);							\
	asm volatile("%[v] &= %[m]" : [v] "+r"(__v) : [m] "i"(mask));		\
	__v;									\
})

/* Writable at run time; 0 is refused by user space, so there is always a limit. */
volatile __u64 max_events_per_sec = 100;

/*
 * The rate limit's one-second windows, shared by all CPUs: the window number
 * (ktime / 1 s) and the details let out in it, one slot per window parity so
 * that a new window starts without touching the count of the one before.
 * Only plain loads and stores and the non-fetching atomic add: kernels before
 * 5.12 reject every program that holds a fetching atomic (compare-and-swap,
 * exchange, fetch-and-add whose result is used), even in dead code.
 */
__u64 rate_window[2];
__u64 rate_window_count[2];

static __always_inline struct huatuo_counters *huatuo_counters(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&counters, &zero);
}

/*
 * Counts the occurrence and decides whether its detail may go out. CPUs that
 * race at a window's start or read the count together can let a few extra
 * records through; never fewer, and every occurrence is counted exactly either way.
 */
static __always_inline bool huatuo_occurrence_allowed(struct huatuo_counters *c)
{
	__u64 window = bpf_ktime_get_ns() / NSEC_PER_SEC;
	__u32 slot = window & 1;

	if (c)
		c->occurrences++;
	if (rate_window[slot] != window) {
		rate_window[slot] = window;
		rate_window_count[slot] = 0;
	}
	if (rate_window_count[slot] < max_events_per_sec) {
		__sync_fetch_and_add(&rate_window_count[slot], 1);	/* result unused: a plain atomic add */
		return true;
	}
	if (c)
		c->rate_limited++;
	return false;
}

static __always_inline void huatuo_count_lost(struct huatuo_counters *c)
{
	if (c)
		c->lost++;
}

/*
 * One occurrence with a detail record: counts it, applies the rate limit and
 * reserves sizeof(*e) bytes of the ring into e; when the detail is rate
 * limited or the ring is full (both counted), the calling program returns ret.
 * Otherwise fill *e and bpf_ringbuf_submit() it.
 *
 * A macro, so that the one NULL check of the record is the one the program
 * branches on: 6.1's verifier does not carry "not NULL" from one check of a
 * ring buffer record to a second one (the caller's after a helper's), follows
 * the impossible branch and rejects the program with "Unreleased reference".
 */
#define HUATUO_RESERVE_OR_RETURN(e, ret)						\
	do {										\
		struct huatuo_counters *__c = huatuo_counters();			\
											\
		if (!huatuo_occurrence_allowed(__c))					\
			return ret;							\
		(e) = bpf_ringbuf_reserve(&events, sizeof(*(e)), 0);			\
		if (!(e)) {								\
			huatuo_count_lost(__c);						\
			return ret;							\
		}									\
	} while (0)

#endif /* HUATUO_H */
