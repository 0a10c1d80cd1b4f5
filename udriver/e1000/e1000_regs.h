/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 82540EM register offsets and bits, as named in the PCI/PCI-X Family of
 * Gigabit Ethernet Controllers Software Developer's Manual (8254x SDM),
 * chapter 13 (register descriptions) and chapter 3 (descriptor formats).
 * Shared by the portable control path and the k-driver's data path.
 * Freestanding: no includes, only constants.
 */
#ifndef MB_E1000_REGS_H
#define MB_E1000_REGS_H

/* SDM table 13-2: general, interrupt, receive, transmit registers */
#define E1000_CTRL	0x00000	/* device control */
#define E1000_STATUS	0x00008	/* device status (read only) */
#define E1000_EECD	0x00010	/* EEPROM/flash control */
#define E1000_EERD	0x00014	/* EEPROM read */
#define E1000_CTRL_EXT	0x00018	/* extended device control */
#define E1000_MDIC	0x00020	/* MDI control (PHY access) */
#define E1000_FCAL	0x00028	/* flow control address low */
#define E1000_FCAH	0x0002C	/* flow control address high */
#define E1000_FCT	0x00030	/* flow control type */
#define E1000_VET	0x00038	/* VLAN ether type */
#define E1000_ICR	0x000C0	/* interrupt cause read (clear on read) */
#define E1000_ITR	0x000C4	/* interrupt throttling */
#define E1000_ICS	0x000C8	/* interrupt cause set */
#define E1000_IMS	0x000D0	/* interrupt mask set/read */
#define E1000_IMC	0x000D8	/* interrupt mask clear */
#define E1000_RCTL	0x00100	/* receive control */
#define E1000_FCTTV	0x00170	/* flow control transmit timer value */
#define E1000_TXCW	0x00178	/* transmit configuration word */
#define E1000_RXCW	0x00180	/* receive configuration word */
#define E1000_TCTL	0x00400	/* transmit control */
#define E1000_TIPG	0x00410	/* transmit inter-packet gap */
#define E1000_LEDCTL	0x00E00	/* LED control */
#define E1000_PBA	0x01000	/* packet buffer allocation */
#define E1000_FCRTL	0x02160	/* flow control receive threshold low */
#define E1000_FCRTH	0x02168	/* flow control receive threshold high */
#define E1000_RDBAL	0x02800	/* RX descriptor base low  (DMA pointer) */
#define E1000_RDBAH	0x02804	/* RX descriptor base high (DMA pointer) */
#define E1000_RDLEN	0x02808	/* RX descriptor ring length */
#define E1000_RDH	0x02810	/* RX descriptor head */
#define E1000_RDT	0x02818	/* RX descriptor tail */
#define E1000_RDTR	0x02820	/* RX delay timer */
#define E1000_RXDCTL	0x02828	/* RX descriptor control */
#define E1000_RADV	0x0282C	/* RX absolute interrupt delay */
#define E1000_TDBAL	0x03800	/* TX descriptor base low  (DMA pointer) */
#define E1000_TDBAH	0x03804	/* TX descriptor base high (DMA pointer) */
#define E1000_TDLEN	0x03808	/* TX descriptor ring length */
#define E1000_TDH	0x03810	/* TX descriptor head */
#define E1000_TDT	0x03818	/* TX descriptor tail */
#define E1000_TIDV	0x03820	/* TX interrupt delay */
#define E1000_TXDCTL	0x03828	/* TX descriptor control */
#define E1000_TADV	0x0382C	/* TX absolute interrupt delay */

/* Interrupt moderation defaults, as Linux e1000 (e1000_param.c): delays
 * in 1.024 us units.  ITR (256 ns units between interrupts) follows
 * ethtool -C rx-usecs, E1000_RX_USECS_DEFAULT in e1000_hw.h. */
#define E1000_TIDV_DEFAULT	8
#define E1000_TADV_DEFAULT	32
#define E1000_RADV_DEFAULT	8
#define E1000_RXCSUM	0x05000	/* RX checksum control */
#define E1000_MTA	0x05200	/* multicast table array, 128 x 32 bit */
#define E1000_RAL(n)	(0x05400 + 8 * (n))	/* receive address low */
#define E1000_RAH(n)	(0x05404 + 8 * (n))	/* receive address high */
#define E1000_VFTA	0x05600	/* VLAN filter table array */
#define E1000_WUC	0x05800	/* wake-up control */
#define E1000_WUFC	0x05808	/* wake-up filter control */
#define E1000_MANC	0x05820	/* management control */

