// SPDX-License-Identifier: GPL-2.0
/* Natives of io.huatuo.jmx.kernel.KmsgNative: the kernel log as /dev/kmsg hands it
 * out, one record per read. Java cannot seek to SEEK_END (where new records
 * start) nor wait with a timeout, so both live here; an eventfd beside the log
 * lets another thread end a wait. Results are >= 0 or -errno. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "huatuo_jni.h"

#define KMSG_NATIVE_CLASS "io/huatuo/jmx/kernel/KmsgNative"
#define KMSG_RECORD_MAX 8192	/* a /dev/kmsg read needs room for a whole record (CONSOLE_EXT_LOG_MAX) */

/* Opens /dev/kmsg non-blocking, positioned after the newest record. */
static jint kmsg_open(JNIEnv *env, jclass clazz)
{
	int fd;

	(void)env;
	(void)clazz;
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* An eventfd for kmsg_wake, or -errno. */
static jint kmsg_wake_fd(JNIEnv *env, jclass clazz)
{
	int fd;

	(void)env;
	(void)clazz;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/* Waits up to timeout_ms for one record and copies it into buf: its length, 0 on
 * timeout or once wake_fd was written, -EPIPE when older records were overwritten
 * before we read them (the next call goes on with the oldest one left). */
static jint kmsg_read(JNIEnv *env, jclass clazz, jint fd, jint wake_fd, jbyteArray buf, jint timeout_ms)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = wake_fd, .events = POLLIN } };
	char tmp[KMSG_RECORD_MAX];
	jsize cap = (*env)->GetArrayLength(env, buf);
	ssize_t n;
	int rc;

	(void)clazz;
	rc = poll(p, 2, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (rc == 0 || p[1].revents)
		return 0;
	n = read(fd, tmp, sizeof(tmp));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n > cap)
		n = cap;
	(*env)->SetByteArrayRegion(env, buf, 0, (jsize)n, (const jbyte *)tmp);
	return (jint)n;
}

/* Ends a read's wait, and every later one's. */
static void kmsg_wake(JNIEnv *env, jclass clazz, jint wake_fd)
{
	(void)env;
	(void)clazz;
	huatuo_eventfd_signal(wake_fd);
}

static jint kmsg_close(JNIEnv *env, jclass clazz, jint fd)
{
	(void)env;
	(void)clazz;
	return close(fd) ? -errno : 0;
}

/* ---- Registration Table Begin ---- */
static const JNINativeMethod methods[] = {
	{ "open0", "()I", (void *)kmsg_open },
	{ "wakeFd0", "()I", (void *)kmsg_wake_fd },
	{ "read0", "(II[BI)I", (void *)kmsg_read },
	{ "wake0", "(I)V", (void *)kmsg_wake },
	{ "close0", "(I)I", (void *)kmsg_close },
};
/* ---- Registration Table End ---- */

int huatuo_kmsg_native_JNI_OnLoad(JNIEnv *env)
{
	jclass clazz = (*env)->FindClass(env, KMSG_NATIVE_CLASS);

	if (!clazz || (*env)->RegisterNatives(env, clazz, methods, sizeof(methods) / sizeof(methods[0])))
		return -1;
	(*env)->DeleteLocalRef(env, clazz);
	return 0;
}

void huatuo_kmsg_native_JNI_OnUnload(JNIEnv *env)
{
	jclass clazz = (*env)->FindClass(env, KMSG_NATIVE_CLASS);

	if (clazz) {
		(*env)->UnregisterNatives(env, clazz);
		(*env)->DeleteLocalRef(env, clazz);
	}
}
