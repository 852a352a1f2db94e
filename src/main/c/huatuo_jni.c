// SPDX-License-Identifier: GPL-2.0
/* The only exported symbols of libhuatuo.so: load and unload every module. */
#include <stddef.h>
#include "huatuo_jni.h"

struct module {
	int (*on_load)(JNIEnv *env);
	void (*on_unload)(JNIEnv *env);
};

#define HUATUO_JNI_ENTRY(module) { module##_JNI_OnLoad, module##_JNI_OnUnload },
static const struct module modules[] = { HUATUO_JNI_MODULES(HUATUO_JNI_ENTRY) };
#undef HUATUO_JNI_ENTRY

#define MODULE_COUNT (sizeof(modules) / sizeof(modules[0]))

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
	JNIEnv *env;
	size_t i;

	(void)reserved;
	if ((*vm)->GetEnv(vm, (void **)&env, HUATUO_JNI_VERSION) != JNI_OK)
		return JNI_ERR;
	for (i = 0; i < MODULE_COUNT; i++) {
		if (modules[i].on_load(env)) {
			/* leave nothing half-registered */
			while (i-- > 0)
				modules[i].on_unload(env);
			return JNI_ERR;
		}
	}
	return HUATUO_JNI_VERSION;
}

JNIEXPORT void JNICALL JNI_OnUnload(JavaVM *vm, void *reserved)
{
	JNIEnv *env;
	size_t i = MODULE_COUNT;

	(void)reserved;
	if ((*vm)->GetEnv(vm, (void **)&env, HUATUO_JNI_VERSION) != JNI_OK)
		return;
	while (i-- > 0)
		modules[i].on_unload(env);
}
