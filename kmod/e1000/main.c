// SPDX-License-Identifier: GPL-2.0
/*
 * mb_e1000: the microbed e1000 k-driver for QEMU's 82540EM (8086:100e).
 * PCI probe of the kernel-only parts, netdev operations, and the work
 * items through which atomic callers reach the (sleeping) control path.
 */
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/rtnetlink.h>

#include "mb_e1000.h"

static const struct pci_device_id mb_pci_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_INTEL, 0x100E) },	/* 82540EM */
	{ }
};
MODULE_DEVICE_TABLE(pci, mb_pci_ids);

static unsigned int test_setup_delay_ms;
module_param(test_setup_delay_ms, uint, 0644);
MODULE_PARM_DESC(test_setup_delay_ms,
		 "test hook (default 0): bring-up sleeps this long after writing the ring registers and before the rings go live, so a test can act inside that window");

static void mb_set_rings(struct mb_adapter *a, enum mb_rings rings)
{
	if (a->ctl->set_rings)
		a->ctl->set_rings(a, rings);
}

/*
 * Bring the data path up around the control path's e1000_hw_up().  Under
 * split the register policy is closed to resets from before the first
 * ring register is written (a reset zeroes them, SDM 14.9) and open to
 * RX/TX enables only once all of them hold the new rings.
 */
int mb_up(struct mb_adapter *a)
{
	int err;

	err = mb_rings_alloc(a);
	if (err)
		return err;
	mb_set_rings(a, MB_RINGS_SETUP);
	err = mb_rings_program(a);
	if (err) {
		mb_set_rings(a, MB_RINGS_OFF);
		mb_rings_free(a);
		return err;
	}
	if (test_setup_delay_ms)
		msleep(test_setup_delay_ms);
	mb_set_rings(a, MB_RINGS_LIVE);
	err = mb_ctl(a, up);
	if (err) {
		mb_set_rings(a, MB_RINGS_OFF);
		mb_wr(a, E1000_RCTL, 0);
		mb_wr(a, E1000_TCTL, 0);
		mb_ctl(a, down);
		mb_rings_free(a);
		return err;
	}
	clear_bit(MB_DOWN, &a->flags);
	napi_enable(&a->napi);
	mb_irq_enable(a);
	netif_wake_queue(a->netdev);
	mod_delayed_work(system_wq, &a->watchdog_work, 0);
	return 0;
}

/*
 * The kernel stops DMA itself (RCTL.EN/TCTL.EN off, rings no longer live)
 * before asking the control path to reset: the data path must not depend
 * on a u-driver that may be dead.
 */
static void mb_stop_dma(struct mb_adapter *a)
{
	mb_set_rings(a, MB_RINGS_OFF);
	mb_wr(a, E1000_RCTL, mb_rd(a, E1000_RCTL) & ~E1000_RCTL_EN);
	mb_wr(a, E1000_TCTL, mb_rd(a, E1000_TCTL) & ~E1000_TCTL_EN);
	mb_rd(a, E1000_STATUS);
	usleep_range(1000, 2000);	/* let in-flight descriptors settle */
}

/*
 * Idempotent: after a failed mb_up() the data path is already down.  The
 * carrier goes off only once the watchdog is cancelled and the rings are
 * off (under split that takes the core lock, which link reports hold):
 * from then on a link report sees MB_DOWN and can only turn it off, so no
 * report racing this one leaves the carrier on while the device is down
 * (or on an unregistered netdev after removal).
 */
void mb_down(struct mb_adapter *a)
{
	if (test_and_set_bit(MB_DOWN, &a->flags))
		return;
	netif_tx_disable(a->netdev);
	napi_disable(&a->napi);	/* first: a last poll would unmask IRQs */
	mb_irq_disable(a);
	cancel_delayed_work_sync(&a->watchdog_work);
	mb_stop_dma(a);
	netif_carrier_off(a->netdev);
	mb_ctl(a, down);	/* reset and re-init; may fail under split */
	mb_rings_free(a);
}

