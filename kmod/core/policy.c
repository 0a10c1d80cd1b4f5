// SPDX-License-Identifier: GPL-2.0
/*
 * Downcalls and the per-NIC register policy.  Every MMIO access a
 * u-driver asks for is checked against the k-driver's rule table under
 * mb_lock, so it cannot race with the k-driver turning its rings on or
 * off (mb_core_set_rings).  PCI configuration space (and with it bus
 * mastering) has no downcall at all.
 */
#include <linux/io.h>
#include <linux/uaccess.h>

#include "core_internal.h"

static const char *const mb_rings_name[] = {
	[MB_RINGS_OFF] = "off", [MB_RINGS_SETUP] = "setup", [MB_RINGS_LIVE] = "live",
};

static u32 mb_rule_width(const struct mb_reg_rule *r)
{
	return r->width ? r->width : 4;
}

/* The rule whose register shares a byte with [reg, reg + width), if any
 * (rules do not overlap each other). */
static const struct mb_reg_rule *mb_rule_for(const struct mb_inst *inst,
					     u32 reg, u32 width)
{
	u32 i;

	for (i = 0; i < inst->desc.n_rules; i++) {
		const struct mb_reg_rule *r = &inst->desc.rules[i];

		if (reg < r->reg + mb_rule_width(r) && r->reg < reg + width)
			return r;
	}
	return NULL;
}

static bool mb_byte_in_map(const struct mb_inst *inst, u32 b)
{
	u32 i;

	for (i = 0; i < inst->desc.n_map; i++)
		if (b >= inst->desc.map[i].start && b < inst->desc.map[i].end)
			return true;
	return false;
}

static bool mb_in_map(const struct mb_inst *inst, u32 reg, u32 width)
{
	u32 b;

	if (!inst->desc.n_map)
		return true;
	for (b = reg; b < reg + width; b++)
		if (!mb_byte_in_map(inst, b))
			return false;
	return true;
}

static const char *mb_op_name(u32 width, bool write)
{
	switch (width) {
	case 1:
		return write ? "wr8" : "rd8";
	case 2:
		return write ? "wr16" : "rd16";
	default:
		return write ? "wr32" : "rd32";
	}
}

/* 0, or -EPERM/-EINVAL with a log line saying why. */
static int mb_policy_check(struct mb_inst *inst, u32 reg, u32 val, u32 width,
			   bool write)
{
	const char *op = mb_op_name(width, write);
	u8 widths = inst->desc.widths ? inst->desc.widths : MB_WIDTH_32;
	const struct mb_reg_rule *r;
	u32 deny;

	if (!(widths & width) || reg & (width - 1) ||
	    reg > inst->desc.mmio_len - width) {
		mb_core_event(inst, "refuse", "reason=bounds op=%s reg=0x%05x",
			      op, reg);
		return -EINVAL;
	}
	if (!mb_in_map(inst, reg, width)) {
		mb_core_event(inst, "refuse",
			      "reason=policy op=%s reg=0x%05x val=0x%08x rings=%s why=not-in-register-map",
			      op, reg, write ? val : 0,
			      mb_rings_name[inst->rings]);
		return -EPERM;
	}
	r = mb_rule_for(inst, reg, width);
	if (!r)
		return 0;
	if (r->reg != reg || mb_rule_width(r) != width) {
		mb_core_event(inst, "refuse",
			      "reason=policy op=%s reg=0x%05x val=0x%08x rings=%s why=%s access=not-the-register's-width",
			      op, reg, write ? val : 0,
			      mb_rings_name[inst->rings], r->why);
		return -EPERM;
	}
	deny = write ? MB_DENY_WRITE : MB_DENY_READ;
	if (inst->rings != MB_RINGS_OFF)
		deny |= write ? MB_DENY_WRITE_LIVE : MB_DENY_READ_LIVE;
	if (r->deny & deny ||
	    (write && r->check && !r->check(inst->desc.priv, reg, val, inst->rings))) {
		mb_core_event(inst, "refuse",
			      "reason=policy op=%s reg=0x%05x val=0x%08x rings=%s why=%s",
			      op, reg, val, mb_rings_name[inst->rings], r->why);
		return -EPERM;
	}
	return 0;
}

