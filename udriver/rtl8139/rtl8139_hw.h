/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable RTL8139C+ control path: its state and its entry points.
 * Every entry point below is one control operation; under `split` each is
 * an upcall served by the u-driver, under `monolithic` a direct call.
 * Entry points return 0 or a negative MB_E* code.
 */
#ifndef MB_RTL8139_HW_H
#define MB_RTL8139_HW_H

#include "../lib/drvapi.h"
#include "rtl8139_regs.h"

#define RTL8139_ETH_ALEN	6
#define RTL8139_MC_MAX		32	/* longer lists fall back to all-multi */
#define RTL8139_EEPROM_WORDS	64	/* 93C46 */
#define RTL8139_EEPROM_ID	0x8129	/* word 0 of a Realtek image */
#define RTL8139_EEPROM_MAC	7	/* words 7-9: station address */
#define RTL8139_MTU_MIN		60	/* 8139cp's CP_MIN_MTU */
#define RTL8139_MTU_MAX		4096	/* 8139cp's CP_MAX_MTU */
#define RTL8139_REGS_DUMP_MAX	64	/* 32-bit words: the 256-byte BAR */
#define RTL8139_STATS_MAX	16
#define RTL8139_STAT_NAME_LEN	32	/* == ETH_GSTRING_LEN */
#define RTL8139_TALLY_LEN	64	/* bytes the chip dumps */
#define RTL8139_PHY_ADDR	32	/* 8139cp's CP_INTERNAL_PHY */

/* RCR and TCR besides the filter bits: 8139cp's FIFO threshold and DMA
 * bursts, the standard interframe gap */
#define RTL8139_RCR_BASE	((5u << RTL_RCR_FIFO_SHIFT) | (4u << RTL_RCR_DMA_SHIFT))
#define RTL8139_TCR_BASE	(RTL_TCR_IFG96 | (6u << RTL_TCR_DMA_SHIFT))

/* ethtool -t: the self-tests, in the order of their results */
enum { RTL8139_TEST_REG, RTL8139_TEST_EEPROM, RTL8139_TEST_LINK, RTL8139_TESTS };

/* rx_flags */
#define RTL8139_RX_PROMISC	(1u << 0)
#define RTL8139_RX_ALLMULTI	(1u << 1)

/* Advertised link modes: the ANAR bits */
#define RTL8139_ADV_ALL		0x01E0u
#define RTL8139_ADV_ASYM	0x0800u	/* ANAR asymmetric pause */

/* Link modes in ethtool's numbering (UAPI enum ethtool_link_mode_bit_indices,
 * asserted against it in the generated kernel glue). */
#define RTL8139_LM_10_HALF	0
#define RTL8139_LM_10_FULL	1
#define RTL8139_LM_100_HALF	2
#define RTL8139_LM_100_FULL	3
#define RTL8139_LM_AUTONEG	6
#define RTL8139_LM_TP		7
#define RTL8139_LM_MII		9
#define RTL8139_LM_PAUSE	13
#define RTL8139_LM_ASYM_PAUSE	14
#define RTL8139_LM_BIT(m)	(1ull << (m))
/* ethtool's base settings (UAPI): port, duplex, unknown speed */
#define RTL8139_PORT_MII	0x02
#define RTL8139_DUPLEX_HALF	0x00
#define RTL8139_DUPLEX_FULL	0x01
#define RTL8139_DUPLEX_UNKNOWN	0xFF
#define RTL8139_SPEED_UNKNOWN	0xFFFFFFFFu

/* Wake-on-LAN options in ethtool's numbering (UAPI WAKE_*) */
#define RTL8139_WAKE_PHY	(1u << 0)
#define RTL8139_WAKE_UCAST	(1u << 1)
#define RTL8139_WAKE_MCAST	(1u << 2)
#define RTL8139_WAKE_BCAST	(1u << 3)
#define RTL8139_WAKE_MAGIC	(1u << 5)
#define RTL8139_WAKE_ALL	(RTL8139_WAKE_PHY | RTL8139_WAKE_UCAST | \
				 RTL8139_WAKE_MCAST | RTL8139_WAKE_BCAST | \
				 RTL8139_WAKE_MAGIC)

