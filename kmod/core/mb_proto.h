/* SPDX-License-Identifier: GPL-2.0 */
/*
 * microbed wire protocol between the kernel runtime (mb_core.ko plus the
 * k-drivers) and user space (libmbu plus the u-driver daemons).
 *
 * This header is the single description of every message layout; both
 * sides include it.  It is written so that a generator can later emit it
 * (and the marshaling around it) from an interface spec: only fixed-width
 * fields, explicit padding, no pointers, one table of tracked fields.
 *
 * Channel: /dev/microbed.
 *   read()   returns one kernel-to-user message (an upcall or a notice)
 *   write()  sends one reply to an upcall
 *   ioctl()  list / attach / detach / downcall
 * Every message starts with struct mb_hdr; len counts the whole message.
 */
#ifndef MB_PROTO_H
#define MB_PROTO_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/ioctl.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
#endif

#include "../../udriver/e1000/e1000_hw.h"

#define MB_PROTO_MAGIC		0x4D425031u	/* "MBP1" */
#define MB_PROTO_VERSION	1
#define MB_MSG_MAX		4096	/* no message is longer */
#define MB_NAME_LEN		32

enum mb_kind {
	MB_KIND_UPCALL = 1,	/* kernel -> user, expects a reply */
	MB_KIND_REPLY = 2,	/* user -> kernel, answers an upcall (seq) */
	MB_KIND_NOTICE = 3,	/* kernel -> user, no reply */
	MB_KIND_DOWNCALL = 4,	/* user -> kernel, ioctl */
};

struct mb_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t kind;		/* enum mb_kind */
	uint16_t op;		/* per kind: MB_OP_*, MB_DC_*, MB_NOTICE_* */
	uint16_t reserved;	/* must be zero */
	uint32_t len;		/* whole message, header included */
	uint32_t handle;	/* instance handle, never a pointer */
	int32_t status;		/* replies and downcalls: 0 or -errno */
	uint64_t seq;		/* upcall sequence; a reply echoes it */
};

/* ---- generic operations (any driver) -------------------------------- */

#define MB_OP_NULL		1	/* empty upcall: latency probe */
#define MB_OP_DRIVER_BASE	16	/* driver-specific upcalls start here */

#define MB_NOTICE_GONE		1	/* instance unregistered: forget it */

/* Downcalls (ioctl MB_IOC_DOWNCALL) */
#define MB_DC_NULL		1	/* empty downcall: latency probe */
#define MB_DC_RD32		2	/* MMIO read, register policy applies */
#define MB_DC_WR32		3	/* MMIO write, register policy applies */
#define MB_DC_DRIVER_BASE	16	/* driver-specific downcalls */

struct mb_dc_reg {
	uint32_t reg;
	uint32_t val;
};

#define MB_DC_PAYLOAD_MAX	64

struct mb_downcall {
	struct mb_hdr hdr;	/* kind DOWNCALL, op, handle, len */
	union {
		struct mb_dc_reg reg;
		uint8_t raw[MB_DC_PAYLOAD_MAX];
	} u;
};

/* ---- ioctls ---------------------------------------------------------- */

#define MB_LIST_MAX		16

struct mb_inst_info {
	uint32_t handle;
	uint32_t attached;	/* 1: served by some u-driver */
	char driver[MB_NAME_LEN];	/* e.g. "e1000" */
	char device[MB_NAME_LEN];	/* e.g. "0000:00:02.0" */
};

struct mb_ioc_list {
	uint32_t count;		/* out: instances listed */
	uint32_t pad;
	struct mb_inst_info inst[MB_LIST_MAX];
};

struct mb_ioc_attach {
	uint32_t handle;
	uint16_t version;	/* MB_PROTO_VERSION the u-driver speaks */
	uint16_t pad;
	char driver[MB_NAME_LEN];	/* must match the instance's driver */
};

/* Latency probe: `count` null upcalls to the instance's u-driver, timed
 * in the kernel.  Issued by any privileged process (not the u-driver). */
struct mb_ioc_bench {
	uint32_t handle;
	uint32_t count;		/* 1..100000 */
	uint64_t total_ns;	/* out */
};

#define MB_IOC_MAGIC		'M'
#define MB_IOC_LIST		_IOR(MB_IOC_MAGIC, 1, struct mb_ioc_list)
#define MB_IOC_ATTACH		_IOW(MB_IOC_MAGIC, 2, struct mb_ioc_attach)
#define MB_IOC_DETACH		_IOW(MB_IOC_MAGIC, 3, uint32_t)
#define MB_IOC_DOWNCALL		_IOWR(MB_IOC_MAGIC, 4, struct mb_downcall)
#define MB_IOC_BENCH		_IOWR(MB_IOC_MAGIC, 5, struct mb_ioc_bench)

