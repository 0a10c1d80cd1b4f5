// SPDX-License-Identifier: GPL-2.0
/*
 * mb_rtl8139: the microbed k-driver for QEMU's RTL8139C+ (10ec:8139,
 * revision 0x20 and later, the chips 8139cp drives).  PCI probe of the
 * kernel-only parts, netdev operations, and the work items through which
 * atomic callers reach the (sleeping) control path.
 */
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/rtnetlink.h>

#include "mb_rtl8139.h"

static const struct pci_device_id mb_pci_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REALTEK, 0x8139) },
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
 * Bring the data path up around the control path's rtl8139_hw_up().
 * Under split the register policy refuses resets from before the C+
 * command and ring registers are written, and RX/TX enables until they
 * all hold the new rings.
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
		mb_rings_stop(a);
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
		mb_rings_stop(a);
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
 * Idempotent.  The kernel stops DMA itself before asking the control
 * path to reset: the data path must not depend on a u-driver that may be
 * dead.  The carrier goes off only once the watchdog is cancelled and the
 * rings are off, so no link report racing this leaves it on.
 */
void mb_down(struct mb_adapter *a)
{
	if (test_and_set_bit(MB_DOWN, &a->flags))
		return;
	netif_tx_disable(a->netdev);
	napi_disable(&a->napi);	/* first: a last poll would unmask IRQs */
	mb_irq_disable(a);
	cancel_delayed_work_sync(&a->watchdog_work);
	mb_set_rings(a, MB_RINGS_OFF);
	mb_rings_stop(a);
	usleep_range(1000, 2000);	/* let in-flight descriptors settle */
	netif_carrier_off(a->netdev);
	mb_ctl(a, down);	/* statistics, reset; may fail under split */
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
	m->flags = (netdev->flags & IFF_PROMISC ? RTL8139_RX_PROMISC : 0) |
		   (netdev->flags & IFF_ALLMULTI ? RTL8139_RX_ALLMULTI : 0);
	m->mc_count = netdev_mc_count(netdev);
	if (m->mc_count <= RTL8139_MC_MAX)
		netdev_for_each_mc_addr(ha, netdev)
			if (i < RTL8139_MC_MAX)
				ether_addr_copy(m->mc[i++], ha->addr);
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
				   m->mc_count);
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

/* The RX buffers are sized from the MTU: a running interface goes down
 * and up around the change, as 8139cp does. */
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
	const u64 *hs = a->st->stats.v;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&a->rx.syncp);
		s->rx_packets = a->rx.packets;
		s->rx_bytes = a->rx.bytes;
		s->rx_errors = a->rx.errors;
		s->rx_dropped = a->rx.dropped;
	} while (u64_stats_fetch_retry(&a->rx.syncp, start));
	do {
		start = u64_stats_fetch_begin(&a->tx.syncp);
		s->tx_packets = a->tx.packets;
		s->tx_bytes = a->tx.bytes;
		s->tx_dropped = a->tx.dropped;
	} while (u64_stats_fetch_retry(&a->tx.syncp, start));

	/* Error detail from the last statistics gathering (watchdog). */
	s->rx_missed_errors = READ_ONCE(hs[RTL8139_S_RX_MISSED]);
	s->rx_frame_errors = READ_ONCE(hs[RTL8139_S_FRAME_ALIGN]);
	s->rx_fifo_errors = READ_ONCE(hs[RTL8139_S_RX_FIFO]);
	s->tx_aborted_errors = READ_ONCE(hs[RTL8139_S_TX_ABORT]);
	s->tx_fifo_errors = READ_ONCE(hs[RTL8139_S_TX_UNDERRUN]);
	s->multicast = READ_ONCE(hs[RTL8139_S_RX_MCAST]);
	s->collisions = READ_ONCE(hs[RTL8139_S_TX_1COL]) +
			READ_ONCE(hs[RTL8139_S_TX_MCOL]);
}

