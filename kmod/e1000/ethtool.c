// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool operations that need the kernel's own knowledge (PCI identity,
 * carrier, ring sizes, the EEPROM copy) or its data path (self-test
 * offline); the ones that only marshal are generated (gen/ethtool.c).  They
 * run under RTNL in process context, so they call the control path
 * directly (an upcall under `split`).
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "mb_e1000.h"

static void mb_get_drvinfo(struct net_device *netdev,
			   struct ethtool_drvinfo *info)
{
	struct mb_adapter *a = netdev_priv(netdev);

	strscpy(info->driver, MB_DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, pci_name(a->pdev), sizeof(info->bus_info));
	strscpy(info->fw_version, a->ctl->name, sizeof(info->fw_version));
}

/* Asks the hardware (a control operation); without an answer (split, no
 * u-driver) the last carrier state is the best knowledge. */
static u32 mb_get_link(struct net_device *netdev)
{
	struct mb_adapter *a = netdev_priv(netdev);
	int up;

	if (!netif_running(netdev))
		return 0;
	up = mb_ctl(a, get_link);
	return up < 0 ? netif_carrier_ok(netdev) : up > 0;
}

static int mb_get_regs_len(struct net_device *netdev)
{
	struct mb_adapter *a = netdev_priv(netdev);
	int n = mb_ctl(a, regs_count);

	return n > 0 ? min(n, E1000_REGS_DUMP_MAX) * (int)sizeof(u32) : 0;
}

static void mb_get_regs(struct net_device *netdev, struct ethtool_regs *regs,
			void *p)
{
	struct mb_adapter *a = netdev_priv(netdev);

	memset(p, 0, regs->len);
	regs->version = 1u << 24 | a->pdev->revision << 16 | a->pdev->device;
	mb_ctl(a, get_regs, p, regs->len / sizeof(u32));
}

static int mb_get_eeprom_len(struct net_device *netdev)
{
	return E1000_EEPROM_WORDS * 2;
}

/* Served from the kernel's copy of the EEPROM image (tracked state). */
static int mb_get_eeprom(struct net_device *netdev,
			 struct ethtool_eeprom *ee, u8 *bytes)
{
	struct mb_adapter *a = netdev_priv(netdev);
	u32 i;

	ee->magic = a->pdev->vendor | a->pdev->device << 16;
	for (i = 0; i < ee->len; i++) {
		u32 off = ee->offset + i;
		u16 w;

		if (off >= E1000_EEPROM_WORDS * 2)
			return -EINVAL;
		w = a->st->eeprom[off / 2];
		bytes[i] = off & 1 ? w >> 8 : w & 0xFF;
	}
	return 0;
}

static void mb_get_ringparam(struct net_device *netdev,
			     struct ethtool_ringparam *ring,
			     struct kernel_ethtool_ringparam *kring,
			     struct netlink_ext_ack *extack)
{
	struct mb_adapter *a = netdev_priv(netdev);
	u32 tx = a->tx_count, rx = a->rx_count;

	if (netif_running(netdev))	/* what the hardware was given */
		mb_ctl(a, get_ring_counts, &tx, &rx);
	ring->tx_max_pending = E1000_RING_MAX;
	ring->rx_max_pending = E1000_RING_MAX;
	ring->tx_pending = tx;
	ring->rx_pending = rx;
}

/* The control path says what the request becomes; the rings are the
 * kernel's, rebuilt around a down/up.  If the new ones cannot be had, the
 * old sizes come back. */
static int mb_set_ringparam(struct net_device *netdev,
			    struct ethtool_ringparam *ring,
			    struct kernel_ethtool_ringparam *kring,
			    struct netlink_ext_ack *extack)
{
	struct mb_adapter *a = netdev_priv(netdev);
	u32 tx, rx, old_tx = a->tx_count, old_rx = a->rx_count;
	bool running = netif_running(netdev);
	int err;

	if (ring->rx_mini_pending || ring->rx_jumbo_pending)
		return -EINVAL;
	err = mb_ctl(a, ring_sizes, ring->tx_pending, ring->rx_pending, &tx,
		     &rx);
	if (err || (tx == old_tx && rx == old_rx))
		return err;
	if (running && !mb_ctl_present(a))
		return -ENOTCONN;
	if (running)
		mb_down(a);
	a->tx_count = tx;
	a->rx_count = rx;
	if (!running)
		return 0;
	err = mb_up(a);
	if (err) {
		a->tx_count = old_tx;
		a->rx_count = old_rx;
		if (mb_up(a))
			netdev_err(netdev, "rings lost after a failed resize\n");
	}
	return err;
}