/* An MMIO access of `width` bytes, after the policy. */
static int mb_dc_mmio(struct mb_inst *inst, struct mb_dc_reg *rg, u32 width,
		      bool write)
{
	void __iomem *p = inst->desc.mmio + rg->reg;
	int err;

	err = mb_policy_check(inst, rg->reg, rg->val, width, write);
	if (err)
		return err;
	if (write) {
		if (width == 1)
			writeb(rg->val, p);
		else if (width == 2)
			writew(rg->val, p);
		else
			writel(rg->val, p);
	} else {
		rg->val = width == 1 ? readb(p) : width == 2 ? readw(p) : readl(p);
	}
	return 0;
}

static int mb_dc_bad(struct mb_inst *inst, const struct mb_downcall *dc)
{
	mb_core_event(inst, "refuse", "reason=bad-downcall op=%u len=%u",
		      dc->hdr.op, dc->hdr.len);
	return -EINVAL;
}

static int mb_dc_dispatch(struct mb_inst *inst, struct mb_downcall *dc,
			  u32 plen)
{
	struct mb_dc_reg *rg = &dc->u.reg;
	int err;

	switch (dc->hdr.op) {
	case MB_DC_RD8:
	case MB_DC_WR8:
	case MB_DC_RD16:
	case MB_DC_WR16:
	case MB_DC_RD32:
	case MB_DC_WR32: {
		u16 op = dc->hdr.op;
		u32 width = op <= MB_DC_WR32 ? 4 : op <= MB_DC_WR8 ? 1 : 2;
		bool write = op == MB_DC_WR32 || op == MB_DC_WR8 || op == MB_DC_WR16;

		/* a value wider than the register is malformed */
		if (plen != sizeof(*rg) ||
		    (write && width < 4 && rg->val >> (8 * width)))
			return mb_dc_bad(inst, dc);
		return mb_dc_mmio(inst, rg, width, write);
	}
	case MB_DC_LINK:
		if (plen != sizeof(dc->u.link) || dc->u.link.up > 1 ||
		    dc->u.link.full_duplex > 1 ||
		    dc->u.link.speed > MB_LINK_SPEED_MAX ||
		    !inst->desc.ops->link ||
		    inst->desc.ops->link(inst->desc.priv, &dc->u.link))
			return mb_dc_bad(inst, dc);
		return 0;
	default:
		if (dc->hdr.op < MB_DC_DRIVER_BASE || !inst->desc.ops->downcall)
			return mb_dc_bad(inst, dc);
		err = inst->desc.ops->downcall(inst->desc.priv, dc->hdr.op,
					       dc->u.raw, plen);	/* answers in place */
		return err == -EINVAL ? mb_dc_bad(inst, dc) : err;
	}
}

long mb_downcall(struct mb_chan *chan, struct mb_downcall __user *u)
{
	struct mb_downcall dc;
	struct mb_inst *inst;
	u32 plen;
	int err;

	if (copy_from_user(&dc, u, sizeof(dc)))
		return -EFAULT;
	if (dc.hdr.len < sizeof(dc.hdr) || dc.hdr.len > sizeof(dc) ||
	    !mb_hdr_ok(&dc.hdr, dc.hdr.len, MB_KIND_DOWNCALL)) {
		mb_chan_event(chan, "refuse", "reason=bad-header op=downcall len=%u",
			      dc.hdr.len);
		return -EINVAL;
	}
	plen = dc.hdr.len - sizeof(dc.hdr);
	if (dc.hdr.op == MB_DC_NULL)
		return 0;	/* latency probe: no instance needed */

	mutex_lock(&mb_lock);
	inst = mb_inst_find(dc.hdr.handle);
	if (!inst || inst->chan != chan) {
		mb_chan_event(chan, "refuse", "reason=unknown-handle handle=%u op=%u",
			      dc.hdr.handle, dc.hdr.op);
		err = -ENOENT;
	} else {
		err = mb_dc_dispatch(inst, &dc, plen);
	}
	mutex_unlock(&mb_lock);

	dc.hdr.status = err;
	if (copy_to_user(u, &dc, sizeof(dc)))
		return -EFAULT;
	return err;
}
