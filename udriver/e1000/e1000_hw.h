/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable e1000 (82540EM) control path: its state and its entry points.
 * Every entry point below is one control operation; under `split` each is
 * an upcall served by the u-driver, under `monolithic` a direct call.
 * Entry points return 0 or a negative MB_E* code.
 */
#ifndef MB_E1000_HW_H
#define MB_E1000_HW_H

#include "drvapi.h"
#include "e1000_regs.h"

#define E1000_ETH_ALEN		6
#define E1000_MC_MAX		32	/* longer lists fall back to all-multi */
#define E1000_MTU_MIN		68
#define E1000_MTU_MAX		16110	/* 16128-byte max frame, SDM 13.4.22 LPE */
#define E1000_REGS_DUMP_MAX	64
#define E1000_STATS_MAX		64
#define E1000_STAT_NAME_LEN	32	/* == ETH_GSTRING_LEN */

/* rx_flags */
#define E1000_RX_PROMISC	(1u << 0)
#define E1000_RX_ALLMULTI	(1u << 1)

/* Advertised link modes (same bit values as Linux e1000's
 * autoneg_advertised, so the mapping is a table, not logic). */
#define E1000_ADV_10_HALF	0x0001u
#define E1000_ADV_10_FULL	0x0002u
#define E1000_ADV_100_HALF	0x0004u
#define E1000_ADV_100_FULL	0x0008u
#define E1000_ADV_1000_FULL	0x0020u
#define E1000_ADV_ALL		0x002Fu

/* msg_enable bits: same values as Linux NETIF_MSG_* */
#define E1000_MSG_DRV		0x0001u
#define E1000_MSG_PROBE		0x0002u
#define E1000_MSG_LINK		0x0004u
#define E1000_MSG_HW		0x2000u

/* Link configuration as ethtool -s sees it. */
struct e1000_link_cfg {
	uint8_t autoneg;	/* 1: autonegotiate `advertised` */
	uint8_t full_duplex;	/* forced duplex when autoneg == 0 */
	uint16_t advertised;	/* E1000_ADV_* */
	uint32_t speed;		/* forced Mb/s when autoneg == 0: 10 or 100 */
};

/* Hardware statistics, accumulated from the clear-on-read counters
 * (SDM 13.7).  The order is the order of e1000_stats_table. */
struct e1000_hw_stats {
	uint64_t crcerrs, algnerrc, symerrs, rxerrc, mpc, scc, ecol, mcc;
	uint64_t latecol, colc, dc, tncrs, sec, cexterr, rlec, xonrxc;
	uint64_t xontxc, xoffrxc, xofftxc, fcruc, prc64, prc127, prc255;
	uint64_t prc511, prc1023, prc1522, gprc, bprc, mprc, gptc, gorc;
	uint64_t gotc, rnbc, ruc, rfc, roc, rjc, mgprc, mgpdc, mgptc, tor;
	uint64_t tot, tpr, tpt, ptc64, ptc127, ptc255, ptc511, ptc1023;
	uint64_t ptc1522, mptc, bptc, tsctc, tsctfc;
};

/*
 * The per-NIC state both sides use: one copy in the kernel, one in the
 * u-driver (the object tracker copies it across).  Fixed-width fields,
 * natural alignment, no pointers: the layout is the wire format.
 */
struct e1000_state {
	uint8_t mac[E1000_ETH_ALEN];		/* current station address */
	uint8_t perm_mac[E1000_ETH_ALEN];	/* from EEPROM words 0-2 */
	uint16_t eeprom[E1000_EEPROM_WORDS];	/* EEPROM image */
	uint8_t link_up;
	uint8_t full_duplex;
	uint16_t phy_id_low;			/* PHY ID2, for the log */
	uint32_t speed;				/* Mb/s, valid when link_up */
	struct e1000_link_cfg link_cfg;
	uint32_t mtu;
	uint32_t rx_buf_len;			/* RX buffer the kernel must post */
	uint32_t rx_flags;			/* E1000_RX_* in force */
	uint32_t msg_enable;
	uint32_t pad;
	struct e1000_hw_stats stats;
};

