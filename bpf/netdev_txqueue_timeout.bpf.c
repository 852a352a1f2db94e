// SPDX-License-Identifier: GPL-2.0
/*
 * netdev_txqueue_timeout: a NIC transmit queue that hung. The kernel's
 * watchdog (dev_watchdog) fires the net:net_dev_xmit_timeout tracepoint when
 * a queue has been stopped for longer than the device's watchdog timeout, just
 * before it calls the driver's ndo_tx_timeout (which usually resets the NIC).
 * Only drivers with an ndo_tx_timeout have the watchdog at all.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#define HUATUO_RING_BYTES (64 * 1024) /* 96-byte records (huatuo.h) */
#include "include/huatuo.h"
#include "netdev_txqueue_timeout.h"

char LICENSE[] SEC("license") = "GPL";

/* *_layout anchors keep these types in the object's BTF, where bpf/btf2java.py generates the Java side from. */
struct netdev_txqueue_timeout_event netdev_txqueue_timeout_event_layout __attribute__((unused));
enum netdev_txqueue_timeout_limits netdev_txqueue_timeout_limits_layout __attribute__((unused));

/* trans_timeout is an atomic_long_t on 6.1 and later, an unsigned long on 5.10: CO-RE picks the shape */
struct netdev_queue___ulong {
	unsigned long trans_timeout;
} __attribute__((preserve_access_index));

SEC("tp_btf/net_dev_xmit_timeout")
int BPF_PROG(netdev_txqueue_timeout, struct net_device *dev, int queue_index)
{
	struct netdev_txqueue_timeout_event *e;
	struct netdev_queue *txq;
	struct device *parent;
	const char *driver = NULL;

	HUATUO_RESERVE_OR_RETURN(e, 0);
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = bpf_ktime_get_ns();
	e->queue_index = queue_index;
	e->ifindex = BPF_CORE_READ(dev, ifindex);
	e->tx_queues = BPF_CORE_READ(dev, real_num_tx_queues);
	e->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	BPF_CORE_READ_STR_INTO(&e->device, dev, name);
	/* the queue's own count, as /sys/class/net/<dev>/queues/tx-<n>/tx_timeout shows it */
	txq = BPF_CORE_READ(dev, _tx);
	if (txq && queue_index >= 0) {
		txq = (void *)txq + (__u64)queue_index * bpf_core_type_size(struct netdev_queue);
		if (bpf_core_field_exists(txq->trans_timeout)) {
			e->queue_timeouts = BPF_CORE_READ(txq, trans_timeout.counter);
		} else {
			struct netdev_queue___ulong *old = (void *)txq;

			if (bpf_core_field_exists(old->trans_timeout))
				e->queue_timeouts = BPF_CORE_READ(old, trans_timeout);
		}
	}
	/* what the kernel's netdev_drivername() gives: the parent device's driver */
	parent = BPF_CORE_READ(dev, dev.parent);
	if (parent)
		driver = BPF_CORE_READ(parent, driver, name);
	if (driver)
		bpf_probe_read_kernel_str(e->driver, sizeof(e->driver), driver);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