#define E1000_MTA_WORDS	128
#define E1000_VFTA_WORDS 128
#define E1000_RAR_ENTRIES 16

/* SDM 13.4.1 CTRL */
#define E1000_CTRL_FD		(1u << 0)	/* full duplex (forced) */
#define E1000_CTRL_LRST		(1u << 3)	/* link reset */
#define E1000_CTRL_ASDE		(1u << 5)	/* auto-speed detection */
#define E1000_CTRL_SLU		(1u << 6)	/* set link up */
#define E1000_CTRL_ILOS		(1u << 7)	/* invert loss-of-signal */
#define E1000_CTRL_SPD_MASK	(3u << 8)
#define E1000_CTRL_SPD_10	(0u << 8)
#define E1000_CTRL_SPD_100	(1u << 8)
#define E1000_CTRL_SPD_1000	(2u << 8)
#define E1000_CTRL_FRCSPD	(1u << 11)	/* force speed */
#define E1000_CTRL_FRCDPX	(1u << 12)	/* force duplex */
#define E1000_CTRL_RST		(1u << 26)	/* global device reset, self clearing */
#define E1000_CTRL_RFCE		(1u << 27)
#define E1000_CTRL_TFCE		(1u << 28)
#define E1000_CTRL_VME		(1u << 30)
#define E1000_CTRL_PHY_RST	(1u << 31)

/* SDM 13.4.2 STATUS */
#define E1000_STATUS_FD		(1u << 0)
#define E1000_STATUS_LU		(1u << 1)
#define E1000_STATUS_TXOFF	(1u << 4)
#define E1000_STATUS_SPEED_SHIFT 6
#define E1000_STATUS_SPEED_MASK	(3u << 6)	/* 00=10, 01=100, 1x=1000 */

/* SDM 13.4.4 EERD (82540EM layout) */
#define E1000_EERD_START	(1u << 0)
#define E1000_EERD_DONE		(1u << 4)
#define E1000_EERD_ADDR_SHIFT	8
#define E1000_EERD_DATA_SHIFT	16

/* SDM 13.4.6 MDIC */
#define E1000_MDIC_DATA_MASK	0xFFFFu
#define E1000_MDIC_REG_SHIFT	16
#define E1000_MDIC_PHY_SHIFT	21
#define E1000_MDIC_OP_WRITE	(1u << 26)
#define E1000_MDIC_OP_READ	(2u << 26)
#define E1000_MDIC_READY	(1u << 28)
#define E1000_MDIC_INT_EN	(1u << 29)	/* raise MDAC when the cycle ends */
#define E1000_MDIC_ERROR	(1u << 30)
#define E1000_PHY_ADDR		1	/* the 82540EM's internal PHY */

/* SDM 13.4.17-20 interrupt cause bits (ICR/ICS/IMS/IMC) */
#define E1000_ICR_TXDW		(1u << 0)	/* TX descriptor written back */
#define E1000_ICR_TXQE		(1u << 1)	/* TX queue empty */
#define E1000_ICR_LSC		(1u << 2)	/* link status change */
#define E1000_ICR_RXSEQ		(1u << 3)	/* RX sequence error */
#define E1000_ICR_RXDMT0	(1u << 4)	/* RX descriptor minimum threshold */
#define E1000_ICR_RXO		(1u << 6)	/* RX overrun */
#define E1000_ICR_RXT0		(1u << 7)	/* RX timer interrupt */
#define E1000_ICR_MDAC		(1u << 9)

/* CTRL_EXT: EE_RST reloads what the EEPROM configures, as after a reset */
#define E1000_CTRL_EXT_EE_RST	(1u << 13)

