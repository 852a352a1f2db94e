// SPDX-License-Identifier: GPL-2.0
/* Natives of io.huatuo.jmx.bpf.BpfNative: a thin layer over the system libbpf.
 *
 * Conventions: arguments are primitives (handles as jlong, fds as jint, buffer
 * addresses as jlong), plus names as jstring and small data as jbyteArray copied
 * at the boundary; results are >= 0 or -errno. Nothing here throws, except a
 * pending OutOfMemoryError from the JVM itself. Everything libbpf prints goes to a
 * bounded per-thread log that the Java side fetches when a call fails; every
 * native that can fail clears it first, so the log belongs to that call. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "huatuo_jni.h"

#define BPF_NATIVE_CLASS "io/huatuo/jmx/bpf/BpfNative"
#define NAME_MAX_LEN 256

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void *handle_ptr(jlong handle)
{
	return (void *)(uintptr_t)handle;
}

static jlong ptr_handle(const void *p)
{
	return (jlong)(uintptr_t)p;
}

/* ---- libbpf output: a bounded per-thread log that keeps the tail ---- */

#define LOG_CAPACITY (64 * 1024)
#define LOG_DROPPED_NOTE "[earlier libbpf output dropped]\n"

struct thread_log {
	size_t len;
	bool dropped;		/* older output was dropped to keep the tail */
	char buf[LOG_CAPACITY];
};

static pthread_key_t log_key;
static int log_debug;		/* also keep LIBBPF_DEBUG messages */

static struct thread_log *thread_log(bool create)
{
	struct thread_log *log = pthread_getspecific(log_key);

	if (!log && create) {
		log = malloc(sizeof(*log));
		if (!log)
			return NULL;
		log->len = 0;
		log->dropped = false;
		if (pthread_setspecific(log_key, log)) {
			free(log);
			return NULL;
		}
	}
	return log;
}

static void log_reset(void)
{
	struct thread_log *log = thread_log(false);

	if (log) {
		log->len = 0;
		log->dropped = false;
	}
}

static void log_append(struct thread_log *log, const char *text, size_t n)
{
	if (n >= LOG_CAPACITY) {
		log->dropped = log->dropped || log->len > 0 || n > LOG_CAPACITY;
		text += n - LOG_CAPACITY;
		n = LOG_CAPACITY;
		log->len = 0;
	} else if (log->len + n > LOG_CAPACITY) {
		size_t drop = log->len + n - LOG_CAPACITY;

		memmove(log->buf, log->buf + drop, log->len - drop);
		log->len -= drop;
		log->dropped = true;
	}
	memcpy(log->buf + log->len, text, n);
	log->len += n;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	int saved_errno = errno;	/* libbpf may set errno before it prints */
	struct thread_log *log;
	char small[512], *text = small;
	va_list copy;
	int n;

	if (level == LIBBPF_DEBUG && !__atomic_load_n(&log_debug, __ATOMIC_RELAXED))
		goto out;
	log = thread_log(true);
	if (!log)
		goto out;
	va_copy(copy, args);
	n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n < 0)
		goto out;
	if ((size_t)n >= sizeof(small)) {
		/* e.g. a whole verifier log in one message */
		text = malloc((size_t)n + 1);
		if (text)
			vsnprintf(text, (size_t)n + 1, fmt, args);
		else {
			text = small;
			n = sizeof(small) - 1;
		}
	}
	log_append(log, text, (size_t)n);
	if (text != small)
		free(text);
out:
	errno = saved_errno;
	return 0;
}

static void free_thread_log(void *log)
{
	free(log);
}

static jbyteArray take_log(JNIEnv *env, jclass clazz)
{
	struct thread_log *log = thread_log(false);
	size_t note = 0;
	jbyteArray out;

	(void)clazz;
	if (log && log->dropped)
		note = strlen(LOG_DROPPED_NOTE);
	out = (*env)->NewByteArray(env, (jsize)(log ? note + log->len : 0));
	if (!out || !log)
		return out;
	(*env)->SetByteArrayRegion(env, out, 0, (jsize)note, (const jbyte *)LOG_DROPPED_NOTE);
	(*env)->SetByteArrayRegion(env, out, (jsize)note, (jsize)log->len, (const jbyte *)log->buf);
	log->len = 0;
	log->dropped = false;
	return out;
}

