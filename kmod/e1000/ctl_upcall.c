// SPDX-License-Identifier: GPL-2.0
/*
 * Variant `split`, the hand-written part: registration with mb_core, the
 * wait for a u-driver, replay of the configuration to a new u-driver,
 * retirement after a crash loop, and the downcall handler.  The upcall
 * stubs, the reply checks of the object tracker and the ops table are
 * generated from the interface spec (gen_ctl_upcall.c, gen_e1000_reply.c).
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "split.h"

static unsigned int attach_timeout_s = 60;
module_param(attach_timeout_s, uint, 0644);
MODULE_PARM_DESC(attach_timeout_s,
		 "seconds device init waits for a u-driver to attach (default 60)");

static unsigned int test_rearm_delay_ms;
module_param(test_rearm_delay_ms, uint, 0644);
MODULE_PARM_DESC(test_rearm_delay_ms,
		 "test hook (default 0): a replay sleeps this long between seeing the interface up and re-arming its watchdog, so a test can unbind the device inside that window");

static unsigned int outage_wait_ms = 3000;
module_param(outage_wait_ms, uint, 0644);
MODULE_PARM_DESC(outage_wait_ms,
		 "ms a control operation waits for a restarted u-driver before failing with -ENOTCONN (default 3000, 0: fail at once)");

static struct mb_split *split_of(struct mb_adapter *a)
{
	return a->ctl_priv;
}

/* ---- recovery: replay, retirement ----------------------------------- */

/*
 * A new u-driver attached to a running instance: give it the kernel's
 * tracked state, then replay the configuration in force, as a shadow
 * driver would (MTU, MAC, link settings and message level travel in the
 * state; RX mode is replayed from the kernel's last snapshot).
 */
static void mb_replay_work(struct work_struct *w)
{
	struct mb_split *s = container_of(w, struct mb_split, replay_work);
	struct mb_adapter *a = s->a;
	struct mb_rx_mode *m = &a->rx_mode_scratch;
	int err;

	mutex_lock(&a->ctl_lock);
	err = mb_upcall_restore(a);
	if (!err)
		err = mb_apply_rx_mode(a);
	mutex_unlock(&a->ctl_lock);
	mb_core_event(s->inst, "replay",
		      "result=%d mtu=%u mac=%pM rx_flags=%u mc=%u uc=%u autoneg=%u",
		      err, s->st.mtu, s->st.mac, m->flags, m->mc_count,
		      m->uc_count, s->st.link_cfg.autoneg);
	if (err)
		return;
	/* Before the re-open below: an operation waiting under rtnl must
	 * not wait for a step that needs rtnl. */
	WRITE_ONCE(s->outage, false);
	wake_up_all(&s->served_wq);
	/* The interface is up but its data path fell down while no
	 * u-driver was there (e.g. a failed re-open): bring it back. */
	rtnl_lock();
	if (netif_running(a->netdev) && test_bit(MB_DOWN, &a->flags))
		mb_core_event(s->inst, "reopen", "result=%d", mb_up(a));
	rtnl_unlock();
	if (netif_running(a->netdev)) {
		if (test_rearm_delay_ms)
			msleep(test_rearm_delay_ms);
		mod_delayed_work(system_wq, &a->watchdog_work, 0);
	}
}

/* Crash loop: take the interface down for good rather than flap. */
static void mb_retire_work(struct work_struct *w)
{
	struct mb_split *s = container_of(w, struct mb_split, retire_work);

	rtnl_lock();
	if (s->a->registered && netif_running(s->a->netdev))
		dev_close(s->a->netdev);
	rtnl_unlock();
	netdev_err(s->a->netdev, "u-driver crash loop: interface closed\n");
}

/* mb_core callbacks: core lock held, no sleeping. */
static void cb_attached(void *priv)
{
	struct mb_adapter *a = priv;
	struct mb_split *s = split_of(a);

	WRITE_ONCE(s->retired, false);
	if (s->initialized)
		schedule_work(&s->replay_work);
}

