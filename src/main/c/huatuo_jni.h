/* SPDX-License-Identifier: GPL-2.0 */
/* The native modules of libhuatuo.so. Each module is one C file named after its
 * Java native class and defines
 *   int  <module>_JNI_OnLoad(JNIEnv *env);    registers its natives: 0, or -1 on failure
 *   void <module>_JNI_OnUnload(JNIEnv *env);  undoes OnLoad
 * Adding a module is one X(...) line below. */
#ifndef HUATUO_JNI_H
#define HUATUO_JNI_H

#include <jni.h>
#include <stdint.h>
#include <unistd.h>

#define HUATUO_JNI_VERSION JNI_VERSION_1_8

#define HUATUO_JNI_MODULES(X) \
	X(huatuo_bpf_native) \
	X(huatuo_kmsg_native) \
	X(huatuo_netlink)

#define HUATUO_JNI_DECLARE(module) \
	int module##_JNI_OnLoad(JNIEnv *env); \
	void module##_JNI_OnUnload(JNIEnv *env);
HUATUO_JNI_MODULES(HUATUO_JNI_DECLARE)
#undef HUATUO_JNI_DECLARE

/* Makes an eventfd readable for good, so that a thread waiting on it in poll or
 * epoll returns, and every later wait at once: how a blocked reader is stopped. */
static inline void huatuo_eventfd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already nonzero, which is all we need */
	}
}

#endif /* HUATUO_JNI_H */
