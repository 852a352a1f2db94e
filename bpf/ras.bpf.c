// SPDX-License-Identifier: GPL-2.0
/*
 * ras: hardware errors as the kernel reports them, from up to three
 * tracepoints: mce:mce_record (x86 machine checks, CONFIG_X86_MCE),
 * ras:mc_event (memory controllers through EDAC, CONFIG_RAS) and
 * ras:aer_event (PCIe AER, CONFIG_PCIEAER). A kernel built without one of them
 * has no tracepoint to attach to, and loading a tp_btf program without its
 * target fails the whole object: user space loads only the programs whose
 * tracepoint is in the kernel's BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#define HUATUO_RING_BYTES (128 * 1024) /* 400-byte records: 2 s at the default limit is 80 KiB (huatuo.h) */
#include "include/huatuo.h"
#include "ras.h"

char LICENSE[] SEC("license") = "GPL";

/* *_layout anchors keep these types in the object's BTF, where bpf/btf2java.py generates the Java side from. */
struct ras_event ras_event_layout __attribute__((unused));
enum ras_source ras_source_layout __attribute__((unused));
enum ras_limits ras_limits_layout __attribute__((unused));

/*
 * The kernel's struct mce (asm/mce.h), the fields read here, relocated by
 * CO-RE: kernels without CONFIG_X86_MCE (like the one vmlinux.h may come from)
 * have no such type. Since 6.13 the tracepoint passes a struct mce_hw_err,
 * whose first member is this struct mce.
 */
struct mce___huatuo {
	__u64 status;
	__u64 misc;
	__u64 addr;
	__u64 mcgstatus;
	__u64 ip;
	__u8 cpuvendor;
	__u8 bank;
	__u32 extcpu;
	__u32 socketid;
	__u32 apicid;
	__u64 mcgcap;
} __attribute__((preserve_access_index));

static __always_inline void ras_init(struct ras_event *e, __u32 source)
{
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = bpf_ktime_get_ns();
	e->source = source;
	e->cpu = bpf_get_smp_processor_id();
}

SEC("tp_btf/mce_record")
int BPF_PROG(ras_mce, struct mce___huatuo *m)
{
	struct ras_event *e;

	HUATUO_RESERVE_OR_RETURN(e, 0);
	ras_init(e, RAS_MCE);
	e->status = BPF_CORE_READ(m, status);
	e->misc = BPF_CORE_READ(m, misc);
	e->addr = BPF_CORE_READ(m, addr);
	e->mcgstatus = BPF_CORE_READ(m, mcgstatus);
	e->mcgcap = BPF_CORE_READ(m, mcgcap);
	e->ip = BPF_CORE_READ(m, ip);
	e->cpuvendor = BPF_CORE_READ(m, cpuvendor);
	e->bank = BPF_CORE_READ(m, bank);
	e->cpu = BPF_CORE_READ(m, extcpu);
	e->socketid = BPF_CORE_READ(m, socketid);
	e->apicid = BPF_CORE_READ(m, apicid);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/mc_event")
int BPF_PROG(ras_edac, unsigned int err_type, const char *error_msg, const char *label, int error_count,
	     __u8 mc_index, __s8 top_layer, __s8 mid_layer, __s8 low_layer, unsigned long address, __u8 grain_bits,
	     unsigned long syndrome, const char *driver_detail)
{
	struct ras_event *e;

	HUATUO_RESERVE_OR_RETURN(e, 0);
	ras_init(e, RAS_EDAC);
	e->severity = err_type;
	e->error_count = error_count;
	e->mc_index = mc_index;
	e->layer[0] = top_layer;
	e->layer[1] = mid_layer;
	e->layer[2] = low_layer;
	e->addr = address;
	e->grain_bits = grain_bits;
	e->misc = syndrome;
	bpf_probe_read_kernel_str(e->msg, sizeof(e->msg), error_msg);
	bpf_probe_read_kernel_str(e->label, sizeof(e->label), label);
	bpf_probe_read_kernel_str(e->detail, sizeof(e->detail), driver_detail);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* tlp: struct aer_header_log_regs (dw0..dw3) in 6.1, struct pcie_tlp_log (dw[4]) in 6.12: the header dwords first */
SEC("tp_btf/aer_event")
int BPF_PROG(ras_aer, const char *dev_name, __u32 status, __u8 severity, __u8 tlp_header_valid, void *tlp)
{
	struct ras_event *e;

	HUATUO_RESERVE_OR_RETURN(e, 0);
	ras_init(e, RAS_AER);
	e->status = status;
	e->severity = severity;
	e->tlp_valid = tlp_header_valid;
	if (tlp_header_valid && tlp)
		bpf_probe_read_kernel(e->tlp, sizeof(e->tlp), tlp);
	bpf_probe_read_kernel_str(e->dev, sizeof(e->dev), dev_name);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
