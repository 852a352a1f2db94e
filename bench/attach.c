// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only, never shipped: loads a BPF object, attaches every program in it
 * (or only the named ones: the others are not loaded either) and holds them
 * until SIGINT or SIGTERM.
 *   attach OBJ [PROGRAM...]   prints "attached N" once the programs are attached
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
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
