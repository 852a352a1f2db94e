// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only, never shipped: loads a BPF object, attaches every program in it
 * (or only the named ones: the others are not loaded either) and holds them
 * until SIGINT or SIGTERM. A global tick_ns (netrecvlat's) gets the kernel's
 * tick before load, as the daemon sets it.
 *   attach OBJ [PROGRAM...]   prints "attached N" once the programs are attached
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void quit(int sig)
{
	(void)sig;
}

static bool named(struct bpf_program *prog, int n, char **names)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(bpf_program__name(prog), names[i]))
			return true;
	return false;
}

/* Sets the u64 global tick_ns in .bss to the tick (the coarse clocks' resolution), if there is one. */
static void set_tick(struct bpf_object *obj)
{
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *v;
	const struct btf_type *sec;
	struct timespec res;
	const char *data;
	size_t size;
	uint64_t tick;
	int id;

	if (!bss || !btf || clock_getres(CLOCK_MONOTONIC_COARSE, &res))
		return;
	id = btf__find_by_name_kind(btf, ".bss", BTF_KIND_DATASEC);
	data = bpf_map__initial_value(bss, &size);
	if (id < 0 || !data)
		return;
	sec = btf__type_by_id(btf, id);
	v = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, v++) {
		const char *name = btf__name_by_offset(btf, btf__type_by_id(btf, v->type)->name_off);

		if (!strcmp(name, "tick_ns") && v->size == sizeof(tick) && v->offset + sizeof(tick) <= size) {
			char *copy = malloc(size);

			if (!copy)
				return;
			tick = (uint64_t)res.tv_sec * 1000000000 + res.tv_nsec;
			memcpy(copy, data, size);
			memcpy(copy + v->offset, &tick, sizeof(tick));
			bpf_map__set_initial_value(bss, copy, size);
			free(copy);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	int n = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: attach OBJ [PROGRAM...]\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		goto fail;
	if (argc > 2)
		bpf_object__for_each_program(prog, obj)
			bpf_program__set_autoload(prog, named(prog, argc - 2, argv + 2));
	set_tick(obj);
	if (bpf_object__load(obj)) {
fail:
		fprintf(stderr, "load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog))
			continue;
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "attach %s: %s\n", bpf_program__name(prog), strerror(errno));
			return 1;
		}
		n++;
	}
	printf("attached %d\n", n);
	fflush(stdout);
	struct sigaction sa = { .sa_handler = quit };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pause();
	return 0;
}