static void set_debug(JNIEnv *env, jclass clazz, jboolean on)
{
	(void)env;
	(void)clazz;
	__atomic_store_n(&log_debug, on ? 1 : 0, __ATOMIC_RELAXED);
}

/* ---- small helpers ---- */

static jstring error_text(JNIEnv *env, jclass clazz, jint err)
{
	char buf[128];

	(void)clazz;
	return (*env)->NewStringUTF(env, strerror_r(err, buf, sizeof(buf)));
}

static jint possible_cpus(JNIEnv *env, jclass clazz)
{
	(void)env;
	(void)clazz;
	return libbpf_num_possible_cpus();
}

/* The kernel's tick (1/HZ, a jiffy) in ns: the coarse clocks advance once a tick, and report it as their resolution. */
static jlong tick_nanos(JNIEnv *env, jclass clazz)
{
	struct timespec res;

	(void)env;
	(void)clazz;
	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res))
		return -errno;
	return (jlong)res.tv_sec * 1000000000L + res.tv_nsec;
}

static jlong direct_buffer_address(JNIEnv *env, jclass clazz, jobject buffer)
{
	(void)clazz;
	return ptr_handle((*env)->GetDirectBufferAddress(env, buffer));
}

/* Copies a Java string into buf as modified UTF-8 (names are plain ASCII). */
static int get_name(JNIEnv *env, jstring s, char buf[NAME_MAX_LEN])
{
	jsize len = (*env)->GetStringLength(env, s);
	jsize utf_len = (*env)->GetStringUTFLength(env, s);

	if (utf_len >= NAME_MAX_LEN)
		return -ENAMETOOLONG;
	(*env)->GetStringUTFRegion(env, s, 0, len, buf);
	buf[utf_len] = '\0';
	return 0;
}

/* malloc'ed copy of a Java byte array, or NULL (a zero-length array gives a 1-byte buffer) */
static void *copy_in(JNIEnv *env, jbyteArray array, jsize *len)
{
	void *buf;

	*len = (*env)->GetArrayLength(env, array);
	buf = malloc(*len ? (size_t)*len : 1);
	if (buf)
		(*env)->GetByteArrayRegion(env, array, 0, *len, buf);
	return buf;
}

/* ---- availability probe ---- */

/* Loads the smallest raw_tp program and attaches it for a moment: the same
 * kernel paths the tracers use, unlike "bpftool feature probe" (which uses fentry). */
static jint probe(JNIEnv *env, jclass clazz)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog_fd, link_fd;

	(void)env;
	(void)clazz;
	log_reset();
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "huatuo_probe", "GPL",
				insns, sizeof(insns) / sizeof(insns[0]), NULL);
	if (prog_fd < 0)
		return prog_fd;
	link_fd = bpf_raw_tracepoint_open("sched_process_exec", prog_fd);
	close(prog_fd);
	if (link_fd < 0)
		return link_fd;
	close(link_fd);
	return 0;
}

/* ---- BPF objects ---- */

/* User-space mapping of an internal map (.rodata, .data, .bss) after load.
 * libbpf 1.1 only maps these for skeletons, so the shim maps them itself. */
struct global_area {
	const struct bpf_map *map;
	void *mem;
	size_t mapped_len;
	bool writable;
};

struct object {
	struct bpf_object *obj;
	void *elf;		/* libbpf reads the ELF image until load() finishes */
	bool loaded;
	struct global_area *globals;
	size_t nglobals;
};

static jlong object_open(JNIEnv *env, jclass clazz, jbyteArray elf, jstring name)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	char cname[NAME_MAX_LEN];
	struct object *o;
	jsize size;
	int err;

	(void)clazz;
	log_reset();
	err = get_name(env, name, cname);
	if (err)
		return err;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->elf = copy_in(env, elf, &size);
	if (!o->elf) {
		free(o);
		return -ENOMEM;
	}
	opts.object_name = cname;
	o->obj = bpf_object__open_mem(o->elf, (size_t)size, &opts);
	if (!o->obj) {
		err = -errno;
		free(o->elf);
		free(o);
		return err;
	}
	return ptr_handle(o);
}

