// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only, never shipped: loads a BPF object, attaches every program in it
 * and holds them until SIGINT or SIGTERM.
 *   attach OBJ        prints "attached N" once every program is attached
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void quit(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: attach OBJ\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
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