static int mb_open(struct net_device *netdev)
{
	struct mb_adapter *a = netdev_priv(netdev);
	int err;

	err = request_irq(a->pdev->irq, mb_intr, IRQF_SHARED, netdev->name, a);
	if (err)
		return err;
	err = mb_up(a);
	if (err)
		free_irq(a->pdev->irq, a);
	return err;
}

static int mb_stop(struct net_device *netdev)
{
	struct mb_adapter *a = netdev_priv(netdev);

	mb_down(a);
	free_irq(a->pdev->irq, a);
	return 0;
}

/* After an ethtool operation that renegotiated the link (generated hooks). */
void mb_relink_soon(struct mb_adapter *a)
{
	mod_delayed_work(system_wq, &a->watchdog_work, HZ / 10);
}

static void mb_watchdog_work(struct work_struct *w)
{
	struct mb_adapter *a = container_of(to_delayed_work(w),
					    struct mb_adapter, watchdog_work);

	if (unlikely(test_bit(MB_REMOVED, &a->flags))) {
		/* a tripwire: removal cancelled this work for good */
		pr_err("microbed: event=bug driver=%s dev=%s handle=- pid=- what=watchdog-after-cancel\n",
		       MB_DRV_NAME, pci_name(a->pdev));
		return;
	}
	if (test_bit(MB_DOWN, &a->flags))
		return;
	mb_ctl(a, watchdog);
	if (!test_bit(MB_DOWN, &a->flags))
		schedule_delayed_work(&a->watchdog_work, MB_WATCHDOG_PERIOD);
}

/* Atomic context (netif_addr_lock held): snapshot and defer. */
static void mb_set_rx_mode(struct net_device *netdev)
{
	struct mb_adapter *a = netdev_priv(netdev);
	struct mb_rx_mode *m = &a->rx_mode_pending;
	struct netdev_hw_addr *ha;
	u32 i = 0;

	spin_lock(&a->rx_mode_lock);
	m->flags = (netdev->flags & IFF_PROMISC ? E1000_RX_PROMISC : 0) |
		   (netdev->flags & IFF_ALLMULTI ? E1000_RX_ALLMULTI : 0);
	m->mc_count = netdev_mc_count(netdev);
	if (m->mc_count <= E1000_MC_MAX)
		netdev_for_each_mc_addr(ha, netdev)
			if (i < E1000_MC_MAX)
				ether_addr_copy(m->mc[i++], ha->addr);
	i = 0;
	m->uc_count = netdev_uc_count(netdev);	/* secondary unicast */
	if (m->uc_count <= E1000_UC_MAX)
		netdev_for_each_uc_addr(ha, netdev)
			if (i < E1000_UC_MAX)
				ether_addr_copy(m->uc[i++], ha->addr);
	spin_unlock(&a->rx_mode_lock);
	schedule_work(&a->rx_mode_work);
}

/* The last snapshot to the control path; ctl_lock held.  Also the replay
 * of the RX mode to a new u-driver. */
int mb_apply_rx_mode(struct mb_adapter *a)
{
	struct mb_rx_mode *m = &a->rx_mode_scratch;

	spin_lock_bh(&a->rx_mode_lock);
	*m = a->rx_mode_pending;
	spin_unlock_bh(&a->rx_mode_lock);
	return a->ctl->set_rx_mode(a, m->flags, (const u8 (*)[ETH_ALEN])m->mc,
				   m->mc_count, (const u8 (*)[ETH_ALEN])m->uc,
				   m->uc_count);
}

static void mb_rx_mode_work(struct work_struct *w)
{
	struct mb_adapter *a = container_of(w, struct mb_adapter, rx_mode_work);
	int err;

	mutex_lock(&a->ctl_lock);
	err = mb_apply_rx_mode(a);
	mutex_unlock(&a->ctl_lock);
	if (err)
		netdev_warn(a->netdev, "set_rx_mode failed: %d\n", err);
}

