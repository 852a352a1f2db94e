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

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Writable at run time; 0 is refused by user space, so there is always a limit. */
volatile __u64 max_events_per_sec = 100;

/* One-second window shared by all CPUs; updated with atomics only. */
__u64 rate_window_start_ns;
__u64 rate_window_count;

static __always_inline struct huatuo_counters *huatuo_counters(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&counters, &zero);
}

/*
 * Counts the occurrence and decides whether its detail may go out. A race at
 * the window boundary can let a few extra records through; never fewer, and
 * every occurrence is counted exactly either way.
 */
static __always_inline bool huatuo_occurrence_allowed(struct huatuo_counters *c)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 start = rate_window_start_ns;

	if (c)
		c->occurrences++;
	if (now - start >= NSEC_PER_SEC &&
	    __sync_val_compare_and_swap(&rate_window_start_ns, start, now) == start)
		__sync_lock_test_and_set(&rate_window_count, 0);
	if (__sync_fetch_and_add(&rate_window_count, 1) < max_events_per_sec)
		return true;
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
 * reserves size bytes in the ring. NULL when the detail is rate limited or the
 * ring is full (both counted); otherwise fill and bpf_ringbuf_submit() it.
 */
static __always_inline void *huatuo_reserve_event(__u64 size)
{
	struct huatuo_counters *c = huatuo_counters();
	void *e;

	if (!huatuo_occurrence_allowed(c))
		return NULL;
	e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e)
		huatuo_count_lost(c);
	return e;
}

#endif /* HUATUO_H */