static jbyteArray object_btf(JNIEnv *env, jclass clazz, jlong handle)
{
	struct object *o = handle_ptr(handle);
	const struct btf *btf = bpf_object__btf(o->obj);
	const void *raw;
	jbyteArray out;
	__u32 size;

	(void)clazz;
	if (!btf)
		return NULL;
	raw = btf__raw_data(btf, &size);
	if (!raw)
		return NULL;
	out = (*env)->NewByteArray(env, (jsize)size);
	if (out)
		(*env)->SetByteArrayRegion(env, out, 0, (jsize)size, raw);
	return out;
}

/* The names of the object's programs (maps == false) or maps, each NUL-terminated. */
static jbyteArray object_names(JNIEnv *env, jclass clazz, jlong handle, jboolean maps)
{
	struct object *o = handle_ptr(handle);
	struct bpf_program *prog;
	struct bpf_map *map;
	size_t total = 0;
	jsize at = 0;
	jbyteArray out;

	(void)clazz;
	if (maps)
		bpf_object__for_each_map(map, o->obj)
			total += strlen(bpf_map__name(map)) + 1;
	else
		bpf_object__for_each_program(prog, o->obj)
			total += strlen(bpf_program__name(prog)) + 1;
	out = (*env)->NewByteArray(env, (jsize)total);
	if (!out)
		return NULL;
	if (maps) {
		bpf_object__for_each_map(map, o->obj) {
			jsize len = (jsize)strlen(bpf_map__name(map)) + 1;

			(*env)->SetByteArrayRegion(env, out, at, len, (const jbyte *)bpf_map__name(map));
			at += len;
		}
	} else {
		bpf_object__for_each_program(prog, o->obj) {
			jsize len = (jsize)strlen(bpf_program__name(prog)) + 1;

			(*env)->SetByteArrayRegion(env, out, at, len, (const jbyte *)bpf_program__name(prog));
			at += len;
		}
	}
	return out;
}

static void unmap_globals(struct object *o)
{
	size_t i;

	for (i = 0; i < o->nglobals; i++)
		munmap(o->globals[i].mem, o->globals[i].mapped_len);
	free(o->globals);
	o->globals = NULL;
	o->nglobals = 0;
}

static int map_globals(struct object *o)
{
	long page = sysconf(_SC_PAGESIZE);
	struct bpf_map *map;
	size_t n = 0;

	bpf_object__for_each_map(map, o->obj)
		n += bpf_map__is_internal(map) && (bpf_map__map_flags(map) & BPF_F_MMAPABLE);
	if (!n)
		return 0;
	o->globals = calloc(n, sizeof(*o->globals));
	if (!o->globals)
		return -ENOMEM;
	bpf_object__for_each_map(map, o->obj) {
		struct global_area *g = &o->globals[o->nglobals];
		__u32 flags = bpf_map__map_flags(map);
		size_t len;
		int prot;

		if (!bpf_map__is_internal(map) || !(flags & BPF_F_MMAPABLE))
			continue;
		len = align8(bpf_map__value_size(map)) * bpf_map__max_entries(map);
		len = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
		/* .rodata is frozen and read-only to user space: a writable mapping is refused */
		g->writable = !(flags & BPF_F_RDONLY_PROG);
		prot = g->writable ? PROT_READ | PROT_WRITE : PROT_READ;
		g->mem = mmap(NULL, len, prot, MAP_SHARED, bpf_map__fd(map), 0);
		if (g->mem == MAP_FAILED) {
			int err = -errno;

			unmap_globals(o);
			return err;
		}
		g->map = map;
		g->mapped_len = len;
		o->nglobals++;
	}
	return 0;
}

static jint object_load(JNIEnv *env, jclass clazz, jlong handle)
{
	struct object *o = handle_ptr(handle);
	int err;

	(void)env;
	(void)clazz;
	log_reset();
	err = bpf_object__load(o->obj);
	if (err)
		return err;
	o->loaded = true;
	return map_globals(o);
}

static void object_close(JNIEnv *env, jclass clazz, jlong handle)
{
	struct object *o = handle_ptr(handle);

	(void)env;
	(void)clazz;
	unmap_globals(o);
	bpf_object__close(o->obj);
	free(o->elf);
	free(o);
}

/* Finds the memory behind an internal map: libbpf's initial image before load,
 * the shim's live mapping after. */