/* msg_enable bits: same values as Linux NETIF_MSG_* */
#define RTL8139_MSG_DRV		0x0001
#define RTL8139_MSG_PROBE	0x0002
#define RTL8139_MSG_LINK	0x0004
#define RTL8139_MSG_DEFAULT	(RTL8139_MSG_DRV | RTL8139_MSG_PROBE | RTL8139_MSG_LINK)

/* Link configuration as ethtool -s sees it. */
struct rtl8139_link_cfg {
	uint8_t autoneg;	/* 1: autonegotiate `advertised` */
	uint8_t full_duplex;	/* forced duplex when autoneg == 0 */
	uint16_t advertised;	/* RTL8139_ADV_* (ANAR bits) */
	uint32_t speed;		/* forced Mb/s when autoneg == 0: 10 or 100 */
};

/*
 * Statistics: the chip's tally counters (as QEMU and the datasheet lay
 * them out) accumulated across resets, and the missed-packet register,
 * in the order of the names ethtool -S shows.
 */
enum {
	RTL8139_S_TX_OK, RTL8139_S_RX_OK, RTL8139_S_TX_ERR, RTL8139_S_RX_ERR,
	RTL8139_S_RX_FIFO, RTL8139_S_FRAME_ALIGN, RTL8139_S_TX_1COL,
	RTL8139_S_TX_MCOL, RTL8139_S_RX_PHYS, RTL8139_S_RX_BCAST,
	RTL8139_S_RX_MCAST, RTL8139_S_TX_ABORT, RTL8139_S_TX_UNDERRUN,
	RTL8139_S_RX_MISSED, RTL8139_N_STATS
};

struct rtl8139_hw_stats {
	uint64_t v[14];		/* RTL8139_S_* */
};

/*
 * The per-NIC state both sides use: one copy in the kernel, one in the
 * u-driver (the object tracker copies it across).  Fixed-width fields,
 * natural alignment, no pointers: the layout is the wire format.
 */
struct rtl8139_state {
	uint8_t mac[RTL8139_ETH_ALEN];		/* current station address */
	uint8_t perm_mac[RTL8139_ETH_ALEN];	/* from EEPROM words 7-9 */
	uint16_t eeprom[RTL8139_EEPROM_WORDS];	/* 93C46 image */
	uint32_t chip;				/* TCR hardware version bits */
	uint8_t link_up;
	uint8_t full_duplex;
	uint16_t pad;
	uint32_t speed;				/* Mb/s, 0 without link */
	struct rtl8139_link_cfg link_cfg;
	uint32_t mtu;
	uint32_t rx_flags;			/* RTL8139_RX_* in force */
	uint32_t msg_enable;
	uint32_t wol;				/* RTL8139_WAKE_* armed */
	uint32_t mar[2];			/* multicast hash image, replayed on reset */
	uint8_t tally_last[RTL8139_TALLY_LEN];	/* the previous dump, to count deltas */
	uint8_t tally_valid;			/* tally_last is since the chip's last reset */
	uint8_t pad2[7];
	struct rtl8139_hw_stats stats;
};

/* Control-path private state: never crosses to the kernel under split. */
struct rtl8139_hw {
	struct mb_dev *dev;
	struct rtl8139_state st;
};

/* Lifecycle (rtl8139_hw.c) */
void rtl8139_hw_setup(struct rtl8139_hw *hw, struct mb_dev *dev);
int rtl8139_hw_init(struct rtl8139_hw *hw);	/* probe: reset, EEPROM, MAC, link */
int rtl8139_hw_up(struct rtl8139_hw *hw);	/* rings programmed: start RX/TX */
int rtl8139_hw_down(struct rtl8139_hw *hw);	/* stop RX/TX, reset */
int rtl8139_hw_tx_timeout(struct rtl8139_hw *hw);	/* diagnose before reset */
int rtl8139_hw_restore(struct rtl8139_hw *hw);	/* adopt a running device */
int rtl8139_hw_reset(struct rtl8139_hw *hw);

/* Addressing and filtering (rtl8139_rxmode.c) */
int rtl8139_hw_set_mac(struct rtl8139_hw *hw, const uint8_t mac[RTL8139_ETH_ALEN]);
int rtl8139_hw_set_rx_mode(struct rtl8139_hw *hw, uint32_t rx_flags,
			   const uint8_t (*mc)[RTL8139_ETH_ALEN], uint32_t mc_count);
