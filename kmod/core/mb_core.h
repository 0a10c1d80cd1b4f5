/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mb_core: the kernel half of the microbed runtime, as seen by k-drivers.
 *
 * A k-driver registers one instance per device, with its register policy,
 * its link report and its shadow callbacks; it then calls mb_core_upcall()
 * from process context (never atomic: the caller sleeps until the
 * u-driver answers or the upcall times out).  The core owns the channel
 * (/dev/microbed), handles, attach/detach, the policy checks on MMIO
 * downcalls, the log lines, and recovery: the shadow layer (shadow.c)
 * notices a dead u-driver, holds control operations for a bounded outage,
 * replays the configuration to the next u-driver through the k-driver's
 * replay callback, and retires an instance whose u-drivers keep dying.
 */
#ifndef MB_CORE_H
#define MB_CORE_H

#include <linux/types.h>
#include "../include/uapi/microbed.h"
#include "mb_rings.h"

struct mb_inst;

/* One rule of a per-NIC register policy.  A register without a rule is
 * readable and writable. */
#define MB_DENY_READ		1
#define MB_DENY_WRITE		2
#define MB_DENY_READ_LIVE	4	/* refused unless the rings are OFF */
#define MB_DENY_WRITE_LIVE	8

/*
 * The register map of a NIC: the byte spans [start, end) of its MMIO BAR
 * a u-driver may reach at all.  With a map, an access any of whose bytes
 * lies outside it is refused before any rule is looked at, so an offset
 * the datasheet does not document for the chip (e.g. an older part's
 * alias of a ring register) is never reached.  Without one (n_map 0) all
 * of the BAR is.
 */
struct mb_reg_window {
	u32 start;
	u32 end;
};

/*
 * One rule: the register of `width` bytes (0: 4) at `reg`.  An access
 * that touches any of its bytes must be exactly that register (a wider or
 * narrower access that reaches it, e.g. a 32-bit write whose top byte is
 * a command register, is refused), so the value check sees the value the
 * register gets.
 */
struct mb_reg_rule {
	u32 reg;
	u32 deny;		/* MB_DENY_* */
	/* optional value check for writes; false refuses */
	bool (*check)(void *priv, u32 reg, u32 val, enum mb_rings rings);
	const char *why;	/* one word, goes into the log line */
	u8 width;
};

/* Access sizes a NIC's registers allow (mb_kdrv_desc.widths): bytes. */
#define MB_WIDTH_8		1
#define MB_WIDTH_16		2
#define MB_WIDTH_32		4

struct mb_kdrv_ops {
	/*
	 * The u-driver's link report (MB_DC_LINK), checked by the core (up
	 * and full_duplex 0 or 1, speed at most MB_LINK_SPEED_MAX): 0, or
	 * -EINVAL for a speed this NIC cannot have.  Core lock held: may not
	 * sleep or call mb_core.
	 */
	int (*link)(void *priv, const struct mb_dc_link *l);
	/*
	 * Driver-specific downcall (op >= MB_DC_DRIVER_BASE): buf holds the
	 * len bytes the u-driver sent and is copied back to it, so a service
	 * the kernel performs for the control path (e.g. a DMA into its own
	 * buffer) can answer in place, up to MB_DC_PAYLOAD_MAX bytes.  Core
	 * lock held: may busy-wait briefly, not sleep.
	 */
	int (*downcall)(void *priv, u16 op, void *buf, u32 len);

	/*
	 * The shadow layer's callbacks, each from a work item (process
	 * context, may upcall).  replay: a new u-driver attached to an
	 * initialized instance; give it the kernel's tracked state and replay
	 * the configuration in force (MTU, MAC, RX mode, ...); 0 or -errno,
	 * and a few key=value words for the replay log line.  resume: after
	 * a replay that succeeded, once control operations are no longer held
	 * (e.g. reopen a data path that fell down, re-arm a watchdog).
	 * retire: the instance's u-drivers keep dying (crash loop).
	 */
	int (*replay)(void *priv, char *desc, size_t cap);
	void (*resume)(void *priv);
	void (*retire)(void *priv);
};

struct mb_kdrv_desc {
	const char *driver;		/* the driver's name: its u-driver's must match */
	u32 layout;			/* its spec's fingerprint: u-drivers must match */
	const char *device;		/* e.g. pci_name() */
	void __iomem *mmio;
	u32 mmio_len;
	u8 widths;			/* MB_WIDTH_* allowed; 0: 32-bit only */
	const struct mb_reg_window *map;
	u32 n_map;
	const struct mb_reg_rule *rules;
	u32 n_rules;
	const struct mb_kdrv_ops *ops;
	void *priv;
};

struct mb_inst *mb_core_register(const struct mb_kdrv_desc *desc);
void mb_core_unregister(struct mb_inst *inst);

/*
 * Before teardown: no attach any more, everything waiting on the instance
 * woken and failed, and the shadow layer's work items finished (so none of
 * its callbacks runs afterwards).  Process context, no locks held that a
 * callback takes (e.g. RTNL).
 */
void mb_core_quiesce(struct mb_inst *inst);

/* Sleep until a u-driver attaches, at most mb_core's attach_timeout_s:
 * 0, -ETIMEDOUT or -ESHUTDOWN. */
int mb_core_wait_attached(struct mb_inst *inst);
bool mb_core_attached(struct mb_inst *inst);

/* Device init succeeded: from now on a new u-driver is replayed to. */
void mb_core_set_initialized(struct mb_inst *inst);

/*
 * A control operation that arrives while the u-driver is being replaced
 * (it died and its successor is not replayed yet) waits for it, at most
 * mb_core's outage_wait_ms, interruptibly; not while retired or unloading.
 */
void mb_core_await_served(struct mb_inst *inst);

/*
 * Transparent retry of a control operation whose u-driver was lost while
 * it ran.  mb_core_generation() is taken before the operation (under the
 * k-driver's control lock); when the operation failed (err < 0) and a
 * detach happened since gen, mb_core_retry() waits (as
 * mb_core_await_served) for the next u-driver to be replayed and says
 * whether to try once more (event=retry op=OP ... result=retried|failed).
 * Never while retired or unloading, nor after a signal (the caller gave
 * up).  mb_core's retry_lost=N turns it off.
 */
u32 mb_core_generation(struct mb_inst *inst);
bool mb_core_retry(struct mb_inst *inst, int err, u32 gen, const char *op);

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