static int global_area(JNIEnv *env, struct object *o, jstring section, void **mem,
		       size_t *size, bool *writable)
{
	char name[NAME_MAX_LEN];
	struct bpf_map *map;
	size_t i;
	int err;

	err = get_name(env, section, name);
	if (err)
		return err;
	map = bpf_object__find_map_by_name(o->obj, name);
	if (!map || !bpf_map__is_internal(map))
		return -ENOENT;
	*size = bpf_map__value_size(map);
	if (!o->loaded) {
		*mem = (void *)bpf_map__initial_value(map, size);
		*writable = true;
		return *mem ? 0 : -ENOENT;
	}
	for (i = 0; i < o->nglobals; i++) {
		if (o->globals[i].map == map) {
			*mem = o->globals[i].mem;
			*writable = o->globals[i].writable;
			return 0;
		}
	}
	return -EOPNOTSUPP;
}

static jint global_read(JNIEnv *env, jclass clazz, jlong handle, jstring section, jint offset,
			jbyteArray value)
{
	jsize len = (*env)->GetArrayLength(env, value);
	size_t size;
	bool writable;
	void *mem;
	int err;

	(void)clazz;
	log_reset();
	err = global_area(env, handle_ptr(handle), section, &mem, &size, &writable);
	if (err)
		return err;
	if (offset < 0 || (size_t)offset + (size_t)len > size)
		return -ERANGE;
	(*env)->SetByteArrayRegion(env, value, 0, len, (const jbyte *)mem + offset);
	return 0;
}

/* Aligned scalars are stored atomically: a running program never sees a torn value. */
static void store_value(void *dst, const void *src, jsize len)
{
	uint64_t v8;
	uint32_t v4;
	uint16_t v2;

	if (((uintptr_t)dst & (uintptr_t)(len - 1)) == 0) {
		switch (len) {
		case 8:
			memcpy(&v8, src, 8);
			__atomic_store_n((uint64_t *)dst, v8, __ATOMIC_RELAXED);
			return;
		case 4:
			memcpy(&v4, src, 4);
			__atomic_store_n((uint32_t *)dst, v4, __ATOMIC_RELAXED);
			return;
		case 2:
			memcpy(&v2, src, 2);
			__atomic_store_n((uint16_t *)dst, v2, __ATOMIC_RELAXED);
			return;
		}
	}
	memcpy(dst, src, (size_t)len);
}

static jint global_write(JNIEnv *env, jclass clazz, jlong handle, jstring section, jint offset,
			 jbyteArray value)
{
	struct object *o = handle_ptr(handle);
	size_t size;
	bool writable;
	void *mem, *data;
	jsize len;
	int err;

	(void)clazz;
	log_reset();
	err = global_area(env, o, section, &mem, &size, &writable);
	if (err)
		return err;
	if (!writable)
		return -EPERM;
	data = copy_in(env, value, &len);
	if (!data)
		return -ENOMEM;
	if (offset < 0 || (size_t)offset + (size_t)len > size)
		err = -ERANGE;
	else if (len > 0)
		store_value((char *)mem + offset, data, len);
	free(data);
	return err;
}

static int find_map(JNIEnv *env, struct object *o, jstring map_name, struct bpf_map **map)
{
	char name[NAME_MAX_LEN];
	int err;

	err = get_name(env, map_name, name);
	if (err)
		return err;
	*map = bpf_object__find_map_by_name(o->obj, name);
	return *map ? 0 : -ENOENT;
}

static int find_program(JNIEnv *env, struct object *o, jstring program, struct bpf_program **prog)
{
	char name[NAME_MAX_LEN];
	int err;

	err = get_name(env, program, name);
	if (err)
		return err;
	*prog = bpf_object__find_program_by_name(o->obj, name);
	return *prog ? 0 : -ENOENT;
}

/* Before load: a map only programs left unloaded use need not take its full size. */
static jint map_set_max_entries(JNIEnv *env, jclass clazz, jlong handle, jstring map_name, jint entries)
{
	struct bpf_map *map;
	int err;

	(void)clazz;
	log_reset();
	if (entries < 1)
		return -EINVAL;
	err = find_map(env, handle_ptr(handle), map_name, &map);
	return err ? err : bpf_map__set_max_entries(map, (__u32)entries);
}

