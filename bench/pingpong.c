// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only, never shipped: request/response latency over loopback TCP, what
 * a service feels. A server thread echoes each 1-byte request; the client
 * sends N requests one at a time (TCP_NODELAY), times each round trip with
 * CLOCK_MONOTONIC and prints the percentiles in microseconds.
 *   pingpong PORT N     prints "p50_us=X p99_us=Y n=N"
 * The first 1 % of round trips warm up and are not counted.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int listener;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void *echo(void *arg)
{
	int one = 1, c = accept(listener, NULL, NULL);
	char b;

	(void)arg;
	if (c < 0)
		die("accept");
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (read(c, &b, 1) == 1)
		if (write(c, &b, 1) != 1)
			break;
	close(c);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, s, n, warm, i;
	struct timespec t0, t1;
	pthread_t th;
	double *us;
	char b = 'x';

	if (argc != 3 || (n = atoi(argv[2])) < 100) {
		fprintf(stderr, "usage: pingpong PORT N (N >= 100)\n");
		return 2;
	}
	a.sin_port = htons(atoi(argv[1]));
	listener = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listener, (struct sockaddr *)&a, sizeof(a)) || listen(listener, 1))
		die("listen");
	pthread_create(&th, NULL, echo, NULL);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	warm = n / 100;
	us = calloc(n, sizeof(*us));
	for (i = 0; i < warm + n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (write(s, &b, 1) != 1 || read(s, &b, 1) != 1)
			die("round trip");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (i >= warm)
			us[i - warm] = (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3;
	}
	close(s);
	pthread_join(th, NULL);
	qsort(us, n, sizeof(*us), cmp);
	printf("p50_us=%.1f p99_us=%.1f n=%d\n", us[n / 2], us[(int)(n * 0.99)], n);
	return 0;
}
