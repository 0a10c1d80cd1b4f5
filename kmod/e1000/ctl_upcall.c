// SPDX-License-Identifier: GPL-2.0
/*
 * Variant `split`: every control operation is an upcall to the u-driver
 * through mb_core.  This file is the k-driver's half of the object
 * tracker: it sends the kernel's copy of the tracked state with each
 * upcall and takes the u-driver's copy back only after range-checking
 * every field (table below).  Nothing in a reply is trusted before that.
 *
 * Hand-written today; its shape (one stub per op, one field table) is what
 * a generator will emit from the interface spec.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "split.h"

static unsigned int attach_timeout_s = 60;
module_param(attach_timeout_s, uint, 0644);
MODULE_PARM_DESC(attach_timeout_s,
		 "seconds device init waits for a u-driver to attach (default 60)");

struct mb_split {
	struct mb_adapter *a;
	struct mb_inst *inst;
	struct e1000_state st;		/* the kernel's copy */
	struct e1000_state scratch;	/* candidate copy being checked */
	bool initialized;
	struct work_struct replay_work;
	struct work_struct retire_work;
	struct mb_e1000_req req;	/* used under ctl_lock only */
	struct mb_e1000_rep rep;
};

static struct mb_split *split_of(struct mb_adapter *a)
{
	return a->ctl_priv;
}

/* ---- object tracker: field table and range checks ------------------- */

static bool v_mac(const struct e1000_state *n)	{ return is_valid_ether_addr(n->mac); }
static bool v_perm_mac(const struct e1000_state *n) { return is_valid_ether_addr(n->perm_mac); }
static bool v_link_up(const struct e1000_state *n) { return n->link_up <= 1; }
static bool v_full_duplex(const struct e1000_state *n) { return n->full_duplex <= 1; }
static bool v_phy_id_low(const struct e1000_state *n) { return true; }
static bool v_msg_enable(const struct e1000_state *n) { return true; }
static bool v_stats(const struct e1000_state *n) { return true; }
static bool v_rx_flags(const struct e1000_state *n)
{
	return !(n->rx_flags & ~(E1000_RX_PROMISC | E1000_RX_ALLMULTI));
}

static bool v_speed(const struct e1000_state *n)
{
	return n->speed == 0 || n->speed == 10 || n->speed == 100 ||
	       n->speed == 1000;
}

static bool v_mtu(const struct e1000_state *n)
{
	return n->mtu >= E1000_MTU_MIN && n->mtu <= E1000_MTU_MAX;
}

/* The kernel allocates RX buffers of this size: only the sizes RCTL can
 * express, and large enough for the MTU. */
static bool v_rx_buf_len(const struct e1000_state *n)
{
	return (n->rx_buf_len == 2048 || n->rx_buf_len == 4096 ||
		n->rx_buf_len == 8192 || n->rx_buf_len == 16384) &&
	       n->rx_buf_len >= n->mtu + ETH_HLEN + VLAN_HLEN;
}

static bool v_link_cfg(const struct e1000_state *n)
{
	const struct e1000_link_cfg *c = &n->link_cfg;

	return c->autoneg <= 1 && c->full_duplex <= 1 &&
	       !(c->advertised & ~E1000_ADV_ALL) &&
	       (c->speed == 10 || c->speed == 100 || c->speed == 1000);
}

/* SDM chapter 5: a real image sums to BABAh. */
static bool v_eeprom(const struct e1000_state *n)
{
	u16 sum = 0;
	int i;

	for (i = 0; i < E1000_EEPROM_WORDS; i++)
		sum += n->eeprom[i];
	return sum == E1000_EEPROM_SUM;
}

static const struct mb_field {
	const char *name;
	size_t off, size;
	u32 dir;
	bool (*valid)(const struct e1000_state *n);
} mb_fields[] = {
#define X(f, d) { #f, offsetof(struct e1000_state, f), \
		  sizeof_field(struct e1000_state, f), d, v_##f },
	MB_E1000_STATE_FIELDS(X)
#undef X
};