/* SDM 13.4.22 RCTL */
#define E1000_RCTL_RST_82542	(1u << 0)	/* the 82542's receiver reset; reserved here */
#define E1000_RCTL_EN		(1u << 1)
#define E1000_RCTL_SBP		(1u << 2)	/* store bad packets */
#define E1000_RCTL_UPE		(1u << 3)	/* unicast promiscuous */
#define E1000_RCTL_MPE		(1u << 4)	/* multicast promiscuous */
#define E1000_RCTL_LPE		(1u << 5)	/* long packet enable */
#define E1000_RCTL_LBM_MASK	(3u << 6)
#define E1000_RCTL_RDMTS_HALF	(0u << 8)
#define E1000_RCTL_MO_MASK	(3u << 12)	/* MTA offset: which DA bits hash */
#define E1000_RCTL_BAM		(1u << 15)	/* accept broadcast */
#define E1000_RCTL_SZ_MASK	(3u << 16)
#define E1000_RCTL_SZ_2048	(0u << 16)
#define E1000_RCTL_SZ_16384	(1u << 16)	/* with BSEX */
#define E1000_RCTL_SZ_8192	(2u << 16)	/* with BSEX */
#define E1000_RCTL_SZ_4096	(3u << 16)	/* with BSEX */
#define E1000_RCTL_VFE		(1u << 18)
#define E1000_RCTL_BSEX		(1u << 25)	/* buffer size extension x16 */
#define E1000_RCTL_SECRC	(1u << 26)	/* strip Ethernet CRC */

/* SDM 13.4.33 TCTL */
#define E1000_TCTL_RST_82542	(1u << 0)	/* the 82542's transmitter reset; reserved here */
#define E1000_TCTL_EN		(1u << 1)
#define E1000_TCTL_PSP		(1u << 3)	/* pad short packets */
#define E1000_TCTL_CT_SHIFT	4
#define E1000_TCTL_COLD_SHIFT	12
#define E1000_TCTL_CT		(0x0Fu << E1000_TCTL_CT_SHIFT)
#define E1000_TCTL_COLD_FD	(0x40u << E1000_TCTL_COLD_SHIFT)
#define E1000_TCTL_COLD_HD	(0x200u << E1000_TCTL_COLD_SHIFT)
#define E1000_TCTL_COLD_MASK	(0x3FFu << E1000_TCTL_COLD_SHIFT)
#define E1000_TCTL_RTLC		(1u << 24)

/* SDM 13.4.34 TIPG: recommended values for the 82540EM copper interface */
#define E1000_TIPG_IPGT_COPPER	10u
#define E1000_TIPG_IPGR1	(8u << 10)
#define E1000_TIPG_IPGR2	(6u << 20)

/* SDM 13.5.2 RAH */
#define E1000_RAH_AV		(1u << 31)	/* address valid */

/* SDM 3.2.3 legacy RX descriptor, 3.3.3 legacy TX descriptor */
#define E1000_RXD_STAT_DD	(1u << 0)
#define E1000_RXD_STAT_EOP	(1u << 1)
#define E1000_RXD_STAT_VP	(1u << 3)	/* 802.1Q tag stripped into special */
#define E1000_RXD_ERR_FRAME	0x97u	/* CE | SE | SEQ | CXE | RXE */
#define E1000_TXD_CMD_EOP	(1u << 24)
#define E1000_TXD_CMD_IFCS	(1u << 25)
#define E1000_TXD_CMD_RS	(1u << 27)
#define E1000_TXD_CMD_VLE	(1u << 30)	/* insert the tag in special (CTRL.VME) */
#define E1000_TXD_CMD_IDE	(1u << 31)	/* interrupt delay enable (TIDV/TADV) */
#define E1000_TXD_STAT_DD	(1u << 0)

/* SDM 3.3.6/3.3.7 TCP/IP context and data descriptors (extended) */
#define E1000_TXD_CMD_TCP	(1u << 24)	/* context: TCP (else UDP) */
#define E1000_TXD_CMD_IP	(1u << 25)	/* context: IPv4 */
#define E1000_TXD_CMD_TSE	(1u << 26)	/* TCP segmentation enable */
#define E1000_TXD_DTYP_D	(1u << 20)	/* data descriptor */
#define E1000_TXD_CMD_DEXT	(1u << 29)	/* extended descriptor */
#define E1000_TXD_POPTS_IXSM	(1u << 8)	/* insert IP checksum */
#define E1000_TXD_POPTS_TXSM	(1u << 9)	/* insert TCP/UDP checksum */

/* PHY registers (SDM 13.5 PHY registers; IEEE 802.3 clause 22 layout) */
#define PHY_CTRL		0x00
#define PHY_STATUS		0x01
#define PHY_ID1			0x02
#define PHY_ID2			0x03
#define PHY_AUTONEG_ADV		0x04
#define PHY_LP_ABILITY		0x05
#define PHY_1000T_CTRL		0x09
#define PHY_1000T_STATUS	0x0A