/* Control-path private state: never crosses to the kernel under split. */
struct e1000_hw {
	struct mb_dev *dev;
	struct e1000_state st;
	uint32_t rctl;				/* RCTL shadow, minus EN */
	uint32_t mta[E1000_MTA_WORDS];		/* MTA shadow, replayed on reset */
};

/* Lifecycle (e1000_hw.c) */
void e1000_hw_setup(struct e1000_hw *hw, struct mb_dev *dev);
int e1000_hw_init(struct e1000_hw *hw);		/* probe: reset, EEPROM, MAC, link */
int e1000_hw_up(struct e1000_hw *hw);		/* rings programmed: start RX/TX */
int e1000_hw_down(struct e1000_hw *hw);		/* stop RX/TX, reset, re-init */
int e1000_hw_tx_timeout(struct e1000_hw *hw);	/* diagnose before reset */
int e1000_hw_restore(struct e1000_hw *hw);	/* adopt a running device */

/* Addressing and filtering (e1000_rxmode.c) */
int e1000_hw_set_mac(struct e1000_hw *hw, const uint8_t mac[E1000_ETH_ALEN]);
int e1000_hw_set_rx_mode(struct e1000_hw *hw, uint32_t rx_flags,
			 const uint8_t (*mc)[E1000_ETH_ALEN], uint32_t mc_count);
int e1000_hw_set_mtu(struct e1000_hw *hw, uint32_t mtu);

/* PHY and link (e1000_phy.c) */
int e1000_phy_read(struct e1000_hw *hw, uint32_t reg, uint16_t *val);
int e1000_phy_write(struct e1000_hw *hw, uint32_t reg, uint16_t val);
int e1000_hw_setup_link(struct e1000_hw *hw);
int e1000_hw_check_link(struct e1000_hw *hw);	/* reports changes, 1 if up */
int e1000_hw_get_link_cfg(struct e1000_hw *hw, struct e1000_link_cfg *cfg);
int e1000_hw_set_link_cfg(struct e1000_hw *hw, const struct e1000_link_cfg *cfg);
int e1000_hw_restart_autoneg(struct e1000_hw *hw);

/* EEPROM (e1000_eeprom.c) */
int e1000_eeprom_read(struct e1000_hw *hw, uint32_t word, uint16_t *val);
int e1000_eeprom_load(struct e1000_hw *hw);	/* image + checksum */

/* Statistics (e1000_stats.c) */
void e1000_hw_update_stats(struct e1000_hw *hw);
uint32_t e1000_stats_count(void);
uint32_t e1000_hw_get_stats(struct e1000_hw *hw, uint64_t *out, uint32_t n);
uint32_t e1000_hw_get_stat_names(struct e1000_hw *hw,
				 char (*names)[E1000_STAT_NAME_LEN], uint32_t n);

/* ethtool-style queries (e1000_ethtool.c) */
int e1000_hw_watchdog(struct e1000_hw *hw);	/* link + stats, periodic */
uint32_t e1000_regs_count(void);
uint32_t e1000_hw_get_regs(struct e1000_hw *hw, uint32_t *out, uint32_t n);
int e1000_hw_get_ring_counts(struct e1000_hw *hw, uint32_t *tx, uint32_t *rx);
int e1000_hw_set_msglevel(struct e1000_hw *hw, uint32_t level);

/* Register helpers shared by the files above (e1000_hw.c) */
int e1000_wait_bits(struct e1000_hw *hw, uint32_t reg, uint32_t mask,
		    uint32_t want, uint32_t tries, uint32_t delay_us,
		    uint32_t *last);

#define hw_rd(hw, reg)		mb_rd32((hw)->dev, (reg))
#define hw_wr(hw, reg, v)	mb_wr32((hw)->dev, (reg), (v))
#define hw_flush(hw)		((void)mb_rd32((hw)->dev, E1000_STATUS))
#define hw_log(hw, lvl, ...)	mb_log((hw)->dev, (lvl), __VA_ARGS__)
#define hw_msg(hw, bit)		((hw)->st.msg_enable & (bit))

#endif /* MB_E1000_HW_H */