static jint program_set_autoload(JNIEnv *env, jclass clazz, jlong handle, jstring program,
				 jboolean autoload)
{
	struct bpf_program *prog;
	int err;

	(void)clazz;
	log_reset();
	err = find_program(env, handle_ptr(handle), program, &prog);
	return err ? err : bpf_program__set_autoload(prog, autoload);
}

/* The program's fd, or -ENOENT if there is no such program, or -EBADF if it was not loaded. */
static jint program_fd(JNIEnv *env, jclass clazz, jlong handle, jstring program)
{
	struct bpf_program *prog;
	int err, fd;

	(void)clazz;
	log_reset();
	err = find_program(env, handle_ptr(handle), program, &prog);
	if (err)
		return err;
	fd = bpf_program__fd(prog);
	return fd < 0 ? -EBADF : fd;
}

static jlong program_attach(JNIEnv *env, jclass clazz, jlong handle, jstring program)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	(void)clazz;
	log_reset();
	err = find_program(env, handle_ptr(handle), program, &prog);
	if (err)
		return err;
	link = bpf_program__attach(prog);
	return link ? ptr_handle(link) : -errno;
}

static jlong program_attach_perf_event(JNIEnv *env, jclass clazz, jlong handle, jstring program,
				       jint cpu, jint type, jlong config, jlong sample_period)
{
	struct perf_event_attr attr = {
		.type = (__u32)type,
		.size = sizeof(attr),
		.config = (__u64)config,
		.sample_period = (__u64)sample_period,
		.disabled = 1,		/* libbpf enables it once the program is attached */
	};
	struct bpf_program *prog;
	struct bpf_link *link;
	int err, pfd;

	(void)clazz;
	log_reset();
	err = find_program(env, handle_ptr(handle), program, &prog);
	if (err)
		return err;
	pfd = (int)syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	/* the link owns pfd from here on: bpf_link__destroy() closes it */
	link = bpf_program__attach_perf_event(prog, pfd);
	if (!link) {
		err = -errno;
		close(pfd);
		return err;
	}
	return ptr_handle(link);
}

static jlong program_test_run(JNIEnv *env, jclass clazz, jlong handle, jstring program)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct bpf_program *prog;
	int err, fd;

	(void)clazz;
	log_reset();
	err = find_program(env, handle_ptr(handle), program, &prog);
	if (err)
		return err;
	fd = bpf_program__fd(prog);
	if (fd < 0)
		return -EBADF;
	err = bpf_prog_test_run_opts(fd, &opts);
	return err ? err : (jlong)opts.retval;
}

/* stats = { run_time_ns, run_cnt, recursion_misses } of a loaded program. The first two are counted only
 * while run-time statistics are enabled (BPF_ENABLE_STATS or kernel.bpf_stats_enabled), kept across; the
 * third always (5.12+; 0 on older kernels, which leave the field zeroed). */
static jint program_run_stats(JNIEnv *env, jclass clazz, jint fd, jlongArray stats)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	jlong out[3];

	(void)clazz;
	log_reset();
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	out[0] = (jlong)info.run_time_ns;
	out[1] = (jlong)info.run_cnt;
	out[2] = (jlong)info.recursion_misses;
	(*env)->SetLongArrayRegion(env, stats, 0, 3, out);
	return 0;
}

/* An fd that keeps BPF run-time statistics on until it is closed (CAP_SYS_ADMIN), or -errno. */
static jint enable_run_time_stats(JNIEnv *env, jclass clazz)
{
	int fd;

	(void)env;
	(void)clazz;
	log_reset();
	fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	return fd < 0 ? -errno : fd;
}

/* info = { fd, type, key size, value size, max entries } */
static jint map_info(JNIEnv *env, jclass clazz, jlong handle, jstring map_name, jintArray info)
{
	struct bpf_map *map;
	jint values[5];
	int err;

	(void)clazz;
	log_reset();
	err = find_map(env, handle_ptr(handle), map_name, &map);
	if (err)
		return err;
	values[0] = bpf_map__fd(map);
	values[1] = (jint)bpf_map__type(map);
	values[2] = (jint)bpf_map__key_size(map);
	values[3] = (jint)bpf_map__value_size(map);
	values[4] = (jint)bpf_map__max_entries(map);
	(*env)->SetIntArrayRegion(env, info, 0, 5, values);
	return 0;
}