#define PHY_CTRL_SPEED_MSB	(1u << 6)	/* with LSB: 10=1000 */
#define PHY_CTRL_FULL_DUPLEX	(1u << 8)
#define PHY_CTRL_RESTART_AN	(1u << 9)
#define PHY_CTRL_AN_ENABLE	(1u << 12)
#define PHY_CTRL_SPEED_LSB	(1u << 13)	/* with MSB: 01=100 */
#define PHY_CTRL_LOOPBACK	(1u << 14)
#define PHY_CTRL_RESET		(1u << 15)

#define PHY_STATUS_LINK		(1u << 2)
#define PHY_STATUS_AN_DONE	(1u << 5)

#define PHY_ANAR_SELECTOR	0x0001u	/* IEEE 802.3 */
#define PHY_ANAR_10_HD		(1u << 5)
#define PHY_ANAR_10_FD		(1u << 6)
#define PHY_ANAR_100_HD		(1u << 7)
#define PHY_ANAR_100_FD		(1u << 8)
#define PHY_ANAR_PAUSE		(1u << 10)
#define PHY_ANAR_ASM_DIR	(1u << 11)
#define PHY_ANAR_SPEED_MASK	0x01E0u

/* IEEE 802.3 annex 28B.2: pause bits, same place in ANAR and LPA */
#define PHY_PAUSE_MASK		(PHY_ANAR_PAUSE | PHY_ANAR_ASM_DIR)

#define PHY_1000T_STATUS_LP_HD	(1u << 10)	/* partner: 1000BASE-T half */
#define PHY_1000T_STATUS_LP_FD	(1u << 11)	/* partner: 1000BASE-T full */

#define PHY_1000T_CTRL_HD	(1u << 8)
#define PHY_1000T_CTRL_FD	(1u << 9)

/* SDM chapter 5 (EEPROM map): word 3Fh makes words 00h..3Fh sum to BABAh */
#define E1000_EEPROM_WORDS	64
#define E1000_EEPROM_SUM	0xBABAu
#define E1000_EEPROM_MAC_WORD	0x00	/* words 00h-02h: Ethernet address */
#define E1000_EEPROM_ICW1	0x0A	/* initialization control word 1 */
#define E1000_EEPROM_ICW2	0x0F	/* initialization control word 2 */
#define E1000_EEPROM_PAUSE_MASK	0x3000u	/* ICW2: PAUSE, ASM_DIR advertised */
#define E1000_EEPROM_ASM_DIR	0x2000u
#define E1000_EEPROM_ICW3_A	0x24	/* initialization control 3, port A */
#define E1000_EEPROM_APME	(1u << 10)	/* ICW3: APM wake-up enable */

/* SDM 13.4.33 FCAL/FCAH/FCT: the 802.3x PAUSE destination and type */
#define E1000_FCAL_PAUSE	0x00C28001u	/* 01:80:C2:00:00:01, low */
#define E1000_FCAH_PAUSE	0x0100u
#define E1000_FCT_PAUSE		0x8808u
#define E1000_FCTTV_DEFAULT	0xFFFFu		/* pause time in XOFF frames */
#define E1000_FCRTL_XONE	(1u << 31)	/* send XON at the low mark */
#define E1000_PBA_RX_MASK	0xFFFFu		/* PBA: RX packet buffer, KB */

/* SDM 13.4.15 LEDCTL: LED0 (link/activity) mode and blink */
#define E1000_LEDCTL_LED0_MASK	0x000000FFu
#define E1000_LEDCTL_LED0_ON	0x0000000Eu	/* mode LED_ON */
#define E1000_LEDCTL_LED0_OFF	0x0000000Fu	/* mode LED_OFF */
#define E1000_LEDCTL_LED0_BLINK	(1u << 7)

/* SDM 13.6.1/13.6.2 WUC, WUFC */
#define E1000_WUC_PME_EN	(1u << 1)
#define E1000_WUFC_MAG		(1u << 1)	/* magic packet */
#define E1000_WUFC_EX		(1u << 2)	/* directed (exact) unicast */
#define E1000_WUFC_MC		(1u << 3)	/* multicast */
#define E1000_WUFC_BC		(1u << 4)	/* broadcast */

#endif /* MB_E1000_REGS_H */
