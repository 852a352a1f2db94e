// SPDX-License-Identifier: GPL-2.0
/* Natives of io.huatuo.jmx.kernel.NetlinkNative: a netlink socket for the JDK,
 * which has no AF_NETLINK.
 *
 * A handle owns the socket and an eventfd that wakes a blocked receive (closing
 * a socket does not wake a thread blocked on it). receive copies whole
 * datagrams into a direct buffer, each as [u32 length][bytes][pad to 4], as
 * many as are queued and fit, so the Java side gets batches without an upcall
 * per message. Results are >= 0 or -errno; nothing here throws. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "huatuo_jni.h"

#define NETLINK_NATIVE_CLASS "io/huatuo/jmx/kernel/NetlinkNative"
#define MAX_DATAGRAM (64 * 1024)	/* rtnetlink sends at most 32 KiB per datagram */
#define RCVBUF_BYTES (4 * 1024 * 1024)

struct nl_handle {
	int fd;
	int wake_fd;
};

static struct nl_handle *handle_of(jlong h)
{
	return (struct nl_handle *)(uintptr_t)h;
}

static jlong nl_open(JNIEnv *env, jclass clazz, jint protocol, jint groups)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = (unsigned int)groups };
	struct nl_handle *h;
	int rcvbuf = RCVBUF_BYTES, err;

	(void)env;
	(void)clazz;
	h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (h->fd < 0) {
		err = -errno;
		free(h);
		return err;
	}
	h->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->wake_fd < 0)
		goto fail;
	/* a larger buffer makes overruns (ENOBUFS) rarer; RCVBUFFORCE needs CAP_NET_ADMIN */
	if (setsockopt(h->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(h->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(h->fd, (struct sockaddr *)&addr, sizeof(addr)))
		goto fail;
	return (jlong)(uintptr_t)h;
fail:
	err = -errno;
	if (h->wake_fd >= 0)
		close(h->wake_fd);
	close(h->fd);
	free(h);
	return err;
}

/* Asks for every link (RTM_GETLINK with NLM_F_DUMP); the replies carry seq. */
static jint nl_dump_links(JNIEnv *env, jclass clazz, jlong handle, jint seq)
{
	struct nl_handle *h = handle_of(handle);
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	(void)env;
	(void)clazz;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = (unsigned int)seq;
	req.ifi.ifi_family = AF_UNSPEC;
	if (sendto(h->fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* Blocks up to timeout_ms (-1: no limit) for the first datagram, then takes what
 * is queued while a whole datagram still fits. Returns the bytes written, 0 on
 * timeout, -ECANCELED once woken by wake, or -errno (-ENOBUFS: the kernel
 * dropped messages because the socket buffer was full). */
static jint nl_receive(JNIEnv *env, jclass clazz, jlong handle, jobject buffer, jint timeout_ms)
{
	struct nl_handle *h = handle_of(handle);
	unsigned char *buf = (*env)->GetDirectBufferAddress(env, buffer);
	jlong cap = (*env)->GetDirectBufferCapacity(env, buffer);
	struct pollfd fds[2] = { { .fd = h->fd, .events = POLLIN }, { .fd = h->wake_fd, .events = POLLIN } };
	size_t used = 0;
	int rc;

	(void)clazz;
	if (!buf || cap < MAX_DATAGRAM + 8)
		return -EINVAL;
	do {
		rc = poll(fds, 2, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (fds[1].revents)
		return -ECANCELED;
	if (rc == 0)
		return 0;
	while ((size_t)cap - used >= MAX_DATAGRAM + 8) {
		ssize_t n = recv(h->fd, buf + used + 4, MAX_DATAGRAM, MSG_DONTWAIT);
		uint32_t len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || used > 0)
				break;	/* an overrun after some data is reported on the next call */
			return -errno;
		}
		len = (uint32_t)n;
		memcpy(buf + used, &len, 4);
		used += 4 + ((len + 3) & ~3U);
	}
	return (jint)used;
}

static void nl_wake(JNIEnv *env, jclass clazz, jlong handle)
{
	uint64_t one = 1;

	(void)env;
	(void)clazz;
	if (write(handle_of(handle)->wake_fd, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: a wake is pending anyway */
	}
}

static void nl_close(JNIEnv *env, jclass clazz, jlong handle)
{
	struct nl_handle *h = handle_of(handle);

	(void)env;
	(void)clazz;
	close(h->fd);
	close(h->wake_fd);
	free(h);
}

static const JNINativeMethod methods[] = {
	{ "open0", "(II)J", (void *)nl_open },
	{ "dumpLinks0", "(JI)I", (void *)nl_dump_links },
	{ "receive0", "(JLjava/nio/ByteBuffer;I)I", (void *)nl_receive },
	{ "wake0", "(J)V", (void *)nl_wake },
	{ "close0", "(J)V", (void *)nl_close },
};

int huatuo_netlink_JNI_OnLoad(JNIEnv *env)
{
	jclass clazz = (*env)->FindClass(env, NETLINK_NATIVE_CLASS);

	if (!clazz || (*env)->RegisterNatives(env, clazz, methods, sizeof(methods) / sizeof(methods[0])))
		return -1;
	(*env)->DeleteLocalRef(env, clazz);
	return 0;
}

void huatuo_netlink_JNI_OnUnload(JNIEnv *env)
{
	jclass clazz = (*env)->FindClass(env, NETLINK_NATIVE_CLASS);

	if (clazz) {
		(*env)->UnregisterNatives(env, clazz);
		(*env)->DeleteLocalRef(env, clazz);
	} else {
		(*env)->ExceptionClear(env);
	}
}