void rtl8139_write_mac(struct rtl8139_hw *hw);	/* IDR from st.mac */
void rtl8139_rx_apply(struct rtl8139_hw *hw);	/* RCR and MAR from the state */
int rtl8139_hw_set_mtu(struct rtl8139_hw *hw, uint32_t mtu);
void rtl8139_config_unlock(struct rtl8139_hw *hw);
void rtl8139_config_lock(struct rtl8139_hw *hw);
/* Unlock the config registers unless the caller did (its return, for
 * rtl8139_config_relock, says which). */
bool rtl8139_config_open(struct rtl8139_hw *hw);
void rtl8139_config_relock(struct rtl8139_hw *hw, bool opened);

/* EEPROM over the 9346CR pins (rtl8139_eeprom.c) */
uint16_t rtl8139_eeprom_read(struct rtl8139_hw *hw, uint32_t word);
int rtl8139_eeprom_load(struct rtl8139_hw *hw);

/* Link and media through the basic mode registers (rtl8139_link.c) */
int rtl8139_hw_check_link(struct rtl8139_hw *hw);	/* reports changes, 1 if up */
int rtl8139_link_check(struct rtl8139_hw *hw, bool force);	/* force: report anyway */
int rtl8139_hw_get_link_ksettings(struct rtl8139_hw *hw, uint64_t *supported,
				  uint64_t *advertising, uint64_t *lp_advertising,
				  uint8_t *autoneg, uint8_t *port, uint8_t *phy_address,
				  uint32_t *speed, uint8_t *duplex);
int rtl8139_hw_set_link_ksettings(struct rtl8139_hw *hw, uint32_t autoneg,
				  uint32_t speed, uint32_t duplex,
				  uint64_t advertising);
int rtl8139_hw_restart_autoneg(struct rtl8139_hw *hw);
void rtl8139_link_apply(struct rtl8139_hw *hw);	/* BMCR/ANAR from link_cfg */

/* Statistics and ethtool queries (rtl8139_stats.c) */
void rtl8139_hw_update_stats(struct rtl8139_hw *hw);
int rtl8139_hw_watchdog(struct rtl8139_hw *hw);	/* link + stats, periodic */
uint32_t rtl8139_stats_count(void);
uint32_t rtl8139_hw_get_stats(struct rtl8139_hw *hw, uint64_t *out, uint32_t n);
uint32_t rtl8139_hw_get_stat_names(struct rtl8139_hw *hw,
				   char (*names)[RTL8139_STAT_NAME_LEN], uint32_t n);
uint32_t rtl8139_regs_count(void);
uint32_t rtl8139_hw_get_regs(struct rtl8139_hw *hw, uint32_t *out, uint32_t n);
int rtl8139_hw_set_msglevel(struct rtl8139_hw *hw, uint32_t level);
int rtl8139_hw_get_wol(struct rtl8139_hw *hw, uint32_t can_wake,
		       uint32_t *supported, uint32_t *wolopts);
int rtl8139_hw_set_wol(struct rtl8139_hw *hw, uint32_t wolopts, uint32_t can_wake);

/* Diagnostics: ethtool -t (rtl8139_diag.c) */
uint32_t rtl8139_test_count(void);
uint32_t rtl8139_hw_get_test_names(struct rtl8139_hw *hw,
				   char (*names)[RTL8139_STAT_NAME_LEN], uint32_t n);
uint32_t rtl8139_hw_self_test_online(struct rtl8139_hw *hw, uint64_t *out,
				     uint32_t n);
uint32_t rtl8139_hw_self_test_offline(struct rtl8139_hw *hw, uint64_t *out,
				      uint32_t n);
void rtl8139_wol_apply(struct rtl8139_hw *hw);

#define hw_rd8(hw, reg)		mb_rd8((hw)->dev, (reg))
#define hw_rd16(hw, reg)	mb_rd16((hw)->dev, (reg))
#define hw_rd32(hw, reg)	mb_rd32((hw)->dev, (reg))
#define hw_wr8(hw, reg, v)	mb_wr8((hw)->dev, (reg), (v))
#define hw_wr16(hw, reg, v)	mb_wr16((hw)->dev, (reg), (v))
#define hw_wr32(hw, reg, v)	mb_wr32((hw)->dev, (reg), (v))
#define hw_log(hw, lvl, ...)	mb_log((hw)->dev, (lvl), __VA_ARGS__)
#define hw_msg(hw, bit)		((hw)->st.msg_enable & (bit))

#endif /* MB_RTL8139_HW_H */
