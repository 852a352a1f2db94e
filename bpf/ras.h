/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ras record: one hardware error the kernel reported, from one of three
 * sources; the fields a source does not have stay 0. Shared by ras.bpf.c and
 * the Java decoder.
 */
#ifndef RAS_H
#define RAS_H

enum ras_source {
	RAS_MCE = 1,			/* mce:mce_record, a machine check (x86) */
	RAS_EDAC = 2,			/* ras:mc_event, a memory controller error (EDAC) */
	RAS_AER = 3,			/* ras:aer_event, a PCIe Advanced Error Reporting error */
};

enum ras_limits {
	RAS_MSG_LEN = 64,
	RAS_LABEL_LEN = 64,
	RAS_DETAIL_LEN = 128,
	RAS_DEV_LEN = 32,
};

struct ras_event {
	__u64 ktime_ns;			/* CLOCK_MONOTONIC time of the report */
	__u64 status;			/* MCE: MCi_STATUS; AER: the status bits reported */
	__u64 addr;			/* MCE: MCi_ADDR; EDAC: the error's address */
	__u64 misc;			/* MCE: MCi_MISC; EDAC: the syndrome */
	__u64 mcgstatus;		/* MCE: MCG_STATUS */
	__u64 mcgcap;			/* MCE: MCG_CAP */
	__u64 ip;			/* MCE: instruction pointer, if the error had one */
	__u32 source;			/* enum ras_source */
	__u32 cpu;			/* MCE: the CPU that saw it; others: the CPU that reported it */
	__u32 socketid;			/* MCE */
	__u32 apicid;			/* MCE */
	__u32 severity;			/* EDAC: enum hw_event_mc_err_type; AER: AER_NONFATAL 0, FATAL 1, CORRECTABLE 2 */
	__s32 error_count;		/* EDAC: errors this report stands for */
	__u32 tlp[4];			/* AER: the TLP header log, if tlp_valid */
	__u8 bank;			/* MCE: the bank */
	__u8 cpuvendor;			/* MCE: X86_VENDOR_* */
	__u8 tlp_valid;			/* AER */
	__u8 mc_index;			/* EDAC: the memory controller */
	__s8 layer[3];			/* EDAC: top, mid, low layer (e.g. channel, slot), -1 unknown */
	__u8 grain_bits;		/* EDAC: log2 of the error's granularity */
	char msg[RAS_MSG_LEN];		/* EDAC: the error message */
	char label[RAS_LABEL_LEN];	/* EDAC: the DIMM label(s) */
	char detail[RAS_DETAIL_LEN];	/* EDAC: the driver's detail */
	char dev[RAS_DEV_LEN];		/* AER: the device, e.g. 0000:00:1c.0 */
};

#endif /* RAS_H */
