// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool operations: thin translations between ethtool's structures and
 * the control path's (the plain forwards are generated: gen_ethtool.c).  They run under RTNL in process context, so they
 * call the control path directly (an upcall under `split`).
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "mb_e1000.h"

static const struct {
	u16 adv;
	enum ethtool_link_mode_bit_indices mode;
} mb_link_modes[] = {
	{ E1000_ADV_10_HALF,   ETHTOOL_LINK_MODE_10baseT_Half_BIT },
	{ E1000_ADV_10_FULL,   ETHTOOL_LINK_MODE_10baseT_Full_BIT },
	{ E1000_ADV_100_HALF,  ETHTOOL_LINK_MODE_100baseT_Half_BIT },
	{ E1000_ADV_100_FULL,  ETHTOOL_LINK_MODE_100baseT_Full_BIT },
	{ E1000_ADV_1000_FULL, ETHTOOL_LINK_MODE_1000baseT_Full_BIT },
};

static void mb_get_drvinfo(struct net_device *netdev,
			   struct ethtool_drvinfo *info)
{
	struct mb_adapter *a = netdev_priv(netdev);

	strscpy(info->driver, MB_DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, pci_name(a->pdev), sizeof(info->bus_info));
	strscpy(info->fw_version, a->ctl->name, sizeof(info->fw_version));
}

static int mb_get_link_ksettings(struct net_device *netdev,
				 struct ethtool_link_ksettings *cmd)
{
	struct mb_adapter *a = netdev_priv(netdev);
	struct e1000_link_cfg cfg;
	unsigned int i;
	int err;

	err = mb_ctl(a, get_link_cfg, &cfg);
	if (err)
		return err;
	ethtool_link_ksettings_zero_link_mode(cmd, supported);
	ethtool_link_ksettings_zero_link_mode(cmd, advertising);
	for (i = 0; i < ARRAY_SIZE(mb_link_modes); i++) {
		__set_bit(mb_link_modes[i].mode, cmd->link_modes.supported);
		if (cfg.autoneg && (cfg.advertised & mb_link_modes[i].adv))
			__set_bit(mb_link_modes[i].mode,
				  cmd->link_modes.advertising);
	}
	ethtool_link_ksettings_add_link_mode(cmd, supported, Autoneg);
	ethtool_link_ksettings_add_link_mode(cmd, supported, TP);
	ethtool_link_ksettings_add_link_mode(cmd, advertising, TP);
	if (cfg.autoneg)
		ethtool_link_ksettings_add_link_mode(cmd, advertising, Autoneg);

	cmd->base.autoneg = cfg.autoneg ? AUTONEG_ENABLE : AUTONEG_DISABLE;
	cmd->base.port = PORT_TP;
	cmd->base.phy_address = E1000_PHY_ADDR;
	if (netif_running(netdev) && netif_carrier_ok(netdev)) {
		cmd->base.speed = a->st->speed;
		cmd->base.duplex = a->st->full_duplex ? DUPLEX_FULL :
							DUPLEX_HALF;
	} else {
		cmd->base.speed = SPEED_UNKNOWN;
		cmd->base.duplex = DUPLEX_UNKNOWN;
	}
	return 0;
}

static int mb_set_link_ksettings(struct net_device *netdev,
				 const struct ethtool_link_ksettings *cmd)
{
	struct mb_adapter *a = netdev_priv(netdev);
	struct e1000_link_cfg cfg = { 0 };
	unsigned int i;
	int err;

	cfg.autoneg = cmd->base.autoneg == AUTONEG_ENABLE;
	cfg.speed = cmd->base.speed;
	cfg.full_duplex = cmd->base.duplex == DUPLEX_FULL;
	for (i = 0; i < ARRAY_SIZE(mb_link_modes); i++)
		if (test_bit(mb_link_modes[i].mode,
			     cmd->link_modes.advertising))
			cfg.advertised |= mb_link_modes[i].adv;
	err = mb_ctl(a, set_link_cfg, &cfg);
	if (!err && netif_running(netdev))
		mod_delayed_work(system_wq, &a->watchdog_work, HZ / 10);
	return err;
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
	u32 tx = MB_TX_RING, rx = MB_RX_RING;

	if (netif_running(netdev))
		mb_ctl(a, get_ring_counts, &tx, &rx);
	ring->tx_max_pending = MB_TX_RING;
	ring->rx_max_pending = MB_RX_RING;
	ring->tx_pending = tx;
	ring->rx_pending = rx;
}

static int mb_get_sset_count(struct net_device *netdev, int sset)
{
	struct mb_adapter *a = netdev_priv(netdev);
	int n;

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	n = mb_ctl(a, stats_count);
	return n < 0 ? n : min(n, E1000_STATS_MAX);
}

/* ethtool asks for the count, then strings or values, each under RTNL;
 * the count cannot change in between because every path that could
 * change it (a new u-driver) also needs the control lock. */
static void mb_get_strings(struct net_device *netdev, u32 sset, u8 *data)
{
	struct mb_adapter *a = netdev_priv(netdev);
	int n = mb_get_sset_count(netdev, sset);

	if (n > 0)
		mb_ctl(a, get_stat_names,
		       (char (*)[E1000_STAT_NAME_LEN])data, n);
}

const struct ethtool_ops mb_ethtool_ops = {
	.get_drvinfo		= mb_get_drvinfo,
	.get_link_ksettings	= mb_get_link_ksettings,
	.set_link_ksettings	= mb_set_link_ksettings,
	.nway_reset		= mb_ethtool_nway_reset,
	.get_link		= mb_get_link,
	.get_msglevel		= mb_ethtool_get_msglevel,
	.set_msglevel		= mb_ethtool_set_msglevel,
	.get_regs_len		= mb_get_regs_len,
	.get_regs		= mb_get_regs,
	.get_eeprom_len		= mb_get_eeprom_len,
	.get_eeprom		= mb_get_eeprom,
	.get_ringparam		= mb_get_ringparam,
	.get_sset_count		= mb_get_sset_count,
	.get_strings		= mb_get_strings,
	.get_ethtool_stats	= mb_ethtool_get_ethtool_stats,
};