static void cb_detached(void *priv, bool retired)
{
	struct mb_adapter *a = priv;
	struct mb_split *s = split_of(a);

	if (s->initialized)
		WRITE_ONCE(s->outage, true);
	if (retired) {
		/* Nobody is coming back soon: waiting would only delay the
		 * -ENOTCONN of every operation during the cool-down. */
		WRITE_ONCE(s->retired, true);
		wake_up_all(&s->served_wq);
		schedule_work(&s->retire_work);
	}
}

/*
 * Outage: the u-driver died and its successor is not replayed yet.  Wait
 * for it (outage_wait_ms, a signal ends the wait early); the operation
 * then runs, and fails with -ENOTCONN if there is still nobody.
 */
static bool mb_outage_over(struct mb_split *s)
{
	return !READ_ONCE(s->outage) || READ_ONCE(s->retired) ||
	       READ_ONCE(s->quiesced);
}

void mb_upcall_await_served(struct mb_adapter *a)
{
	struct mb_split *s = split_of(a);

	/* checks the condition first; a 0 timeout never sleeps */
	wait_event_interruptible_timeout(s->served_wq, mb_outage_over(s),
					 msecs_to_jiffies(outage_wait_ms));
}

static int cb_downcall(void *priv, u16 op, const void *in, u32 len)
{
	struct mb_adapter *a = priv;
	const struct mb_e1000_dc_link *l = in;

	if (mb_e1000_check_downcall(op, in, len))	/* generated checks */
		return -EINVAL;
	if (l->up && !test_bit(MB_DOWN, &a->flags))
		netif_carrier_on(a->netdev);
	else
		netif_carrier_off(a->netdev);
	return 0;
}

static const struct mb_kdrv_ops mb_kdrv_ops = {
	.attached	= cb_attached,
	.detached	= cb_detached,
	.downcall	= cb_downcall,
};

/* ---- lifecycle ------------------------------------------------------ */

int mb_upcall_attach(struct mb_adapter *a)
{
	struct mb_kdrv_desc desc = {
		.driver = MB_E1000_DRIVER,
		.layout = MB_E1000_LAYOUT,
		.device = pci_name(a->pdev),
		.mmio = a->dev.hw_addr,
		.mmio_len = min_t(u32, pci_resource_len(a->pdev, 0), 0x20000),
		.map = mb_e1000_map,
		.n_map = mb_e1000_n_map,
		.rules = mb_e1000_rules,
		.n_rules = mb_e1000_n_rules,
		.ops = &mb_kdrv_ops,
		.priv = a,
	};
	struct mb_split *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	s->a = a;
	INIT_WORK(&s->replay_work, mb_replay_work);
	INIT_WORK(&s->retire_work, mb_retire_work);
	init_waitqueue_head(&s->served_wq);
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

bool mb_upcall_ready(struct mb_adapter *a)
{
	return mb_core_attached(split_of(a)->inst);
}

/*
 * Unbinding: no new attach, hence no new replay; nobody waits any more;
 * and the replay and retire works are finished, so that nothing re-arms
 * the watchdog (a replay does) or closes the interface once removal has
 * cancelled its own work items (removal calls this first).
 */
void mb_upcall_quiesce(struct mb_adapter *a)
{
	struct mb_split *s = split_of(a);

	WRITE_ONCE(s->quiesced, true);
	wake_up_all(&s->served_wq);
	mb_core_quiesce(s->inst);
	cancel_work_sync(&s->replay_work);
	cancel_work_sync(&s->retire_work);
}

void mb_upcall_detach(struct mb_adapter *a)
{
	struct mb_split *s = split_of(a);

	mb_upcall_quiesce(a);
	mb_core_unregister(s->inst);
	kfree(s);
	a->ctl_priv = NULL;
}

int mb_upcall_wait_ready(struct mb_adapter *a)
{
	return mb_core_wait_attached(split_of(a)->inst,
				     attach_timeout_s * HZ);
}

void mb_upcall_set_rings(struct mb_adapter *a, enum mb_rings rings)
{
	mb_core_set_rings(split_of(a)->inst, rings);
}
