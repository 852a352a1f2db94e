/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netdev_txqueue_timeout record: the kernel's transmit watchdog found a NIC
 * queue stopped for longer than the device's watchdog timeout. Shared by
 * netdev_txqueue_timeout.bpf.c and the Java decoder.
 */
#ifndef NETDEV_TXQUEUE_TIMEOUT_H
#define NETDEV_TXQUEUE_TIMEOUT_H

enum netdev_txqueue_timeout_limits {
	NETDEV_TXQUEUE_TIMEOUT_IFNAMSIZ = 16,
	NETDEV_TXQUEUE_TIMEOUT_DRIVER_LEN = 32,	/* the driver's name, truncated */
};

struct netdev_txqueue_timeout_event {
	__u64 ktime_ns;			/* CLOCK_MONOTONIC time of the watchdog's verdict */
	__u64 netns;			/* network namespace inode of the device */
	__u64 queue_timeouts;		/* the queue's trans_timeout: its timeouts so far, this one included */
	__u32 ifindex;
	__s32 queue_index;		/* the queue that timed out */
	__u32 tx_queues;		/* transmit queues in use (real_num_tx_queues) */
	__u32 pad;
	char device[NETDEV_TXQUEUE_TIMEOUT_IFNAMSIZ];
	char driver[NETDEV_TXQUEUE_TIMEOUT_DRIVER_LEN];
};

#endif /* NETDEV_TXQUEUE_TIMEOUT_H */
