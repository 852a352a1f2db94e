// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only event generator, never shipped. Run with BPF_PROG_TEST_RUN: each run
 * writes args[0] dropwatch-shaped records into "events", a ring of the same size as
 * a tracer's. ringgen either reuses the daemon's dropwatch ring for it (the Java
 * pipeline consumes) or keeps its own (the minimal C consumer in ringgen consumes).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "dropwatch.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

__u64 produced;		/* records submitted */
__u64 ring_full;	/* records that found the ring full: lost in the kernel, exactly */

static long emit_one(__u64 i, void *unused)
{
	struct dropwatch_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&ring_full, 1);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->reason = SKB_DROP_REASON_NO_SOCKET;
	e->seq = produced;
	e->pkt_len = 60;
	e->sport = 40008;
	e->dport = 8;
	e->family = 2;			/* AF_INET */
	e->tcp_flags = 0x02;		/* SYN */
	e->saddr[0] = 127; e->saddr[3] = 1;
	e->daddr[0] = 127; e->daddr[3] = 1;
	__builtin_memcpy(e->comm, "huatuo-bench8", 14);
	__builtin_memcpy(e->ifname, "lo", 3);
	bpf_ringbuf_submit(e, 0);
	__sync_fetch_and_add(&produced, 1);
	return 0;
}

SEC("raw_tp")
int bench8_gen(struct bpf_raw_tracepoint_args *ctx)
{
	bpf_loop(ctx->args[0], emit_one, NULL, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
