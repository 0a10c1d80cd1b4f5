// SPDX-License-Identifier: GPL-2.0
/*
 * The e1000 u-driver: serves the upcalls of mb_e1000_split.ko by running
 * the portable control path (e1000_hw.c and friends) in user space.
 * One table row per upcall: argument and result sizes, and the handler.
 * This is the user half of the object tracker: the kernel's copy of the
 * tracked state is adopted on the way in, ours is sent on the way out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/mbu.h"
#include "e1000_udrv.h"

#define ARG(m)	sizeof(((struct mb_e1000_req *)0)->a.m)
#define RES(m)	sizeof(((struct mb_e1000_rep *)0)->r.m)
#define COUNT_RES	8	/* a table header: n and pad */

typedef int (*handler_fn)(struct e1000_hw *hw, const struct mb_e1000_req *q,
			  struct mb_e1000_rep *r);

static int h_init(struct e1000_hw *hw, const struct mb_e1000_req *q,
		  struct mb_e1000_rep *r)
{
	struct mb_dev *dev = hw->dev;

	e1000_hw_setup(hw, dev);	/* a fresh device: ignore IN state */
	return e1000_hw_init(hw);
}

static int h_up(struct e1000_hw *hw, const struct mb_e1000_req *q,
		struct mb_e1000_rep *r)
{
	return e1000_hw_up(hw);
}

static int h_down(struct e1000_hw *hw, const struct mb_e1000_req *q,
		  struct mb_e1000_rep *r)
{
	return e1000_hw_down(hw);
}

static int h_watchdog(struct e1000_hw *hw, const struct mb_e1000_req *q,
		      struct mb_e1000_rep *r)
{
	return e1000_hw_watchdog(hw);
}

static int h_tx_timeout(struct e1000_hw *hw, const struct mb_e1000_req *q,
			struct mb_e1000_rep *r)
{
	return e1000_hw_tx_timeout(hw);
}

static int h_set_mtu(struct e1000_hw *hw, const struct mb_e1000_req *q,
		     struct mb_e1000_rep *r)
{
	return e1000_hw_set_mtu(hw, q->a.mtu);
}

static int h_set_mac(struct e1000_hw *hw, const struct mb_e1000_req *q,
		     struct mb_e1000_rep *r)
{
	return e1000_hw_set_mac(hw, q->a.mac);
}

static int h_set_rx_mode(struct e1000_hw *hw, const struct mb_e1000_req *q,
			 struct mb_e1000_rep *r)
{
	uint32_t n = q->a.rx.mc_count;

	return e1000_hw_set_rx_mode(hw, q->a.rx.flags,
				    (const uint8_t (*)[E1000_ETH_ALEN])q->a.rx.mc,
				    n);
}

static int h_get_link_cfg(struct e1000_hw *hw, const struct mb_e1000_req *q,
			  struct mb_e1000_rep *r)
{
	return e1000_hw_get_link_cfg(hw, &r->r.link);
}

static int h_set_link_cfg(struct e1000_hw *hw, const struct mb_e1000_req *q,
			  struct mb_e1000_rep *r)
{
	return e1000_hw_set_link_cfg(hw, &q->a.link);
}

static int h_restart_an(struct e1000_hw *hw, const struct mb_e1000_req *q,
			struct mb_e1000_rep *r)
{
	return e1000_hw_restart_autoneg(hw);
}

static int h_get_link(struct e1000_hw *hw, const struct mb_e1000_req *q,
		      struct mb_e1000_rep *r)
{
	return e1000_hw_check_link(hw);
}

static int h_set_msglevel(struct e1000_hw *hw, const struct mb_e1000_req *q,
			  struct mb_e1000_rep *r)
{
	return e1000_hw_set_msglevel(hw, q->a.level);
}

static int h_get_regs(struct e1000_hw *hw, const struct mb_e1000_req *q,
		      struct mb_e1000_rep *r)
{
	r->r.regs.n = e1000_hw_get_regs(hw, r->r.regs.v,
					q->a.n < E1000_REGS_DUMP_MAX ?
					q->a.n : E1000_REGS_DUMP_MAX);
	return 0;
}

static int h_get_ring_counts(struct e1000_hw *hw, const struct mb_e1000_req *q,
			     struct mb_e1000_rep *r)
{
	return e1000_hw_get_ring_counts(hw, &r->r.rings.tx, &r->r.rings.rx);
}

static int h_get_stats(struct e1000_hw *hw, const struct mb_e1000_req *q,
		       struct mb_e1000_rep *r)
{
	e1000_hw_update_stats(hw);
	r->r.stats.n = e1000_stats_fill(&hw->st, r->r.stats.v,
					q->a.n < E1000_STATS_MAX ?
					q->a.n : E1000_STATS_MAX);
	return 0;
}

static int h_get_stat_names(struct e1000_hw *hw, const struct mb_e1000_req *q,
			    struct mb_e1000_rep *r)
{
	uint32_t i, n = e1000_stats_count();