static bool field_out(const struct mb_field *f, bool init)
{
	return f->dir & MB_F_OUT || (init && f->dir & MB_F_OUT_INIT);
}

/* Merge the u-driver's OUT fields into a candidate, check, then commit. */
static int track_out(struct mb_split *s, const struct e1000_state *in,
		     bool init)
{
	struct e1000_state *n = &s->scratch;
	const struct mb_field *f;

	*n = s->st;
	for (f = mb_fields; f < mb_fields + ARRAY_SIZE(mb_fields); f++)
		if (field_out(f, init))
			memcpy((u8 *)n + f->off, (const u8 *)in + f->off, f->size);
	for (f = mb_fields; f < mb_fields + ARRAY_SIZE(mb_fields); f++) {
		if (field_out(f, init) && !f->valid(n)) {
			mb_core_event(s->inst, "refuse",
				      "reason=range field=%s", f->name);
			return -EINVAL;
		}
	}
	s->st = *n;
	return 0;
}

/* ---- the upcall stub all operations share --------------------------- */

static int up_call(struct mb_split *s, u16 op, u32 arg_len, u32 res_len)
{
	struct mb_e1000_rep *rep = &s->rep;
	u32 min = offsetof(struct mb_e1000_rep, r) + res_len;
	int n, err;

	lockdep_assert_held(&s->a->ctl_lock);
	s->req.hdr.op = op;
	s->req.st = s->st;	/* IN: every field */
	n = mb_core_upcall(s->inst, &s->req,
			   offsetof(struct mb_e1000_req, a) + arg_len,
			   rep, sizeof(*rep));
	if (n < 0)
		return n;
	/* status: 0 or -errno; 1 only as GET_LINK's "link up" */
	if (n < min || rep->hdr.op != op || rep->hdr.status < -MAX_ERRNO ||
	    rep->hdr.status > (op == MB_E1000_GET_LINK ? 1 : 0)) {
		mb_core_event(s->inst, "refuse",
			      "reason=bad-reply op=%u len=%d min=%u status=%d",
			      op, n, min, rep->hdr.status);
		return -EINVAL;
	}
	err = track_out(s, &rep->st, op == MB_E1000_INIT);
	return err ? err : rep->hdr.status;
}

#define UP0(fn, op) \
	static int fn(struct mb_adapter *a) { return up_call(split_of(a), op, 0, 0); }

UP0(u_up, MB_E1000_UP)
UP0(u_down, MB_E1000_DOWN)
UP0(u_watchdog, MB_E1000_WATCHDOG)
UP0(u_tx_timeout, MB_E1000_TX_TIMEOUT)
UP0(u_restart_an, MB_E1000_RESTART_AN)
UP0(u_get_link, MB_E1000_GET_LINK)

static int u_init(struct mb_adapter *a)
{
	struct mb_split *s = split_of(a);
	int err = up_call(s, MB_E1000_INIT, 0, 0);

	if (!err)
		s->initialized = true;
	return err;
}

static int u_set_mtu(struct mb_adapter *a, u32 mtu)
{
	struct mb_split *s = split_of(a);

	s->req.a.mtu = mtu;
	return up_call(s, MB_E1000_SET_MTU, sizeof(s->req.a.mtu), 0);
}

static int u_set_mac(struct mb_adapter *a, const u8 *mac)
{
	struct mb_split *s = split_of(a);

	memset(s->req.a.mac, 0, sizeof(s->req.a.mac));
	ether_addr_copy(s->req.a.mac, mac);
	return up_call(s, MB_E1000_SET_MAC, sizeof(s->req.a.mac), 0);
}

static int u_set_rx_mode(struct mb_adapter *a, u32 flags,
			 const u8 (*mc)[ETH_ALEN], u32 n)
{
	struct mb_split *s = split_of(a);
	struct mb_e1000_rx_mode *rx = &s->req.a.rx;

	memset(rx, 0, sizeof(*rx));
	rx->flags = flags;
	rx->mc_count = n;
	if (n <= E1000_MC_MAX)
		memcpy(rx->mc, mc, n * ETH_ALEN);
	return up_call(s, MB_E1000_SET_RX_MODE, sizeof(*rx), 0);
}

