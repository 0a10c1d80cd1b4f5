/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mb-hostile's driver table: what is the same for every NIC is in
 * mb-hostile.c (messages, attach, downcalls, handles, churn); what a NIC's
 * register policy must refuse, and how to hold its rings, is in its own
 * file (hostile_<driver>.c).
 */
#ifndef MB_HOSTILE_H
#define MB_HOSTILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/mbu.h"

struct hostile_drv {
	const char *name;		/* MB_<DRIVER>_DRIVER */
	uint32_t layout;		/* MB_<DRIVER>_LAYOUT */
	uint32_t req_state_end;		/* offsetof(struct mb_<d>_req, a) */
	uint32_t rep_state_end;		/* offsetof(struct mb_<d>_rep, r) */
	uint32_t tracked_state;		/* sizeof(struct <d>_state) */
	uint32_t allowed_rd32;		/* a register any u-driver may read */
	/* the result bytes of a reply to op that the hostile u-driver fills
	 * (after the state), answering ring-size questions with `ring` */
	uint32_t (*results)(uint16_t op, void *r, uint32_t ring);
	/* whether the rings are live (the interface is up) */
	int (*live)(struct mbu_chan *c, uint32_t handle);
	/* one write that resets the chip: 0 or -errno */
	int (*reset)(struct mbu_chan *c, uint32_t handle);
	/* make the tracked state st fail the kernel's range checks */
	void (*corrupt)(void *st);
	/* the register policy's cases, with the rings live or not */
	void (*cases)(struct mbu_chan *c, uint32_t handle, const char *device,
		      int live);
};

extern const struct hostile_drv hostile_e1000, hostile_rtl8139;

void report(const char *name, int want, int got);
void skip(const char *name, const char *why);
/* Serve every upcall as a u-driver that lies only about ring sizes (ring)
 * and null upcalls (null_status) until the child pid exits: its status. */
int serve_until_exit(struct mbu_chan *c, pid_t pid, uint32_t ring,
		     int32_t null_status);
/* A child's result reported as -errno: it exits with the errno (0: done). */
int child_errno(int st);
/* The network interface of PCI device dev (sysfs); 0 or -ENOENT. */
int netdev_of(const char *dev, char *name, size_t cap);
/* ethtool -G as an ioctl: 0 or -errno. */
int set_rings(const char *ifname, uint32_t n);

#endif /* MB_HOSTILE_H */
