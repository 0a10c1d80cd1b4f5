// SPDX-License-Identifier: GPL-2.0
/*
 * Variant `monolithic`: the control operations are direct calls into the
 * portable control path compiled into this module (ctlpath.c).  The
 * tracked state is the control path's own, so a->st points straight at it.
 */
#include <linux/slab.h>

#include "mb_e1000.h"

static struct e1000_hw *hw_of(struct mb_adapter *a)
{
	return a->ctl_priv;
}

static int d_attach(struct mb_adapter *a)
{
	struct e1000_hw *hw = kzalloc(sizeof(*hw), GFP_KERNEL);

	if (!hw)
		return -ENOMEM;
	e1000_hw_setup(hw, &a->dev);
	a->ctl_priv = hw;
	a->st = &hw->st;
	return 0;
}

static void d_detach(struct mb_adapter *a)
{
	kfree(a->ctl_priv);
	a->ctl_priv = NULL;
}

static int d_init(struct mb_adapter *a)		{ return e1000_hw_init(hw_of(a)); }
static int d_up(struct mb_adapter *a)		{ return e1000_hw_up(hw_of(a)); }
static int d_down(struct mb_adapter *a)		{ return e1000_hw_down(hw_of(a)); }
static int d_watchdog(struct mb_adapter *a)	{ return e1000_hw_watchdog(hw_of(a)); }
static int d_tx_timeout(struct mb_adapter *a)	{ return e1000_hw_tx_timeout(hw_of(a)); }
static int d_restart_an(struct mb_adapter *a)	{ return e1000_hw_restart_autoneg(hw_of(a)); }
static int d_get_link(struct mb_adapter *a)	{ return e1000_hw_check_link(hw_of(a)); }
static int d_stats_count(struct mb_adapter *a)	{ return e1000_stats_count(); }
static int d_regs_count(struct mb_adapter *a)	{ return e1000_regs_count(); }

static int d_set_mtu(struct mb_adapter *a, u32 mtu)
{
	return e1000_hw_set_mtu(hw_of(a), mtu);
}

static int d_set_mac(struct mb_adapter *a, const u8 *mac)
{
	return e1000_hw_set_mac(hw_of(a), mac);
}

static int d_set_rx_mode(struct mb_adapter *a, u32 flags,
			 const u8 (*mc)[ETH_ALEN], u32 n)
{
	return e1000_hw_set_rx_mode(hw_of(a), flags, mc, n);
}

static int d_get_link_cfg(struct mb_adapter *a, struct e1000_link_cfg *c)
{
	return e1000_hw_get_link_cfg(hw_of(a), c);
}

static int d_set_link_cfg(struct mb_adapter *a, const struct e1000_link_cfg *c)
{
	return e1000_hw_set_link_cfg(hw_of(a), c);
}

static int d_set_msglevel(struct mb_adapter *a, u32 level)
{
	return e1000_hw_set_msglevel(hw_of(a), level);
}

static int d_get_regs(struct mb_adapter *a, u32 *out, u32 n)
{
	return e1000_hw_get_regs(hw_of(a), out, n);
}

static int d_get_ring_counts(struct mb_adapter *a, u32 *tx, u32 *rx)
{
	return e1000_hw_get_ring_counts(hw_of(a), tx, rx);
}

static int d_get_stats(struct mb_adapter *a, u64 *out, u32 n)
{
	e1000_hw_update_stats(hw_of(a));
	return e1000_stats_fill(&hw_of(a)->st, out, n);
}

static int d_get_stat_names(struct mb_adapter *a,
			    char (*names)[E1000_STAT_NAME_LEN], u32 n)
{
	u32 i;

	for (i = 0; i < n && i < e1000_stats_count(); i++)
		strscpy(names[i], e1000_stat_name(i), E1000_STAT_NAME_LEN);
	return i;
}

const struct mb_ctl_ops mb_ctl_ops = {
	.name			= "direct",
	.attach			= d_attach,
	.detach			= d_detach,
	.init			= d_init,
	.up			= d_up,
	.down			= d_down,
	.watchdog		= d_watchdog,
	.tx_timeout		= d_tx_timeout,
	.set_mtu		= d_set_mtu,
	.set_mac		= d_set_mac,
	.set_rx_mode		= d_set_rx_mode,
	.get_link_cfg		= d_get_link_cfg,
	.set_link_cfg		= d_set_link_cfg,
	.restart_autoneg	= d_restart_an,
	.get_link		= d_get_link,
	.set_msglevel		= d_set_msglevel,
	.get_regs		= d_get_regs,
	.get_ring_counts	= d_get_ring_counts,
	.get_stats		= d_get_stats,
	.get_stat_names		= d_get_stat_names,
	.stats_count		= d_stats_count,
	.regs_count		= d_regs_count,
};