/* ---- links and file descriptors ---- */

static jint link_destroy(JNIEnv *env, jclass clazz, jlong link)
{
	(void)env;
	(void)clazz;
	return bpf_link__destroy(handle_ptr(link));
}

static jint iter_create(JNIEnv *env, jclass clazz, jlong link)
{
	(void)env;
	(void)clazz;
	log_reset();
	return bpf_iter_create(bpf_link__fd(handle_ptr(link)));
}

static jint fd_read(JNIEnv *env, jclass clazz, jint fd, jlong address, jint length)
{
	ssize_t n;

	(void)env;
	(void)clazz;
	log_reset();
	do
		n = read(fd, handle_ptr(address), (size_t)length);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (jint)n;
}

static jint fd_close(JNIEnv *env, jclass clazz, jint fd)
{
	(void)env;
	(void)clazz;
	return close(fd) ? -errno : 0;
}

/* ---- map elements ---- */

static jint map_lookup(JNIEnv *env, jclass clazz, jint fd, jbyteArray key, jbyteArray value)
{
	void *k, *v = NULL;
	jsize key_len, value_len = (*env)->GetArrayLength(env, value);
	int err = -ENOMEM;

	(void)clazz;
	log_reset();
	k = copy_in(env, key, &key_len);
	if (k)
		v = malloc(value_len ? (size_t)value_len : 1);
	if (v) {
		err = bpf_map_lookup_elem(fd, k, v);
		if (!err)
			(*env)->SetByteArrayRegion(env, value, 0, value_len, v);
	}
	free(v);
	free(k);
	return err;
}

static jint map_update(JNIEnv *env, jclass clazz, jint fd, jbyteArray key, jbyteArray value,
		       jlong flags)
{
	void *k, *v = NULL;
	jsize key_len, value_len;
	int err = -ENOMEM;

	(void)clazz;
	log_reset();
	k = copy_in(env, key, &key_len);
	if (k)
		v = copy_in(env, value, &value_len);
	if (v)
		err = bpf_map_update_elem(fd, k, v, (__u64)flags);
	free(v);
	free(k);
	return err;
}

static jint map_delete(JNIEnv *env, jclass clazz, jint fd, jbyteArray key)
{
	jsize key_len;
	void *k;
	int err = -ENOMEM;

	(void)clazz;
	log_reset();
	k = copy_in(env, key, &key_len);
	if (k)
		err = bpf_map_delete_elem(fd, k);
	free(k);
	return err;
}

/* ---- ring buffers: one poller drains many rings into a caller's buffer ----
 *
 * Record format in the caller's buffer, native byte order:
 *   [int32 ring id][int32 length][length bytes][zero pad to 8-byte alignment]
 * A record larger than its ring's declared maximum is counted and skipped. */

#define RECORD_HEADER 8
/* returned by the sample callback once the buffer cannot take one more record;
 * libbpf has already consumed the record it was called with, which was copied */
#define DRAIN_FULL (-ENOBUFS)
#define WAKE_TAG 0

struct poller;

struct ring {
	struct poller *poller;
	struct ring_buffer *rb;	/* one libbpf ring_buffer per ring, so drains can rotate */
	jint id;
	size_t max_record;
};

struct poller {
	int epoll_fd;		/* the rings' epoll fds and wake_fd */
	int wake_fd;		/* eventfd: makes a waiting drain return (close) */
	struct ring **rings;
	size_t nrings;
	size_t next;		/* ring to drain first, for fairness across rings */
	size_t max_slot;	/* buffer space the largest allowed record needs */
	uint64_t oversize;
	/* the drain in progress */
	unsigned char *buf;
	size_t capacity, used;
	jint count;
};

static size_t slot_size(size_t len)
{
	return RECORD_HEADER + align8(len);
}

static int on_sample(void *ctx, void *data, size_t len)
{
	struct ring *r = ctx;
	struct poller *p = r->poller;
	unsigned char *slot = p->buf + p->used;
	int32_t header[2] = { r->id, (int32_t)len };

	if (len > r->max_record) {
		p->oversize++;
		return 0;
	}
	/* fits: before each call at least max_slot bytes are free (see below) */
	memcpy(slot, header, RECORD_HEADER);
	memcpy(slot + RECORD_HEADER, data, len);
	memset(slot + RECORD_HEADER + len, 0, align8(len) - len);
	p->used += slot_size(len);
	p->count++;
	return p->capacity - p->used < p->max_slot ? DRAIN_FULL : 0;
}