/* ---- e1000 ----------------------------------------------------------- */

#define MB_E1000_DRIVER		"e1000"

enum mb_e1000_op {
	MB_E1000_INIT = MB_OP_DRIVER_BASE,
	MB_E1000_UP,
	MB_E1000_DOWN,
	MB_E1000_WATCHDOG,
	MB_E1000_TX_TIMEOUT,
	MB_E1000_SET_MTU,
	MB_E1000_SET_MAC,
	MB_E1000_SET_RX_MODE,
	MB_E1000_GET_LINK_CFG,
	MB_E1000_SET_LINK_CFG,
	MB_E1000_RESTART_AN,
	MB_E1000_GET_LINK,
	MB_E1000_SET_MSGLEVEL,
	MB_E1000_GET_REGS,
	MB_E1000_GET_RING_COUNTS,
	MB_E1000_GET_STATS,
	MB_E1000_GET_STAT_NAMES,
	MB_E1000_STATS_COUNT,
	MB_E1000_REGS_COUNT,
	MB_E1000_RESTORE,	/* new u-driver: adopt the kernel's state */
	MB_E1000_OP_END
};

/* e1000 downcalls */
#define MB_E1000_DC_LINK	MB_DC_DRIVER_BASE	/* mb_link_report() */

struct mb_e1000_dc_link {
	uint32_t up;
	uint32_t speed;
	uint32_t full_duplex;
};

struct mb_e1000_rx_mode {
	uint32_t flags;		/* E1000_RX_* */
	uint32_t mc_count;	/* > E1000_MC_MAX: too many, all-multi */
	uint8_t mc[E1000_MC_MAX][E1000_ETH_ALEN];
};

/* Upcall: header, the kernel's copy of the tracked state, arguments. */
struct mb_e1000_req {
	struct mb_hdr hdr;
	struct e1000_state st;
	union {
		uint32_t mtu;
		uint8_t mac[8];		/* E1000_ETH_ALEN used */
		struct mb_e1000_rx_mode rx;
		struct e1000_link_cfg link;
		uint32_t level;
		uint32_t n;		/* entries wanted (regs, stats) */
	} a;
};

/* Reply: header, the u-driver's tracked state, results.  status in the
 * header is the operation's return value.  Only the bytes up to the end
 * of the result an operation uses are sent (see mb_e1000_rep_len). */
struct mb_e1000_rep {
	struct mb_hdr hdr;
	struct e1000_state st;
	union {
		struct e1000_link_cfg link;
		struct { uint32_t tx, rx; } rings;
		struct { uint32_t n, pad; uint32_t v[E1000_REGS_DUMP_MAX]; } regs;
		struct { uint32_t n, pad; uint64_t v[E1000_STATS_MAX]; } stats;
		struct { uint32_t n, pad;
			 char v[E1000_STATS_MAX][E1000_STAT_NAME_LEN]; } names;
	} r;
};

/*
 * Tracked fields of struct e1000_state, with their direction.  IN: copied
 * kernel -> user at every upcall.  OUT: copied user -> kernel at every
 * return, after the kernel range-checks it.  OUT_INIT: copied back only
 * from MB_E1000_INIT (identity read from the EEPROM, fixed afterwards).
 */
#define MB_F_IN		1
#define MB_F_OUT	2
#define MB_F_OUT_INIT	4
#define MB_F_INOUT	(MB_F_IN | MB_F_OUT)

#define MB_E1000_STATE_FIELDS(X)			\
	X(mac,		MB_F_INOUT)			\
	X(perm_mac,	MB_F_IN | MB_F_OUT_INIT)	\
	X(eeprom,	MB_F_IN | MB_F_OUT_INIT)	\
	X(link_up,	MB_F_INOUT)			\
	X(full_duplex,	MB_F_INOUT)			\
	X(phy_id_low,	MB_F_INOUT)			\
	X(speed,	MB_F_INOUT)			\
	X(link_cfg,	MB_F_INOUT)			\
	X(mtu,		MB_F_INOUT)			\
	X(rx_buf_len,	MB_F_INOUT)			\
	X(rx_flags,	MB_F_INOUT)			\
	X(msg_enable,	MB_F_INOUT)			\
	X(stats,	MB_F_INOUT)

#endif /* MB_PROTO_H */
