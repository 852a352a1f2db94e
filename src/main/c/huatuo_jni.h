/* SPDX-License-Identifier: GPL-2.0 */
/* The native modules of libhuatuo.so. Each module is one C file named after its
 * Java native class and defines
 *   int  <module>_JNI_OnLoad(JNIEnv *env);    registers its natives: 0, or -1 on failure
 *   void <module>_JNI_OnUnload(JNIEnv *env);  undoes OnLoad
 * Adding a module is one X(...) line below. */
#ifndef HUATUO_JNI_H
#define HUATUO_JNI_H

#include <jni.h>

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

#endif /* HUATUO_JNI_H */