	if (q->a.n < n)
		n = q->a.n;
	for (i = 0; i < n; i++)
		strncpy(r->r.names.v[i], e1000_stat_name(i),
			E1000_STAT_NAME_LEN - 1);
	r->r.names.n = n;
	return 0;
}

static int h_stats_count(struct e1000_hw *hw, const struct mb_e1000_req *q,
			 struct mb_e1000_rep *r)
{
	r->r.regs.n = e1000_stats_count();
	return 0;
}

static int h_regs_count(struct e1000_hw *hw, const struct mb_e1000_req *q,
			struct mb_e1000_rep *r)
{
	r->r.regs.n = e1000_regs_count();
	return 0;
}

static int h_restore(struct e1000_hw *hw, const struct mb_e1000_req *q,
		     struct mb_e1000_rep *r)
{
	return e1000_hw_restore(hw);
}

static const struct {
	uint32_t arg;	/* bytes of a.* the request must carry */
	uint32_t res;	/* bytes of r.* the reply carries */
	handler_fn fn;
} ops[MB_E1000_OP_END - MB_OP_DRIVER_BASE] = {
#define OP(o, a, r, f) [MB_E1000_##o - MB_OP_DRIVER_BASE] = { a, r, f }
	OP(INIT,		0,		0,		h_init),
	OP(UP,			0,		0,		h_up),
	OP(DOWN,		0,		0,		h_down),
	OP(WATCHDOG,		0,		0,		h_watchdog),
	OP(TX_TIMEOUT,		0,		0,		h_tx_timeout),
	OP(SET_MTU,		ARG(mtu),	0,		h_set_mtu),
	OP(SET_MAC,		ARG(mac),	0,		h_set_mac),
	OP(SET_RX_MODE,		ARG(rx),	0,		h_set_rx_mode),
	OP(GET_LINK_CFG,	0,		RES(link),	h_get_link_cfg),
	OP(SET_LINK_CFG,	ARG(link),	0,		h_set_link_cfg),
	OP(RESTART_AN,		0,		0,		h_restart_an),
	OP(GET_LINK,		0,		0,		h_get_link),
	OP(SET_MSGLEVEL,	ARG(level),	0,		h_set_msglevel),
	OP(GET_REGS,		ARG(n),		RES(regs),	h_get_regs),
	OP(GET_RING_COUNTS,	0,		RES(rings),	h_get_ring_counts),
	OP(GET_STATS,		ARG(n),		RES(stats),	h_get_stats),
	OP(GET_STAT_NAMES,	ARG(n),		RES(names),	h_get_stat_names),
	OP(STATS_COUNT,		0,		COUNT_RES,	h_stats_count),
	OP(REGS_COUNT,		0,		COUNT_RES,	h_regs_count),
	OP(RESTORE,		0,		0,		h_restore),
#undef OP
};

/* IN direction of the object tracker: adopt the kernel's copy. */
static void track_in(struct e1000_state *st, const struct e1000_state *k)
{
#define X(f, d) if ((d) & MB_F_IN) memcpy(&st->f, &k->f, sizeof(st->f));
	MB_E1000_STATE_FIELDS(X)
#undef X
}

static int e1000_u_upcall(struct mbu_inst *inst, const void *msg, uint32_t len,
			  void *rep, uint32_t *rep_len)
{
	const struct mb_e1000_req *q = msg;
	struct mb_e1000_rep *r = rep;
	struct e1000_hw *hw = inst->priv;
	uint32_t base = offsetof(struct mb_e1000_req, a), idx;
	int status;

	if (len < base || q->hdr.op < MB_OP_DRIVER_BASE ||
	    q->hdr.op >= MB_E1000_OP_END)
		return -EINVAL;
	idx = q->hdr.op - MB_OP_DRIVER_BASE;
	if (!ops[idx].fn || len < base + ops[idx].arg)
		return -EINVAL;
	if (q->hdr.op != MB_E1000_INIT)
		track_in(&hw->st, &q->st);
	status = ops[idx].fn(hw, q, r);
	r->st = hw->st;
	*rep_len = offsetof(struct mb_e1000_rep, r) + ops[idx].res;
	return status;
}

static int e1000_u_attach(struct mbu_inst *inst)
{
	struct e1000_hw *hw = calloc(1, sizeof(*hw));

	if (!hw)
		return -ENOMEM;
	e1000_hw_setup(hw, &inst->dev);
	inst->priv = hw;
	return 0;
}

static void e1000_u_gone(struct mbu_inst *inst)
{
	free(inst->priv);
	inst->priv = NULL;
}

const struct mbu_driver e1000_udriver = {
	.name	= MB_E1000_DRIVER,
	.attach	= e1000_u_attach,
	.upcall	= e1000_u_upcall,
	.gone	= e1000_u_gone,
};
