/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable e1000 (82540EM) control path: its state and its entry points.
 * Every entry point below is one control operation; under `split` each is
 * an upcall served by the u-driver, under `monolithic` a direct call.
 * Entry points return 0 or a negative MB_E* code.
 */
#ifndef MB_E1000_HW_H
#define MB_E1000_HW_H

#include "../lib/drvapi.h"
#include "e1000_regs.h"

#define E1000_ETH_ALEN		6
#define E1000_MC_MAX		32	/* longer lists fall back to all-multi */
#define E1000_UC_MAX		15	/* RAR 1-15; longer lists: promiscuous */
#define E1000_MTU_MIN		68
#define E1000_MTU_MAX		16110	/* 16128-byte max frame, SDM 13.4.22 LPE */
#define E1000_REGS_DUMP_MAX	64
#define E1000_STATS_MAX		64
#define E1000_STAT_NAME_LEN	32	/* == ETH_GSTRING_LEN */

/* Descriptor ring sizes (ethtool -G), as Linux e1000 bounds them for the
 * 82544 and later: a multiple of 8 (RDLEN/TDLEN are multiples of 128
 * bytes, SDM 13.4.28/13.4.39), 80 to 4096.  The kernel owns the rings;
 * the control path only decides what a request becomes. */
#define E1000_RING_MIN		80
#define E1000_RING_MAX		4096
#define E1000_RING_ALIGN	8
#define E1000_RING_DEFAULT	256

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

/* Link modes in ethtool's numbering (UAPI enum ethtool_link_mode_bit_indices,
 * asserted against it in the generated kernel glue): the control path answers
 * ethtool in ethtool's terms, the kernel only copies. */
#define E1000_LM_10_HALF	0
#define E1000_LM_10_FULL	1
#define E1000_LM_100_HALF	2
#define E1000_LM_100_FULL	3
#define E1000_LM_1000_HALF	4
#define E1000_LM_1000_FULL	5
#define E1000_LM_AUTONEG	6
#define E1000_LM_TP		7
#define E1000_LM_PAUSE		13
#define E1000_LM_ASYM_PAUSE	14
#define E1000_LM_BIT(m)		(1ull << (m))
/* ethtool's base settings (UAPI): port, duplex, unknown speed */
#define E1000_PORT_TP		0x00
#define E1000_DUPLEX_HALF	0x00
#define E1000_DUPLEX_FULL	0x01
#define E1000_DUPLEX_UNKNOWN	0xFF
#define E1000_SPEED_UNKNOWN	0xFFFFFFFFu

/* Flow control (802.3x PAUSE) directions: fc_req, fc_cur */
#define E1000_FC_RX		(1u << 0)	/* honour received PAUSE */
#define E1000_FC_TX		(1u << 1)	/* send PAUSE when full */

/* Wake-on-LAN options in ethtool's numbering (UAPI WAKE_*) */
#define E1000_WAKE_UCAST	(1u << 1)
#define E1000_WAKE_MCAST	(1u << 2)
#define E1000_WAKE_BCAST	(1u << 3)
#define E1000_WAKE_MAGIC	(1u << 5)
#define E1000_WAKE_ALL		(E1000_WAKE_UCAST | E1000_WAKE_MCAST | \
				 E1000_WAKE_BCAST | E1000_WAKE_MAGIC)

/* ethtool -C rx-usecs: 0 turns moderation off; else the minimum gap
 * between interrupts, as Linux e1000 bounds it (10..10000 us) */
#define E1000_RX_USECS_MIN	10
#define E1000_RX_USECS_MAX	10000
#define E1000_RX_USECS_DEFAULT	50	/* ITR 195: 20000 interrupts/s */

/* ethtool -p: enum ethtool_phys_id_state (asserted in the kernel glue) */
#define E1000_ID_INACTIVE	0
#define E1000_ID_ACTIVE		1
#define E1000_ID_ON		2
#define E1000_ID_OFF		3

/* ethtool -t: the self-tests, in the order of their results */
enum { E1000_TEST_REG, E1000_TEST_EEPROM, E1000_TEST_LINK, E1000_TESTS };

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
	uint8_t fc_autoneg;			/* pause resolved by autoneg */
	uint8_t fc_req;				/* E1000_FC_* asked for */
	uint8_t fc_cur;				/* E1000_FC_* in force */
	uint8_t pad;
	uint32_t rx_usecs;			/* interrupt gap, 0: off */
	uint32_t wol;				/* E1000_WAKE_* armed */
	uint32_t vfta[E1000_VFTA_WORDS];	/* VLAN filter table image */
	uint8_t vlan_strip;			/* CTRL.VME: strip and insert tags */
	uint8_t pad2[7];
	struct e1000_hw_stats stats;
};