/* RX checksums and VLAN stripping are C+ command bits: the data path's. */
static int mb_set_features(struct net_device *netdev,
			   netdev_features_t features)
{
	struct mb_adapter *a = netdev_priv(netdev);
	u16 cpcmd = a->cpcmd & ~(RTL_CPCR_RXCSUM | RTL_CPCR_RXVLAN);

	if (features & NETIF_F_RXCSUM)
		cpcmd |= RTL_CPCR_RXCSUM;
	if (features & NETIF_F_HW_VLAN_CTAG_RX)
		cpcmd |= RTL_CPCR_RXVLAN;
	mb_set_cpcmd(a, cpcmd);
	return 0;
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
	.ndo_set_features	= mb_set_features,
};

/* MMIO BAR 1 (256 bytes), as 8139cp maps it; 32-bit DMA (no PCIDAC). */
static int mb_map(struct pci_dev *pdev, struct mb_adapter *a)
{
	int err;

	if (pdev->revision < 0x20) {
		dev_err(&pdev->dev, "revision 0x%02x is not an 8139C+ (use 8139too)\n",
			pdev->revision);
		return -ENODEV;
	}
	err = pci_enable_device(pdev);
	if (err)
		return err;
	err = pci_request_regions(pdev, MB_DRV_NAME);
	if (err)
		goto disable;
	err = -EIO;
	if (!(pci_resource_flags(pdev, 1) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 1) < RTL_REGS_LEN)
		goto release;
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (err)
		goto release;
	a->dev.hw_addr = pci_iomap(pdev, 1, RTL_REGS_LEN);
	if (!a->dev.hw_addr) {
		err = -EIO;
		goto release;
	}
	a->tally = dma_alloc_coherent(&pdev->dev, RTL8139_TALLY_LEN,
				      &a->tally_dma, GFP_KERNEL);
	if (!a->tally) {
		err = -ENOMEM;
		goto unmap;
	}
	pci_set_master(pdev);
	return 0;
unmap:
	pci_iounmap(pdev, a->dev.hw_addr);
release:
	pci_release_regions(pdev);
disable:
	pci_disable_device(pdev);
	return err;
}

static void mb_unmap(struct pci_dev *pdev, struct mb_adapter *a)
{
	dma_free_coherent(&pdev->dev, RTL8139_TALLY_LEN, a->tally, a->tally_dma);
	pci_iounmap(pdev, a->dev.hw_addr);
	pci_release_regions(pdev);
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
	netdev_info(netdev, "%s: RTL8139C+ at %s, %pM, control path %s\n",
		    MB_DRV_NAME, pci_name(a->pdev), netdev->dev_addr,
		    a->ctl->name);
	return 0;
}

/* Device init is a control operation: reset, chip version, EEPROM, MAC. */
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
	mutex_init(&a->ctl_lock);
	spin_lock_init(&a->rx_mode_lock);
	spin_lock_init(&a->hw_lock);
	u64_stats_init(&a->rx.syncp);
	u64_stats_init(&a->tx.syncp);
	INIT_WORK(&a->init_work, mb_init_work);
	INIT_DELAYED_WORK(&a->watchdog_work, mb_watchdog_work);
	INIT_WORK(&a->rx_mode_work, mb_rx_mode_work);
	INIT_WORK(&a->reset_work, mb_reset_work);
	pci_set_drvdata(pdev, netdev);
	netdev->netdev_ops = &mb_netdev_ops;
	netdev->ethtool_ops = &mb_ethtool_ops;
	/* 8139cp's in 6.1: TSO on as well */
	netdev->hw_features = MB_TX_FEATURES | NETIF_F_RXCSUM |
			      NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_CTAG_RX;
	netdev->features = MB_TX_FEATURES | NETIF_F_RXCSUM |
			   NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_CTAG_RX;
	netdev->vlan_features = MB_TX_FEATURES;
	netif_set_tso_max_size(netdev, MB_TSO_MAX);
	netdev->watchdog_timeo = 6 * HZ;
	netdev->min_mtu = RTL8139_MTU_MIN;
	netdev->max_mtu = RTL8139_MTU_MAX;
	a->cpcmd = RTL_CPCR_MULRW | RTL_CPCR_RXCSUM | RTL_CPCR_RXVLAN |
		   RTL_CPCR_RXEN | RTL_CPCR_TXEN;
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

MODULE_DESCRIPTION("microbed RTL8139C+ k-driver");
MODULE_LICENSE("GPL");
