// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only driver for gen.bpf.o, never shipped.
 *   ringgen OBJ --map-id ID RATE SECONDS   fill the ring with that id (the daemon's dropwatch
 *                                          ring: the Java pipeline consumes)
 *   ringgen OBJ --consume BYTES RATE SECONDS  own ring of BYTES ("-": as compiled, 256 KiB),
 *                                          drained by the minimal C consumer below
 * Emits RATE records/s for SECONDS in batches of at most 64 and prints
 *   produced=N ring_full=N consumed=N caught_up_ms=N
 * (consumed/caught_up_ms only with --consume: records read, and how long after the last
 * record was written the consumer had read them all, -1 if not within 1 s).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_ulong consumed;
static atomic_int stop;

static unsigned long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* The minimal consumer: one field read per record, one counter. */
static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (len >= 24 && ((unsigned int *)data)[4] != 0xffffffffu)
		atomic_fetch_add_explicit(&consumed, 1, memory_order_relaxed);
	return 0;
}

static void *consume(void *arg)
{
	struct ring_buffer *rb = arg;

	while (!atomic_load(&stop))
		ring_buffer__poll(rb, 100);
	ring_buffer__consume(rb);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 6 || (strcmp(argv[2], "--map-id") && strcmp(argv[2], "--consume"))) {
		fprintf(stderr, "usage: ringgen OBJ --map-id ID|--consume BYTES|- RATE SECONDS\n");
		return 2;
	}
	int own = !strcmp(argv[2], "--consume");
	double rate = atof(argv[4]), seconds = atof(argv[5]);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct bpf_map *ring = bpf_object__find_map_by_name(obj, "events");
	if (own && strcmp(argv[3], "-") && bpf_map__set_max_entries(ring, (__u32)atol(argv[3]))) {
		fprintf(stderr, "ring of %s bytes: %s\n", argv[3], strerror(errno));
		return 1;
	}
	if (!own) {
		int fd = bpf_map_get_fd_by_id(atoi(argv[3]));
		if (fd < 0 || bpf_map__reuse_fd(ring, fd)) {
			fprintf(stderr, "map id %s: %s\n", argv[3], strerror(errno));
			return 1;
		}
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "load %s failed\n", argv[1]);
		return 1;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "bench8_gen");
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	int pfd = bpf_program__fd(prog);
	pthread_t consumer;
	struct ring_buffer *rb = NULL;
	if (own) {
		rb = ring_buffer__new(bpf_map__fd(ring), on_record, NULL, NULL);
		if (!rb || pthread_create(&consumer, NULL, consume, rb)) {
			fprintf(stderr, "ring consumer: %s\n", strerror(errno));
			return 1;
		}
	}

	unsigned long long start = now_ns(), sent = 0;
	unsigned long long total = (unsigned long long)(rate * seconds);
	while (sent < total) {
		unsigned long long due = (unsigned long long)(rate * (now_ns() - start) / 1e9);
		if (due > total)
			due = total;
		if (due > sent) {
			/* small batches, so a batch never fills the ring on its own */
			__u64 args[1] = { due - sent < 64 ? due - sent : 64 };
			LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
			if (bpf_prog_test_run_opts(pfd, &opts)) {
				fprintf(stderr, "test run: %s\n", strerror(errno));
				return 1;
			}
			sent += args[0];
			continue;
		}
		struct timespec tick = { 0, 50000 };
		nanosleep(&tick, NULL);
	}
	unsigned long long end = now_ns();

	struct { __u64 produced, ring_full; } c;
	__u32 zero = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(bss), &zero, &c)) {
		fprintf(stderr, "read counters: %s\n", strerror(errno));
		return 1;
	}
	long caught_up_ms = -1;
	if (own) {
		while (now_ns() - end < 1000000000ULL) {
			if (atomic_load(&consumed) >= c.produced) {
				caught_up_ms = (now_ns() - end) / 1000000;
				break;
			}
			usleep(1000);
		}
		atomic_store(&stop, 1);
		pthread_join(consumer, NULL);
		ring_buffer__free(rb);
	}
	printf("produced=%llu ring_full=%llu consumed=%lu caught_up_ms=%ld\n", (unsigned long long)c.produced,
	       (unsigned long long)c.ring_full, own ? atomic_load(&consumed) : 0UL, caught_up_ms);
	bpf_object__close(obj);
	return 0;
}