/* Control-path private state: never crosses to the kernel under split. */
struct e1000_hw {
	struct mb_dev *dev;
	struct e1000_state st;
	uint32_t rctl;				/* RCTL shadow, minus EN */
	uint32_t mta[E1000_MTA_WORDS];		/* MTA shadow, replayed on reset */
	uint8_t uc[E1000_UC_MAX][E1000_ETH_ALEN];	/* RAR 1-15 shadow */
	uint32_t uc_count;
	bool uc_promisc;			/* more than RAR 1-15 hold */
	uint32_t ledctl_saved;			/* LEDCTL before ethtool -p */
	bool identifying;			/* ethtool -p in progress */
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
			 const uint8_t (*mc)[E1000_ETH_ALEN], uint32_t mc_count,
			 const uint8_t (*uc)[E1000_ETH_ALEN], uint32_t uc_count);
void e1000_write_uc(struct e1000_hw *hw);	/* RAR 1-15 from the shadow */
void e1000_rctl_refresh(struct e1000_hw *hw);	/* RCTL from the state */
int e1000_hw_set_mtu(struct e1000_hw *hw, uint32_t mtu);

/* 802.1Q VLANs (e1000_vlan.c) */
bool e1000_vlan_used(const struct e1000_hw *hw);
void e1000_vlan_apply(struct e1000_hw *hw);	/* VET, VFTA, CTRL.VME */
int e1000_hw_set_vlan(struct e1000_hw *hw, uint32_t vid, uint32_t on);
int e1000_hw_set_vlan_strip(struct e1000_hw *hw, uint32_t on);

/* PHY and link (e1000_phy.c) */
int e1000_phy_read(struct e1000_hw *hw, uint32_t reg, uint16_t *val);
int e1000_phy_write(struct e1000_hw *hw, uint32_t reg, uint16_t val);
int e1000_hw_setup_link(struct e1000_hw *hw);
int e1000_hw_check_link(struct e1000_hw *hw);	/* reports changes, 1 if up */
int e1000_hw_get_link_ksettings(struct e1000_hw *hw, uint64_t *supported,
				 uint64_t *advertising, uint64_t *lp_advertising,
				 uint8_t *autoneg,
				 uint8_t *port, uint8_t *phy_address,
				 uint32_t *speed, uint8_t *duplex);
int e1000_hw_set_link_ksettings(struct e1000_hw *hw, uint32_t autoneg,
				uint32_t speed, uint32_t duplex,
				uint64_t advertising);
int e1000_hw_restart_autoneg(struct e1000_hw *hw);

/* Flow control (e1000_fc.c) */
uint16_t e1000_fc_anar_bits(const struct e1000_hw *hw);
void e1000_fc_default(struct e1000_hw *hw);	/* from the EEPROM */
void e1000_fc_setup(struct e1000_hw *hw);	/* thresholds, after reset */
void e1000_fc_link_up(struct e1000_hw *hw);	/* resolve and apply */
int e1000_hw_get_pause(struct e1000_hw *hw, uint32_t *autoneg, uint32_t *rx,
		       uint32_t *tx);
int e1000_hw_set_pause(struct e1000_hw *hw, uint32_t autoneg, uint32_t rx,
		       uint32_t tx);

/* EEPROM (e1000_eeprom.c) */
int e1000_eeprom_read(struct e1000_hw *hw, uint32_t word, uint16_t *val);
int e1000_eeprom_load(struct e1000_hw *hw);	/* image + checksum */
int e1000_eeprom_verify(struct e1000_hw *hw, uint16_t *image);	/* re-read */

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
int e1000_ring_sizes(uint32_t tx_req, uint32_t rx_req, uint32_t *tx,
		     uint32_t *rx);
int e1000_hw_set_msglevel(struct e1000_hw *hw, uint32_t level);
void e1000_hw_apply_itr(struct e1000_hw *hw);
int e1000_hw_get_coalesce(struct e1000_hw *hw, uint32_t *rx_usecs);
int e1000_hw_set_coalesce(struct e1000_hw *hw, uint32_t rx_usecs);
uint32_t e1000_wol_supported(const struct e1000_hw *hw);
void e1000_hw_apply_wol(struct e1000_hw *hw);
int e1000_hw_get_wol(struct e1000_hw *hw, uint32_t can_wake,
		     uint32_t *supported, uint32_t *wolopts);
int e1000_hw_set_wol(struct e1000_hw *hw, uint32_t wolopts, uint32_t can_wake);

/* Diagnostics: ethtool -t and -p (e1000_diag.c) */
uint32_t e1000_test_count(void);
uint32_t e1000_hw_get_test_names(struct e1000_hw *hw,
				 char (*names)[E1000_STAT_NAME_LEN], uint32_t n);
uint32_t e1000_hw_self_test_online(struct e1000_hw *hw, uint64_t *out,
				   uint32_t n);
uint32_t e1000_hw_self_test_offline(struct e1000_hw *hw, uint64_t *out,
				    uint32_t n);
int e1000_hw_set_led(struct e1000_hw *hw, uint32_t state);

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