static int mb_change_mtu(struct net_device *netdev, int new_mtu)
{
	struct mb_adapter *a = netdev_priv(netdev);
	bool running = netif_running(netdev);
	int err, err2 = 0;

	if (!mb_ctl_present(a))
		return -ENOTCONN;
	if (running)
		mb_down(a);
	err = mb_ctl(a, set_mtu, new_mtu);
	if (!err)
		netdev->mtu = new_mtu;
	else
		mb_ctl(a, set_mtu, netdev->mtu);
	if (running)
		err2 = mb_up(a);
	return err ? err : err2;
}

static int mb_set_mac(struct net_device *netdev, void *p)
{
	struct mb_adapter *a = netdev_priv(netdev);
	struct sockaddr *addr = p;
	int err;

	if (!is_valid_ether_addr(addr->sa_data))
		return -EADDRNOTAVAIL;
	err = mb_ctl(a, set_mac, addr->sa_data);
	if (!err)
		eth_hw_addr_set(netdev, addr->sa_data);
	return err;
}

/* Called from the netdev watchdog timer (atomic): defer the reset. */
static void mb_tx_timeout(struct net_device *netdev, unsigned int txqueue)
{
	struct mb_adapter *a = netdev_priv(netdev);

	a->tx_timeouts++;
	schedule_work(&a->reset_work);
}

static void mb_reset_work(struct work_struct *w)
{
	struct mb_adapter *a = container_of(w, struct mb_adapter, reset_work);

	rtnl_lock();
	if (netif_running(a->netdev) && !test_bit(MB_DOWN, &a->flags)) {
		mb_ctl(a, tx_timeout);
		mb_down(a);
		if (mb_up(a))
			netdev_err(a->netdev, "reset after TX timeout failed\n");
	}
	rtnl_unlock();
}

static void mb_get_stats64(struct net_device *netdev,
			   struct rtnl_link_stats64 *s)
{
	struct mb_adapter *a = netdev_priv(netdev);
	const struct e1000_hw_stats *hs = &a->st->stats;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&a->rx.syncp);
		s->rx_packets = a->rx.packets;
		s->rx_bytes = a->rx.bytes;
		s->rx_errors = a->rx.errors;
	} while (u64_stats_fetch_retry(&a->rx.syncp, start));
	do {
		start = u64_stats_fetch_begin(&a->tx.syncp);
		s->tx_packets = a->tx.packets;
		s->tx_bytes = a->tx.bytes;
		s->tx_dropped = a->tx.dropped;
	} while (u64_stats_fetch_retry(&a->tx.syncp, start));

	/* Error detail from the last statistics gathering (watchdog). */
	s->rx_crc_errors = READ_ONCE(hs->crcerrs);
	s->rx_length_errors = READ_ONCE(hs->rlec) + READ_ONCE(hs->ruc) +
			      READ_ONCE(hs->roc);
	s->rx_missed_errors = READ_ONCE(hs->mpc);
	s->multicast = READ_ONCE(hs->mprc);
	s->collisions = READ_ONCE(hs->colc);
}

/* 8021q, under RTNL: the filter table is the control path's. */
static int mb_vlan_add(struct net_device *netdev, __be16 proto, u16 vid)
{
	struct mb_adapter *a = netdev_priv(netdev);

	return mb_ctl(a, set_vlan, vid, 1);
}

static int mb_vlan_kill(struct net_device *netdev, __be16 proto, u16 vid)
{
	struct mb_adapter *a = netdev_priv(netdev);

	return mb_ctl(a, set_vlan, vid, 0);
}

/* One switch, CTRL.VME, strips and inserts: TX follows RX, as in Linux
 * e1000.  Without it the core tags in software. */
static netdev_features_t mb_fix_features(struct net_device *netdev,
					 netdev_features_t features)
{
	if (features & NETIF_F_HW_VLAN_CTAG_RX)
		features |= NETIF_F_HW_VLAN_CTAG_TX;
	else
		features &= ~NETIF_F_HW_VLAN_CTAG_TX;
	return features;
}

