/* SPDX-License-Identifier: GPL-2.0 */
/*
 * microbed wire protocol between the kernel runtime (mb_core.ko plus the
 * k-drivers) and user space (libmbu plus the u-drivers): the generic part,
 * the only kernel header user space includes.  Each driver's own messages
 * (its op numbers, request and reply layouts, tracked state) are in its
 * generated header, udriver/<driver>/gen/<driver>_proto.h, which builds on
 * this one.  Only fixed-width fields, explicit padding, no pointers.
 *
 * Channel: /dev/microbed.
 *   read()   returns one kernel-to-user message (an upcall or a notice)
 *   write()  sends one reply to an upcall
 *   ioctl()  list / attach / detach / downcall
 * Every message starts with struct mb_hdr; len counts the whole message.
 */
#ifndef MICROBED_UAPI_H
#define MICROBED_UAPI_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/ioctl.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
#endif

#define MB_PROTO_MAGIC		0x4D425031u	/* "MBP1" */
#define MB_PROTO_VERSION	4	/* 2: attach and list carry the driver's layout;
					 * 3: the link report is a generic downcall;
					 * 4: 8- and 16-bit register access */
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
#define MB_NOTICE_NEW		2	/* an instance registered: list, attach */

/* Downcalls (ioctl MB_IOC_DOWNCALL) */
#define MB_DC_NULL		1	/* empty downcall: latency probe */
#define MB_DC_RD32		2	/* MMIO read, register policy applies */
#define MB_DC_WR32		3	/* MMIO write, register policy applies */
#define MB_DC_LINK		4	/* link report: carrier on/off */
#define MB_DC_RD8		5	/* 8- and 16-bit MMIO, where the NIC's */
#define MB_DC_WR8		6	/* registers are that wide; the same */
#define MB_DC_RD16		7	/* policy, and val holds the register's */
#define MB_DC_WR16		8	/* width in its low bits */
#define MB_DC_DRIVER_BASE	16	/* driver-specific downcalls */

struct mb_dc_reg {
	uint32_t reg;
	uint32_t val;
};

#define MB_LINK_SPEED_MAX	400000	/* Mb/s; a driver may accept fewer */

struct mb_dc_link {
	uint32_t up;		/* 0 or 1 */
	uint32_t speed;		/* Mb/s, 0 without link */
	uint32_t full_duplex;	/* 0 or 1 */
};

#define MB_DC_PAYLOAD_MAX	64

struct mb_downcall {
	struct mb_hdr hdr;	/* kind DOWNCALL, op, handle, len */
	union {
		struct mb_dc_reg reg;
		struct mb_dc_link link;
		uint8_t raw[MB_DC_PAYLOAD_MAX];
	} u;
};

/* ---- ioctls ---------------------------------------------------------- */

#define MB_LIST_MAX		16

struct mb_inst_info {
	uint32_t handle;
	uint32_t attached;	/* 1: served by some u-driver */
	uint32_t layout;	/* the k-driver's MB_<DRIVER>_LAYOUT */
	uint32_t reserved;
	char driver[MB_NAME_LEN];	/* the k-driver's name, as its u-driver says it */
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
	uint32_t layout;	/* and its MB_<DRIVER>_LAYOUT: the same build */
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

#endif /* MICROBED_UAPI_H */