/*
 * ethtool sizes its buffer from this count, then asks for the strings in
 * the same RTNL section.  The count is kept: asking the control path again
 * could give a larger one (a new or a hostile u-driver) and the strings
 * would overrun ethtool's buffer.
 */
static int mb_get_sset_count(struct net_device *netdev, int sset)
{
	struct mb_adapter *a = netdev_priv(netdev);
	int n;

	switch (sset) {
	case ETH_SS_STATS:
		n = mb_ctl(a, stats_count);
		n = n < 0 ? n : min(n, E1000_STATS_MAX);
		break;
	case ETH_SS_TEST:
		n = mb_ctl(a, test_count);
		n = n < 0 ? n : min(n, E1000_TESTS);
		break;
	default:
		return -EOPNOTSUPP;
	}
	a->sset_count[sset] = max(n, 0);
	return n;
}

static void mb_get_strings(struct net_device *netdev, u32 sset, u8 *data)
{
	struct mb_adapter *a = netdev_priv(netdev);
	char (*names)[E1000_STAT_NAME_LEN] = (void *)data;

	if (sset == ETH_SS_STATS && a->sset_count[sset])
		mb_ctl(a, get_stat_names, names, a->sset_count[sset]);
	else if (sset == ETH_SS_TEST && a->sset_count[sset])
		mb_ctl(a, get_test_names, names, a->sset_count[sset]);
}

/* Offline tests need the data path stopped and the device reset, as
 * Linux e1000 does: down, test, up again. */
static void mb_self_test(struct net_device *netdev, struct ethtool_test *t,
			 u64 *data)
{
	struct mb_adapter *a = netdev_priv(netdev);
	int i, n = min_t(u32, t->len, E1000_TESTS), got;	/* ethtool's buffer */
	bool offline = t->flags & ETH_TEST_FL_OFFLINE;
	bool running = netif_running(netdev);

	if (n <= 0) {
		t->flags |= ETH_TEST_FL_FAILED;
		return;
	}
	memset(data, 0, n * sizeof(u64));
	if (!offline) {
		got = mb_ctl(a, self_test_online, data, n);
	} else {
		if (running)
			mb_down(a);
		got = mb_ctl(a, self_test_offline, data, n);
		if (running && mb_up(a))
			got = -EIO;
	}
	for (i = 0; i < n; i++)
		if (data[i])
			got = -EIO;
	if (got < n)	/* an error, or fewer results than tests */
		t->flags |= ETH_TEST_FL_FAILED;
}

const struct ethtool_ops mb_ethtool_ops = {
	.supported_coalesce_params = ETHTOOL_COALESCE_RX_USECS,
	.get_drvinfo		= mb_get_drvinfo,
	.get_link_ksettings	= mb_ethtool_get_link_ksettings,
	.set_link_ksettings	= mb_ethtool_set_link_ksettings,
	.nway_reset		= mb_ethtool_nway_reset,
	.get_link		= mb_get_link,
	.get_msglevel		= mb_ethtool_get_msglevel,
	.set_msglevel		= mb_ethtool_set_msglevel,
	.get_regs_len		= mb_get_regs_len,
	.get_regs		= mb_get_regs,
	.get_eeprom_len		= mb_get_eeprom_len,
	.get_eeprom		= mb_get_eeprom,
	.get_ringparam		= mb_get_ringparam,
	.set_ringparam		= mb_set_ringparam,
	.get_pauseparam		= mb_ethtool_get_pauseparam,
	.set_pauseparam		= mb_ethtool_set_pauseparam,
	.get_coalesce		= mb_ethtool_get_coalesce,
	.set_coalesce		= mb_ethtool_set_coalesce,
	.get_wol		= mb_ethtool_get_wol,
	.set_wol		= mb_ethtool_set_wol,
	.set_phys_id		= mb_ethtool_set_phys_id,
	.self_test		= mb_self_test,
	.get_sset_count		= mb_get_sset_count,
	.get_strings		= mb_get_strings,
	.get_ethtool_stats	= mb_ethtool_get_ethtool_stats,
};