static int mb_set_features(struct net_device *netdev,
			   netdev_features_t features)
{
	struct mb_adapter *a = netdev_priv(netdev);
	netdev_features_t changed = netdev->features ^ features;

	if (!(changed & NETIF_F_HW_VLAN_CTAG_RX))
		return 0;
	return mb_ctl(a, set_vlan_strip,
		      !!(features & NETIF_F_HW_VLAN_CTAG_RX));
}

static const struct net_device_ops mb_netdev_ops = {
	.ndo_open		= mb_open,
	.ndo_stop		= mb_stop,
	.ndo_start_xmit		= mb_xmit,
	.ndo_set_rx_mode	= mb_set_rx_mode,
	.ndo_change_mtu		= mb_change_mtu,
	.ndo_set_mac_address	= mb_set_mac,
	.ndo_tx_timeout		= mb_tx_timeout,
	.ndo_get_stats64	= mb_get_stats64,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_vlan_rx_add_vid	= mb_vlan_add,
	.ndo_vlan_rx_kill_vid	= mb_vlan_kill,
	.ndo_fix_features	= mb_fix_features,
	.ndo_set_features	= mb_set_features,
};

static int mb_map(struct pci_dev *pdev, struct mb_adapter *a)
{
	int err;

	err = pci_enable_device_mem(pdev);
	if (err)
		return err;
	err = pci_request_mem_regions(pdev, MB_DRV_NAME);
	if (err)
		goto disable;
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		goto release;
	/* QEMU's e1000 ignores its I/O BAR: registers are MMIO BAR 0 only */
	a->dev.hw_addr = pci_ioremap_bar(pdev, 0);
	if (!a->dev.hw_addr) {
		err = -EIO;
		goto release;
	}
	pci_set_master(pdev);
	return 0;
release:
	pci_release_mem_regions(pdev);
disable:
	pci_disable_device(pdev);
	return err;
}

static void mb_unmap(struct pci_dev *pdev, struct mb_adapter *a)
{
	iounmap(a->dev.hw_addr);
	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);
}

/* After device init: the netdev becomes visible. */
static int mb_register(struct mb_adapter *a)
{
	struct net_device *netdev = a->netdev;
	int err;

	if (!is_valid_ether_addr(a->st->mac)) {
		dev_err(&a->pdev->dev, "invalid MAC address %pM\n", a->st->mac);
		return -EIO;
	}
	eth_hw_addr_set(netdev, a->st->mac);
	memcpy(netdev->perm_addr, a->st->perm_mac, ETH_ALEN);
	netif_carrier_off(netdev);
	err = register_netdev(netdev);
	if (err)
		return err;
	WRITE_ONCE(a->registered, true);
	netdev_info(netdev, "%s: 82540EM at %s, %pM, control path %s\n",
		    MB_DRV_NAME, pci_name(a->pdev), netdev->dev_addr,
		    a->ctl->name);
	return 0;
}

/* Device init is a control operation: reset, EEPROM, MAC, PHY. */
static int mb_device_init(struct mb_adapter *a)
{
	int err = mb_ctl(a, init);

	if (err)
		dev_err(&a->pdev->dev, "device init failed: %d\n", err);
	return err;
}

/*
 * split: probe returns at once and this work waits (bounded) for a
 * u-driver, so module load order does not matter.  A u-driver that dies
 * during init is replaced by the next one, up to MB_INIT_TRIES times.
 */
#define MB_INIT_TRIES 3

static void mb_init_work(struct work_struct *w)
{
	struct mb_adapter *a = container_of(w, struct mb_adapter, init_work);
	int err = -ENODEV, i;

	for (i = 0; i < MB_INIT_TRIES; i++) {
		err = a->ctl->wait_ready(a);
		if (err)
			break;
		err = mb_device_init(a);
		if (!err || err == -ESHUTDOWN)
			break;
	}
	if (!err)
		err = mb_register(a);
	if (err)
		dev_err(&a->pdev->dev, "no network device: init error %d\n", err);
}

