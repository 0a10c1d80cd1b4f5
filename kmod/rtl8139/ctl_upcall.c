// SPDX-License-Identifier: GPL-2.0
/*
 * Variant `split`, the hand-written part: registration with mb_core and
 * what this driver gives the runtime's shadow layer: its replay (the
 * kernel's tracked state to a new u-driver, then the RX mode), its resume
 * (re-open a data path that fell down, re-arm the watchdog), its
 * retirement and its link report.  The upcall stubs, the reply checks of
 * the object tracker, the rest of the lifecycle and the ops table are
 * generated from the interface spec (gen/ctl_upcall.c, gen/reply.c).
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "split.h"

static unsigned int test_rearm_delay_ms;
module_param(test_rearm_delay_ms, uint, 0644);
MODULE_PARM_DESC(test_rearm_delay_ms,
		 "test hook (default 0): a replay sleeps this long between seeing the interface up and re-arming its watchdog, so a test can unbind the device inside that window");

/* The kernel's tracked state to the u-driver (its restore programs the
 * device from it), then the RX mode from the last snapshot.  ctl_lock held. */
static int mb_give_state(struct mb_adapter *a)
{
	int err = mb_upcall_restore(a);

	return err ? err : mb_apply_rx_mode(a);
}

/*
 * A reply the tracker refused (gen/ctl_upcall.c's call()): the operation
 * failed, but what the u-driver had done to the device by then is unknown
 * -- an address programmed and a nonsense answer leave the chip filtering
 * on one address while the kernel sends from another.  So the device is
 * given the tracked state again, as a new u-driver is after a crash; a
 * refusal inside this does not start another.  ctl_lock held.
 */
void mb_split_resync(struct mb_split *s, u16 op)
{
	int err;

	if (s->resyncing)
		return;
	s->resyncing = true;
	err = mb_give_state(s->a);
	s->resyncing = false;
	mb_core_event(s->inst, "resync", "after=refused-reply op=%u result=%d",
		      op, err);
}

/* ---- what the shadow layer calls ------------------------------------ */

/*
 * A new u-driver attached to a running instance: give it the kernel's
 * tracked state (MTU, MAC, link settings, message level, WoL, ... travel in
 * it), then replay the RX mode from the kernel's last snapshot.
 */
static int cb_replay(void *priv, char *desc, size_t cap)
{
	struct mb_adapter *a = priv;
	struct mb_split *s = split_of(a);
	struct mb_rx_mode *m = &a->rx_mode_scratch;
	int err;

	mutex_lock(&a->ctl_lock);
	err = mb_give_state(a);
	mutex_unlock(&a->ctl_lock);
	snprintf(desc, cap, "mtu=%u mac=%pM rx_flags=%u mc=%u autoneg=%u wol=%u",
		 s->st.mtu, s->st.mac, m->flags, m->mc_count,
		 s->st.link_cfg.autoneg, s->st.wol);
	return err;
}

/* The interface is up but its data path fell down while no u-driver was
 * there (e.g. a failed re-open): bring it back; then the watchdog. */
static void cb_resume(void *priv)
{
	struct mb_adapter *a = priv;

	rtnl_lock();
	if (netif_running(a->netdev) && test_bit(MB_DOWN, &a->flags))
		mb_core_event(split_of(a)->inst, "reopen", "result=%d", mb_up(a));
	rtnl_unlock();
	if (netif_running(a->netdev)) {
		if (test_rearm_delay_ms)
			msleep(test_rearm_delay_ms);
		mod_delayed_work(system_wq, &a->watchdog_work, 0);
	}
}

/*
 * Crash loop: the core refuses u-drivers for a cool-down (its giveup line
 * says until when).  The data path needs none of them, so the interface is
 * left exactly as it is (up, rings live, kernel-side statistics served);
 * control operations fail with -ENOTCONN meanwhile, and the first
 * u-driver admitted afterwards is replayed the whole configuration.
 */
static void cb_retire(void *priv)
{
	struct mb_adapter *a = priv;

	netdev_warn(a->netdev,
		    "u-driver crash loop: control operations refused during the cool-down (see microbed: event=giveup); data path %s\n",
		    netif_running(a->netdev) ? "kept running" : "stays down");
}

/* Core lock held: no sleeping.  The core checked up/full_duplex. */
static int cb_link(void *priv, const struct mb_dc_link *l)
{
	struct mb_adapter *a = priv;

	if (l->speed != 0 && l->speed != 10 && l->speed != 100)
		return -EINVAL;
	if (l->up && !test_bit(MB_DOWN, &a->flags))
		netif_carrier_on(a->netdev);
	else
		netif_carrier_off(a->netdev);
	return 0;
}

/* The tally dump: the kernel aims the chip at its own buffer and answers
 * with the counters in place.  Core lock held. */
static int cb_downcall(void *priv, u16 op, void *buf, u32 len)
{
	struct mb_adapter *a = priv;
	int err = mb_rtl8139_check_downcall(op, buf, len);

	if (err)
		return err;
	return mb_tally_dump(a, ((struct mb_rtl8139_dc_tally *)buf)->counters);
}

static const struct mb_kdrv_ops mb_kdrv_ops = {
	.link		= cb_link,
	.downcall	= cb_downcall,
	.replay		= cb_replay,
	.resume		= cb_resume,
	.retire		= cb_retire,
};

/* ---- lifecycle ------------------------------------------------------ */

int mb_upcall_attach(struct mb_adapter *a)
{
	struct mb_kdrv_desc desc = {
		.driver = MB_RTL8139_DRIVER,
		.layout = MB_RTL8139_LAYOUT,
		.device = pci_name(a->pdev),
		.mmio = a->dev.hw_addr,
		.mmio_len = RTL_REGS_LEN,
		.widths = MB_WIDTH_8 | MB_WIDTH_16 | MB_WIDTH_32,
		.map = mb_rtl8139_map,
		.n_map = mb_rtl8139_n_map,
		.rules = mb_rtl8139_rules,
		.n_rules = mb_rtl8139_n_rules,
		.ops = &mb_kdrv_ops,
		.priv = a,
	};
	struct mb_split *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	s->a = a;
	a->ctl_priv = s;
	a->st = &s->st;
	s->inst = mb_core_register(&desc);
	if (IS_ERR(s->inst)) {
		int err = PTR_ERR(s->inst);

		kfree(s);
		a->ctl_priv = NULL;
		return err;
	}
	return 0;
}