static int u_get_link_cfg(struct mb_adapter *a, struct e1000_link_cfg *c)
{
	struct mb_split *s = split_of(a);
	int err = up_call(s, MB_E1000_GET_LINK_CFG, 0, sizeof(*c));

	if (err)
		return err;
	*c = s->rep.r.link;
	if (c->autoneg > 1 || c->full_duplex > 1)
		return -EINVAL;
	c->advertised &= E1000_ADV_ALL;
	return 0;
}

static int u_set_link_cfg(struct mb_adapter *a, const struct e1000_link_cfg *c)
{
	struct mb_split *s = split_of(a);

	s->req.a.link = *c;
	return up_call(s, MB_E1000_SET_LINK_CFG, sizeof(*c), 0);
}

static int u_set_msglevel(struct mb_adapter *a, u32 level)
{
	struct mb_split *s = split_of(a);

	s->req.a.level = level;
	return up_call(s, MB_E1000_SET_MSGLEVEL, sizeof(level), 0);
}

static int u_get_ring_counts(struct mb_adapter *a, u32 *tx, u32 *rx)
{
	struct mb_split *s = split_of(a);
	int err = up_call(s, MB_E1000_GET_RING_COUNTS, 0,
			  sizeof(s->rep.r.rings));

	if (err)
		return err;
	*tx = min_t(u32, s->rep.r.rings.tx, MB_TX_RING);
	*rx = min_t(u32, s->rep.r.rings.rx, MB_RX_RING);
	return 0;
}

/* Table answers: n entries of `size` bytes after an 8-byte count. */
static int up_table(struct mb_split *s, u16 op, u32 want, u32 max, u32 size)
{
	int err;

	s->req.a.n = min(want, max);
	err = up_call(s, op, sizeof(s->req.a.n), 8 + s->req.a.n * size);
	if (err)
		return err;
	/* the reply was long enough for the count asked for; never more */
	return min(s->rep.r.regs.n, s->req.a.n);
}

static int u_get_regs(struct mb_adapter *a, u32 *out, u32 n)
{
	struct mb_split *s = split_of(a);
	int got = up_table(s, MB_E1000_GET_REGS, n, E1000_REGS_DUMP_MAX,
			   sizeof(u32));

	if (got > 0)
		memcpy(out, s->rep.r.regs.v, got * sizeof(u32));
	return got;
}

static int u_get_stats(struct mb_adapter *a, u64 *out, u32 n)
{
	struct mb_split *s = split_of(a);
	int got = up_table(s, MB_E1000_GET_STATS, n, E1000_STATS_MAX,
			   sizeof(u64));

	if (got > 0)
		memcpy(out, s->rep.r.stats.v, got * sizeof(u64));
	return got;
}

static int u_get_stat_names(struct mb_adapter *a,
			    char (*names)[E1000_STAT_NAME_LEN], u32 n)
{
	struct mb_split *s = split_of(a);
	int got = up_table(s, MB_E1000_GET_STAT_NAMES, n, E1000_STATS_MAX,
			   E1000_STAT_NAME_LEN);
	int i;

	for (i = 0; i < got; i++)
		strscpy(names[i], s->rep.r.names.v[i], E1000_STAT_NAME_LEN);
	return got;
}

static int up_count(struct mb_adapter *a, u16 op, u32 max)
{
	struct mb_split *s = split_of(a);
	int err = up_call(s, op, 0, 8);

	return err ? err : min(s->rep.r.regs.n, max);
}

static int u_stats_count(struct mb_adapter *a)
{
	return up_count(a, MB_E1000_STATS_COUNT, E1000_STATS_MAX);
}

