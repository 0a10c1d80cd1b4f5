/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mb_core: the kernel half of the microbed runtime, as seen by k-drivers.
 *
 * A k-driver registers one instance per device, with its register policy
 * and three callbacks; it then calls mb_core_upcall() from process context
 * (never atomic: the caller sleeps until the u-driver answers or the
 * upcall times out).  The core owns the channel (/dev/microbed), handles,
 * attach/detach, the policy checks on MMIO downcalls and the log lines.
 */
#ifndef MB_CORE_H
#define MB_CORE_H

#include <linux/types.h>
#include "mb_proto.h"
#include "mb_rings.h"

struct mb_inst;

/* One rule of a per-NIC register policy.  A register without a rule is
 * readable and writable. */
#define MB_DENY_READ		1
#define MB_DENY_WRITE		2
#define MB_DENY_READ_LIVE	4	/* refused unless the rings are OFF */
#define MB_DENY_WRITE_LIVE	8

/*
 * The register map of a NIC: the windows of BAR 0 (inclusive, 4-byte
 * registers) a u-driver may reach at all.  With a map, everything outside
 * it is refused before any rule is looked at, so an offset the datasheet
 * does not document for the chip (e.g. an older part's alias of a ring
 * register) is never reached.  Without one (n_map 0) all of BAR 0 is.
 */
struct mb_reg_window {
	u32 first;
	u32 last;
};

struct mb_reg_rule {
	u32 reg;
	u32 deny;		/* MB_DENY_* */
	/* optional value check for writes; false refuses */
	bool (*check)(void *priv, u32 reg, u32 val, enum mb_rings rings);
	const char *why;	/* one word, goes into the log line */
};

struct mb_kdrv_ops {
	/* Called with the core lock held: must not sleep or call mb_core. */
	void (*attached)(void *priv);
	void (*detached)(void *priv, bool retired);
	/* Driver-specific downcall (op >= MB_DC_DRIVER_BASE); may not sleep. */
	int (*downcall)(void *priv, u16 op, const void *in, u32 len);
};

struct mb_kdrv_desc {
	const char *driver;		/* e.g. MB_E1000_DRIVER */
	u32 layout;			/* e.g. MB_E1000_LAYOUT: u-drivers must match */
	const char *device;		/* e.g. pci_name() */
	void __iomem *mmio;
	u32 mmio_len;
	const struct mb_reg_window *map;
	u32 n_map;
	const struct mb_reg_rule *rules;
	u32 n_rules;
	const struct mb_kdrv_ops *ops;
	void *priv;
};

struct mb_inst *mb_core_register(const struct mb_kdrv_desc *desc);
void mb_core_unregister(struct mb_inst *inst);

/* Wake and fail everything waiting on this instance (before teardown). */
void mb_core_quiesce(struct mb_inst *inst);

/* Sleep until a u-driver attaches: 0, -ETIMEDOUT or -ESHUTDOWN. */
int mb_core_wait_attached(struct mb_inst *inst, unsigned long timeout);
bool mb_core_attached(struct mb_inst *inst);

/* Changes what the policy allows, atomically with respect to downcalls. */
void mb_core_set_rings(struct mb_inst *inst, enum mb_rings rings);

/*
 * Send an upcall and sleep for its reply.  req starts with struct mb_hdr
 * (the core fills it but op); the reply, header included, is copied to
 * rep.  Returns the reply length (>= sizeof(struct mb_hdr)) or -ENOTCONN
 * (no u-driver), -ETIMEDOUT, -ESHUTDOWN, -ENOMEM.
 */
int mb_core_upcall(struct mb_inst *inst, void *req, u32 req_len,
		   void *rep, u32 rep_cap);

/* One log line in the fixed form:
 *   microbed: event=<event> driver=<d> dev=<dev> handle=<h> pid=<p> k=v... */
void mb_core_event(struct mb_inst *inst, const char *event,
		   const char *fmt, ...) __printf(3, 4);

#endif /* MB_CORE_H */
