/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A task's memory cgroup as the kernel sees it: the css pointer and the
 * cgroup path, read as kernfs node names from the leaf up (user space joins
 * them). Works for the v1 memory hierarchy and for cgroup2.
 */
#ifndef HUATUO_MEMCG_H
#define HUATUO_MEMCG_H

/* An enum, not #defines: it reaches the BTF of each object that anchors it, where the Java side is generated from. */
enum memcg_limits {
	MEMCG_DEPTH = 8,	/* path components kept, leaf first */
	MEMCG_NAME_LEN = 128,	/* e.g. cri-containerd-<64 hex>.scope fits */
};

/* Path components, names[0] = the leaf; depth = how many were read. */
struct memcg_path {
	__u64 css;		/* struct cgroup_subsys_state *, 0 if none */
	__u32 depth;
	__u32 truncated;	/* 1 if components above names[depth-1] were left out */
	char names[MEMCG_DEPTH][MEMCG_NAME_LEN];
};

/* kernfs_node.parent was renamed __parent in 6.15. */
struct kernfs_node___pre615 {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *memcg_kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___pre615 *)kn, parent);
}

static __always_inline void memcg_read_path(struct task_struct *task, struct memcg_path *p)
{
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css;
	struct kernfs_node *kn, *parent;
	int i;

	p->css = 0;
	p->depth = 0;
	p->truncated = 0;
	if (!task)
		return;
	css = BPF_CORE_READ(task, cgroups, subsys[id]);
	if (!css)
		return;
	p->css = (__u64)css;
	kn = BPF_CORE_READ(css, cgroup, kn);
#pragma unroll
	for (i = 0; i < MEMCG_DEPTH; i++) {
		if (!kn)
			return;
		parent = memcg_kn_parent(kn);
		if (!parent)	/* the hierarchy's root: its name is not part of the path */
			return;
		bpf_probe_read_kernel_str(p->names[i], MEMCG_NAME_LEN, BPF_CORE_READ(kn, name));
		p->depth = i + 1;
		kn = parent;
	}
	if (kn && memcg_kn_parent(kn))
		p->truncated = 1;
}

#endif /* HUATUO_MEMCG_H */