static int mb_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct net_device *netdev;
	struct mb_adapter *a;
	int err;

	netdev = alloc_etherdev(sizeof(*a));
	if (!netdev)
		return -ENOMEM;
	SET_NETDEV_DEV(netdev, &pdev->dev);
	a = netdev_priv(netdev);
	a->netdev = netdev;
	a->pdev = pdev;
	a->dev.adapter = a;
	a->ctl = &mb_ctl_ops;
	set_bit(MB_DOWN, &a->flags);
	a->tx_count = E1000_RING_DEFAULT;
	a->rx_count = E1000_RING_DEFAULT;
	mutex_init(&a->ctl_lock);
	spin_lock_init(&a->rx_mode_lock);
	u64_stats_init(&a->rx.syncp);
	u64_stats_init(&a->tx.syncp);
	INIT_WORK(&a->init_work, mb_init_work);
	INIT_DELAYED_WORK(&a->watchdog_work, mb_watchdog_work);
	INIT_WORK(&a->rx_mode_work, mb_rx_mode_work);
	INIT_WORK(&a->reset_work, mb_reset_work);
	pci_set_drvdata(pdev, netdev);
	netdev->netdev_ops = &mb_netdev_ops;
	netdev->ethtool_ops = &mb_ethtool_ops;
	netdev->hw_features = MB_TX_FEATURES | NETIF_F_HW_VLAN_CTAG_RX;
	netdev->features = MB_TX_FEATURES | NETIF_F_HW_VLAN_CTAG_RX |
			   NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_CTAG_FILTER;
	netdev->vlan_features = MB_TX_FEATURES;
	netdev->priv_flags |= IFF_UNICAST_FLT;	/* RAR 1-15, then UPE */
	netdev->watchdog_timeo = 5 * HZ;
	netdev->min_mtu = E1000_MTU_MIN;
	netdev->max_mtu = E1000_MTU_MAX;
	netif_napi_add(netdev, &a->napi, mb_poll);

	err = mb_map(pdev, a);
	if (err)
		goto free;
	err = a->ctl->attach(a);
	if (err)
		goto unmap;
	if (a->ctl->wait_ready) {
		schedule_work(&a->init_work);
		return 0;
	}
	err = mb_device_init(a);
	if (!err)
		err = mb_register(a);
	if (!err)
		return 0;
	a->ctl->detach(a);
unmap:
	mb_unmap(pdev, a);
free:
	netif_napi_del(&a->napi);
	free_netdev(netdev);
	return err;
}

static void mb_remove(struct pci_dev *pdev)
{
	struct net_device *netdev = pci_get_drvdata(pdev);
	struct mb_adapter *a = netdev_priv(netdev);

	/* An init work still waiting for a u-driver must give up first. */
	if (!READ_ONCE(a->registered) && a->ctl->quiesce)
		a->ctl->quiesce(a);
	cancel_work_sync(&a->init_work);
	cancel_work_sync(&a->reset_work);
	if (a->registered)
		unregister_netdev(netdev);	/* runs mb_stop if up */
	/* First whatever could re-arm the work items below (split: the
	 * replay), then the work items themselves, for good. */
	if (a->ctl->quiesce)
		a->ctl->quiesce(a);
	cancel_work_sync(&a->reset_work);	/* a timeout may race the stop */
	cancel_work_sync(&a->rx_mode_work);
	cancel_delayed_work_sync(&a->watchdog_work);
	set_bit(MB_REMOVED, &a->flags);
	a->ctl->detach(a);
	netif_napi_del(&a->napi);
	mb_unmap(pdev, a);
	free_netdev(netdev);
}

static struct pci_driver mb_pci_driver = {
	.name		= MB_DRV_NAME,
	.id_table	= mb_pci_ids,
	.probe		= mb_probe,
	.remove		= mb_remove,
};

module_pci_driver(mb_pci_driver);

MODULE_DESCRIPTION("microbed e1000 (82540EM) k-driver");
MODULE_LICENSE("GPL");