static jlong ring_buffer_new(JNIEnv *env, jclass clazz)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WAKE_TAG };
	struct poller *p;
	int err;

	(void)env;
	(void)clazz;
	log_reset();
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->wake_fd = -1;
	p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epoll_fd < 0)
		goto fail;
	p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->wake_fd < 0 || epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, p->wake_fd, &ev))
		goto fail;
	return ptr_handle(p);
fail:
	err = -errno;
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	if (p->epoll_fd >= 0)
		close(p->epoll_fd);
	free(p);
	return err;
}

static jint ring_buffer_add(JNIEnv *env, jclass clazz, jlong handle, jint map_fd, jint ring_id,
			    jint max_record)
{
	struct poller *p = handle_ptr(handle);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = p->nrings + 1 };
	struct ring **rings, *r;
	int err;

	(void)env;
	(void)clazz;
	log_reset();
	if (max_record <= 0)
		return -EINVAL;
	rings = realloc(p->rings, (p->nrings + 1) * sizeof(*rings));
	if (!rings)
		return -ENOMEM;
	p->rings = rings;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->poller = p;
	r->id = ring_id;
	r->max_record = (size_t)max_record;
	r->rb = ring_buffer__new(map_fd, on_sample, r, NULL);
	if (!r->rb) {
		err = -errno;
		free(r);
		return err;
	}
	if (epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(r->rb), &ev)) {
		err = -errno;
		ring_buffer__free(r->rb);
		free(r);
		return err;
	}
	p->rings[p->nrings++] = r;
	if (slot_size(r->max_record) > p->max_slot)
		p->max_slot = slot_size(r->max_record);
	return 0;
}

/* Waits up to timeout_ms for data (or a wake-up), then copies records into the
 * buffer until it is full or the rings are empty. Returns (count << 32) | bytes
 * used, or -errno. */
