// load-each OBJ...: loads every BPF program of each object on its own (the others' autoload off) and
// prints one line per program, "ok" or the error with the last lines of the verifier's log, so the
// reason behind a tracer's UNAVAILABLE is visible per program on every kernel of the matrix.
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char log_buf[1 << 16];
static size_t log_len;

static int keep_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_DEBUG && log_len < sizeof(log_buf) - 1) {
		int n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, args);
		log_len = n < 0 ? log_len : log_len + n;
		if (log_len > sizeof(log_buf) - 1)
			log_len = sizeof(log_buf) - 1;
	}
	return 0;
}

static void print_tail(int lines)
{
	char *p = log_buf + log_len;
	int seen = 0;

	while (p > log_buf && seen <= lines)
		if (*--p == '\n')
			seen++;
	for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n"))
		printf("      %s\n", line);
}

int main(int argc, char **argv)
{
	libbpf_set_print(keep_log);
	for (int i = 1; i < argc; i++) {
		struct bpf_object *obj = bpf_object__open_file(argv[i], NULL);
		struct bpf_program *prog;
		char names[64][64];
		int n = 0;

		if (!obj) {
			printf("%s: cannot open\n", argv[i]);
			continue;
		}
		bpf_object__for_each_program(prog, obj)
			if (n < 64)
				snprintf(names[n++], sizeof(names[0]), "%s", bpf_program__name(prog));
		bpf_object__close(obj);
		printf("%s\n", strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i]);
		for (int k = 0; k < n; k++) {
			const char *section = "";
			int err;

			obj = bpf_object__open_file(argv[i], NULL);
			bpf_object__for_each_program(prog, obj) {
				int me = strcmp(bpf_program__name(prog), names[k]) == 0;

				bpf_program__set_autoload(prog, me);
				if (me)
					section = bpf_program__section_name(prog);
			}
			log_len = 0;
			log_buf[0] = 0;
			err = bpf_object__load(obj);
			printf("    %-24s %-36s %s\n", names[k], section, err ? strerror(-err) : "ok");
			if (err)
				print_tail(14);
			bpf_object__close(obj);
		}
	}
	return 0;
}