static int u_regs_count(struct mb_adapter *a)
{
	return up_count(a, MB_E1000_REGS_COUNT, E1000_REGS_DUMP_MAX);
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
	err = up_call(s, MB_E1000_RESTORE, 0, 0);
	if (!err) {
		spin_lock_bh(&a->rx_mode_lock);
		*m = a->rx_mode_pending;
		spin_unlock_bh(&a->rx_mode_lock);
		err = u_set_rx_mode(a, m->flags, (const u8 (*)[ETH_ALEN])m->mc,
				    m->mc_count);
	}
	mutex_unlock(&a->ctl_lock);
	mb_core_event(s->inst, "replay",
		      "result=%d mtu=%u mac=%pM rx_flags=%u mc=%u autoneg=%u",
		      err, s->st.mtu, s->st.mac, m->flags, m->mc_count,
		      s->st.link_cfg.autoneg);
	if (err)
		return;
	/* The interface is up but its data path fell down while no
	 * u-driver was there (e.g. a failed re-open): bring it back. */
	rtnl_lock();
	if (netif_running(a->netdev) && test_bit(MB_DOWN, &a->flags))
		mb_core_event(s->inst, "reopen", "result=%d", mb_up(a));
	rtnl_unlock();
	if (netif_running(a->netdev))
		mod_delayed_work(system_wq, &a->watchdog_work, 0);
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

	if (s->initialized)
		schedule_work(&s->replay_work);
}

static void cb_detached(void *priv, bool retired)
{
	struct mb_adapter *a = priv;

	if (retired)
		schedule_work(&split_of(a)->retire_work);
}

static int cb_downcall(void *priv, u16 op, const void *in, u32 len)
{
	struct mb_adapter *a = priv;
	const struct mb_e1000_dc_link *l = in;

	if (op != MB_E1000_DC_LINK || len != sizeof(*l) || l->up > 1)
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

static int u_attach(struct mb_adapter *a)
{
	struct mb_kdrv_desc desc = {
		.driver = MB_E1000_DRIVER,
		.device = pci_name(a->pdev),
		.mmio = a->dev.hw_addr,
		.mmio_len = min_t(u32, pci_resource_len(a->pdev, 0), 0x20000),
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

static bool u_ready(struct mb_adapter *a)
{
	return mb_core_attached(split_of(a)->inst);
}

static void u_quiesce(struct mb_adapter *a)
{
	mb_core_quiesce(split_of(a)->inst);
}

static void u_detach(struct mb_adapter *a)
{
	struct mb_split *s = split_of(a);

	mb_core_quiesce(s->inst);	/* no new attach, no new replay */
	cancel_work_sync(&s->replay_work);
	cancel_work_sync(&s->retire_work);
	mb_core_unregister(s->inst);
	kfree(s);
	a->ctl_priv = NULL;
}

static int u_wait_ready(struct mb_adapter *a)
{
	return mb_core_wait_attached(split_of(a)->inst,
				     attach_timeout_s * HZ);
}

static void u_set_live(struct mb_adapter *a, bool live)
{
	mb_core_set_live(split_of(a)->inst, live);
}

const struct mb_ctl_ops mb_ctl_ops = {
	.name			= "upcall",
	.attach			= u_attach,
	.detach			= u_detach,
	.wait_ready		= u_wait_ready,
	.quiesce		= u_quiesce,
	.ready			= u_ready,
	.set_live		= u_set_live,
	.init			= u_init,
	.up			= u_up,
	.down			= u_down,
	.watchdog		= u_watchdog,
	.tx_timeout		= u_tx_timeout,
	.set_mtu		= u_set_mtu,
	.set_mac		= u_set_mac,
	.set_rx_mode		= u_set_rx_mode,
	.get_link_cfg		= u_get_link_cfg,
	.set_link_cfg		= u_set_link_cfg,
	.restart_autoneg	= u_restart_an,
	.get_link		= u_get_link,
	.set_msglevel		= u_set_msglevel,
	.get_regs		= u_get_regs,
	.get_ring_counts	= u_get_ring_counts,
	.get_stats		= u_get_stats,
	.get_stat_names		= u_get_stat_names,
	.stats_count		= u_stats_count,
	.regs_count		= u_regs_count,
};