static jlong ring_buffer_drain(JNIEnv *env, jclass clazz, jlong handle, jlong address,
			       jint capacity, jint timeout_ms)
{
	struct poller *p = handle_ptr(handle);
	struct epoll_event events[8];
	size_t i, k;
	int n;

	(void)env;
	(void)clazz;
	log_reset();
	if (capacity < 0 || (size_t)capacity < p->max_slot)
		return -EINVAL;
	n = epoll_wait(p->epoll_fd, events, sizeof(events) / sizeof(events[0]), timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (k = 0; k < (size_t)n; k++) {
		if (events[k].data.u64 == WAKE_TAG)
			return 0;
	}
	p->buf = handle_ptr(address);
	p->capacity = (size_t)capacity;
	p->used = 0;
	p->count = 0;
	/* start after the ring that filled the previous buffer, so a busy ring
	 * cannot starve the others */
	for (k = 0; k < p->nrings; k++) {
		i = (p->next + k) % p->nrings;
		n = ring_buffer__consume(p->rings[i]->rb);
		if (n == DRAIN_FULL) {
			p->next = (i + 1) % p->nrings;
			break;
		}
		if (n < 0)
			return n;
	}
	p->buf = NULL;
	return ((jlong)p->count << 32) | (jlong)p->used;
}

static jlong ring_buffer_oversize(JNIEnv *env, jclass clazz, jlong handle)
{
	struct poller *p = handle_ptr(handle);

	(void)env;
	(void)clazz;
	return (jlong)p->oversize;
}

static void ring_buffer_wake(JNIEnv *env, jclass clazz, jlong handle)
{
	struct poller *p = handle_ptr(handle);

	(void)env;
	(void)clazz;
	huatuo_eventfd_signal(p->wake_fd);	/* any later drain returns at once too */
}

static void ring_buffer_free(JNIEnv *env, jclass clazz, jlong handle)
{
	struct poller *p = handle_ptr(handle);
	size_t i;

	(void)env;
	(void)clazz;
	for (i = 0; i < p->nrings; i++) {
		ring_buffer__free(p->rings[i]->rb);
		free(p->rings[i]);
	}
	free(p->rings);
	close(p->wake_fd);
	close(p->epoll_fd);
	free(p);
}

/* ---- Registration Table Begin ---- */
static const JNINativeMethod methods[] = {
	{ "probe0", "()I", (void *)probe },
	{ "setDebug0", "(Z)V", (void *)set_debug },
	{ "takeLog0", "()[B", (void *)take_log },
	{ "strerror0", "(I)Ljava/lang/String;", (void *)error_text },
	{ "possibleCpus0", "()I", (void *)possible_cpus },
	{ "tickNanos0", "()J", (void *)tick_nanos },
	{ "directBufferAddress0", "(Ljava/nio/ByteBuffer;)J", (void *)direct_buffer_address },
	{ "objectOpen0", "([BLjava/lang/String;)J", (void *)object_open },
	{ "objectBtf0", "(J)[B", (void *)object_btf },
	{ "objectNames0", "(JZ)[B", (void *)object_names },
	{ "objectLoad0", "(J)I", (void *)object_load },
	{ "objectClose0", "(J)V", (void *)object_close },
	{ "globalRead0", "(JLjava/lang/String;I[B)I", (void *)global_read },
	{ "globalWrite0", "(JLjava/lang/String;I[B)I", (void *)global_write },
	{ "programSetAutoload0", "(JLjava/lang/String;Z)I", (void *)program_set_autoload },
	{ "mapSetMaxEntries0", "(JLjava/lang/String;I)I", (void *)map_set_max_entries },
	{ "programFd0", "(JLjava/lang/String;)I", (void *)program_fd },
	{ "programAttach0", "(JLjava/lang/String;)J", (void *)program_attach },
	{ "programAttachPerfEvent0", "(JLjava/lang/String;IIJJ)J", (void *)program_attach_perf_event },
	{ "programTestRun0", "(JLjava/lang/String;)J", (void *)program_test_run },
	{ "programRunStats0", "(I[J)I", (void *)program_run_stats },
	{ "enableRunTimeStats0", "()I", (void *)enable_run_time_stats },
	{ "mapInfo0", "(JLjava/lang/String;[I)I", (void *)map_info },
	{ "linkDestroy0", "(J)I", (void *)link_destroy },
	{ "iterCreate0", "(J)I", (void *)iter_create },
	{ "read0", "(IJI)I", (void *)fd_read },
	{ "close0", "(I)I", (void *)fd_close },
	{ "mapLookup0", "(I[B[B)I", (void *)map_lookup },
	{ "mapUpdate0", "(I[B[BJ)I", (void *)map_update },
	{ "mapDelete0", "(I[B)I", (void *)map_delete },
	{ "ringBufferNew0", "()J", (void *)ring_buffer_new },
	{ "ringBufferAdd0", "(JIII)I", (void *)ring_buffer_add },
	{ "ringBufferDrain0", "(JJII)J", (void *)ring_buffer_drain },
	{ "ringBufferOversize0", "(J)J", (void *)ring_buffer_oversize },
	{ "ringBufferWake0", "(J)V", (void *)ring_buffer_wake },
	{ "ringBufferFree0", "(J)V", (void *)ring_buffer_free },
};
/* ---- Registration Table End ---- */

int huatuo_bpf_native_JNI_OnLoad(JNIEnv *env)
{
	jclass clazz;

	if (pthread_key_create(&log_key, free_thread_log))
		return -1;
	clazz = (*env)->FindClass(env, BPF_NATIVE_CLASS);
	if (!clazz || (*env)->RegisterNatives(env, clazz, methods,
					      sizeof(methods) / sizeof(methods[0]))) {
		pthread_key_delete(log_key);
		return -1;
	}
	(*env)->DeleteLocalRef(env, clazz);
	libbpf_set_print(libbpf_print);
	return 0;
}

void huatuo_bpf_native_JNI_OnUnload(JNIEnv *env)
{
	jclass clazz;

	libbpf_set_print(NULL);
	clazz = (*env)->FindClass(env, BPF_NATIVE_CLASS);
	if (clazz) {
		(*env)->UnregisterNatives(env, clazz);
		(*env)->DeleteLocalRef(env, clazz);
	} else {
		(*env)->ExceptionClear(env);
	}
	pthread_key_delete(log_key);
}
