// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool operations that need the kernel's own knowledge (PCI identity,
 * carrier, the fixed rings, the EEPROM copy); the ones that only marshal
 * are generated (gen/ethtool.c).  They run under RTNL in process context,
 * so they call the control path directly (an upcall under `split`).
 * 8139cp's set_eeprom has no counterpart: the register policy lets the
 * u-driver send the 93C46 only READ commands.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "mb_rtl8139.h"

#define MB_REGS_VER	1	/* 8139cp's CP_REGS_VER */

static void mb_get_drvinfo(struct net_device *netdev,
			   struct ethtool_drvinfo *info)
{
	struct mb_adapter *a = netdev_priv(netdev);

	strscpy(info->driver, MB_DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, pci_name(a->pdev), sizeof(info->bus_info));
	strscpy(info->fw_version, a->ctl->name, sizeof(info->fw_version));
}

/* Asks the PHY (a control operation); without an answer (split, no
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

	return n > 0 ? min(n, RTL8139_REGS_DUMP_MAX) * (int)sizeof(u32) : 0;
}

static void mb_get_regs(struct net_device *netdev, struct ethtool_regs *regs,
			void *p)
{
	struct mb_adapter *a = netdev_priv(netdev);

	memset(p, 0, regs->len);
	regs->version = MB_REGS_VER;
	mb_ctl(a, get_regs, p, regs->len / sizeof(u32));
}

static int mb_get_eeprom_len(struct net_device *netdev)
{
	return RTL8139_EEPROM_WORDS * 2;
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

		if (off >= RTL8139_EEPROM_WORDS * 2)
			return -EINVAL;
		w = a->st->eeprom[off / 2];
		bytes[i] = off & 1 ? w >> 8 : w & 0xFF;
	}
	return 0;
}

/* The rings are fixed at 64 descriptors (8139cp's). */
static void mb_get_ringparam(struct net_device *netdev,
			     struct ethtool_ringparam *ring,
			     struct kernel_ethtool_ringparam *kring,
			     struct netlink_ext_ack *extack)
{
	ring->rx_max_pending = MB_RING_SIZE;
	ring->tx_max_pending = MB_RING_SIZE;
	ring->rx_pending = MB_RING_SIZE;
	ring->tx_pending = MB_RING_SIZE;
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
		n = n < 0 ? n : min(n, RTL8139_STATS_MAX);
		break;
	case ETH_SS_TEST:
		n = mb_ctl(a, test_count);
		n = n < 0 ? n : min(n, RTL8139_TESTS);
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
	char (*names)[RTL8139_STAT_NAME_LEN] = (void *)data;

	if (sset == ETH_SS_STATS && a->sset_count[sset])
		mb_ctl(a, get_stat_names, names, a->sset_count[sset]);
	else if (sset == ETH_SS_TEST && a->sset_count[sset])
		mb_ctl(a, get_test_names, names, a->sset_count[sset]);
}

/* Offline tests need the data path stopped: down, test, up again. */
static void mb_self_test(struct net_device *netdev, struct ethtool_test *t,
			 u64 *data)
{
	struct mb_adapter *a = netdev_priv(netdev);
	int i, n = min_t(u32, t->len, RTL8139_TESTS), got;	/* ethtool's buffer */
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
		if (running && !mb_ctl_present(a)) {
			t->flags |= ETH_TEST_FL_FAILED;
			return;
		}
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
	.get_wol		= mb_ethtool_get_wol,
	.set_wol		= mb_ethtool_set_wol,
	.self_test		= mb_self_test,
	.get_sset_count		= mb_get_sset_count,
	.get_strings		= mb_get_strings,
	.get_ethtool_stats	= mb_ethtool_get_ethtool_stats,
};
