/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RTL8139C+ register offsets and bits, as the RTL8139C(L)+ datasheet
 * (rev. 1.6, section 6) names them, with QEMU's hw/net/rtl8139.c as the
 * model actually run.  Shared by the portable control path and the
 * k-driver's data path.  Freestanding: no includes, only constants.
 * Widths: R8 byte, R16 word, R32 dword registers (the chip has all three).
 */
#ifndef MB_RTL8139_REGS_H
#define MB_RTL8139_REGS_H

#define RTL_IDR0	0x00	/* R8 x6: station address (write needs 93C46 config mode) */
#define RTL_MAR0	0x08	/* R8 x8: multicast hash filter */
#define RTL_DTCCR	0x10	/* R32 x2: dump tally counter command: address | DumpStats */
#define RTL_TSD2	0x18	/* R32: C mode transmit status 2 (legacy: starts a DMA) */
#define RTL_TSD3	0x1C	/* R32: C mode transmit status 3 (legacy: starts a DMA) */
#define RTL_TNPDS	0x20	/* R32 x2: normal-priority TX ring address (C mode: TSAD0/1) */
#define RTL_THPDS	0x28	/* R32 x2: high-priority TX ring address (C mode: TSAD2/3) */
#define RTL_RBSTART	0x30	/* R32: C mode receive buffer address */
#define RTL_CR		0x37	/* R8: command */
#define RTL_CAPR	0x38	/* R16: C mode current address of packet read */
#define RTL_CBR		0x3A	/* R16: C mode current buffer address */
#define RTL_IMR		0x3C	/* R16: interrupt mask */
#define RTL_ISR		0x3E	/* R16: interrupt status, write 1 to clear */
#define RTL_TCR		0x40	/* R32: transmit configuration */
#define RTL_RCR		0x44	/* R32: receive configuration */
#define RTL_TCTR	0x48	/* R32: timer count (write restarts) */
#define RTL_MPC		0x4C	/* R32: missed packet counter (24 bits, write clears) */
#define RTL_9346CR	0x50	/* R8: 93C46 command: mode and EEPROM pins */
#define RTL_CONFIG0	0x51	/* R8 */
#define RTL_CONFIG1	0x52	/* R8 */
#define RTL_TIMERINT	0x54	/* R32: timer interrupt at this count (0: off) */
#define RTL_MSR		0x58	/* R8: media status */
#define RTL_CONFIG3	0x59	/* R8 */
#define RTL_CONFIG4	0x5A	/* R8 */
#define RTL_HLTCLK	0x5B	/* R8: 'R' runs, 'H' halts the clock */
#define RTL_MULINT	0x5C	/* R16: multiple interrupt select */
#define RTL_RERID	0x5E	/* R8: PCI revision ID */
#define RTL_TSAD	0x60	/* R16: C mode transmit status of all descriptors */
#define RTL_BMCR	0x62	/* R16: basic mode control (MII register 0) */
#define RTL_BMSR	0x64	/* R16: basic mode status (MII register 1) */
#define RTL_ANAR	0x66	/* R16: autonegotiation advertisement (MII 4) */
#define RTL_ANLPAR	0x68	/* R16: link partner ability (MII 5) */
#define RTL_ANER	0x6A	/* R16: autonegotiation expansion (MII 6) */
#define RTL_CSCR	0x74	/* R16: chip status and configuration */
#define RTL_CONFIG5	0xD8	/* R8 */
#define RTL_TPPOLL	0xD9	/* R8: transmit priority polling */
#define RTL_RMS		0xDA	/* R16: receive maximum size */
#define RTL_CPCR	0xE0	/* R16: C+ command */
#define RTL_INTMIT	0xE2	/* R16: interrupt mitigation */
#define RTL_RDSAR	0xE4	/* R32 x2: RX descriptor ring address */
#define RTL_ETTHR	0xEC	/* R8: early transmit threshold */
#define RTL_REGS_LEN	0x100	/* the MMIO BAR (BAR 1) */

/* CR */
#define RTL_CR_RST	0x10
#define RTL_CR_RE	0x08
#define RTL_CR_TE	0x04
#define RTL_CR_BUFE	0x01	/* C mode: receive buffer empty (read only) */

/* IMR/ISR */
#define RTL_INT_SERR	0x8000	/* PCI system error */
#define RTL_INT_TIMEOUT	0x4000
#define RTL_INT_LENCHG	0x2000
#define RTL_INT_SWINT	0x0100
#define RTL_INT_TDU	0x0080	/* TX descriptor unavailable */
#define RTL_INT_FOVW	0x0040	/* RX FIFO overflow */
#define RTL_INT_LINKCHG	0x0020	/* link change (QEMU: "packet underrun") */
#define RTL_INT_RDU	0x0010	/* RX descriptor unavailable */
#define RTL_INT_TER	0x0008
#define RTL_INT_TOK	0x0004
#define RTL_INT_RER	0x0002
#define RTL_INT_ROK	0x0001
#define RTL_INT_RX	(RTL_INT_ROK | RTL_INT_RER | RTL_INT_RDU | RTL_INT_FOVW)
#define RTL_INT_TX	(RTL_INT_TOK | RTL_INT_TER | RTL_INT_TDU | RTL_INT_SWINT)
#define RTL_INT_ENABLE	(RTL_INT_RX | RTL_INT_TX | RTL_INT_LINKCHG | RTL_INT_SERR)

/* TCR */
#define RTL_TCR_IFG96	(3u << 24)	/* the only IEEE 802.3 gap */
#define RTL_TCR_LOOPBACK (3u << 17)
#define RTL_TCR_DMA_SHIFT 8
#define RTL_TCR_HWVER_MASK 0x7CC00000u	/* bits 30-26, 23-22 */
#define RTL_HWVER_8139CPLUS 0x74800000u	/* QEMU's: 1,1,1,0,1 ; 1,0 (HasLWake) */

/* RCR */
#define RTL_RCR_AAP	0x01	/* accept all physical (promiscuous) */
#define RTL_RCR_APM	0x02	/* accept my physical */
#define RTL_RCR_AM	0x04	/* accept multicast (hash) */
#define RTL_RCR_AB	0x08	/* accept broadcast */
#define RTL_RCR_FIFO_SHIFT 13
#define RTL_RCR_DMA_SHIFT 8

/* 9346CR: the operating mode (EEM1:0) and the EEPROM pins */
#define RTL_9346_MODE	0xC0
#define RTL_9346_NORMAL	0x00
#define RTL_9346_AUTOLOAD 0x40	/* reloads from the EEPROM: a reset */
#define RTL_9346_PROGRAM 0x80	/* EEPROM pins follow EECS/EESK/EEDI */
#define RTL_9346_CFGWRITE 0xC0	/* CONFIG0-5 and IDR writable */
#define RTL_9346_EECS	0x08
#define RTL_9346_EESK	0x04
#define RTL_9346_EEDI	0x02
#define RTL_9346_EEDO	0x01

/* 93C46 serial commands: start bit, two opcode bits, six address bits */
#define RTL_EE_OP_READ	0x2	/* 10 */
#define RTL_EE_ADDR_BITS 6

/* CONFIG1, CONFIG3, CONFIG5 */
#define RTL_CFG1_PMEN	0x01
#define RTL_CFG1_DVRLOAD 0x20
#define RTL_CFG3_LINKUP	0x10	/* wake on link up */
#define RTL_CFG3_MAGIC	0x20	/* wake on Magic Packet */
#define RTL_CFG3_PARM_EN 0x40
#define RTL_CFG5_UWF	0x10	/* wake on unicast frame */
#define RTL_CFG5_MWF	0x20
#define RTL_CFG5_BWF	0x40
#define RTL_CFG5_PME_STS 0x01

/* MSR */
#define RTL_MSR_SPEED10	0x08	/* 1: 10 Mb/s */
#define RTL_MSR_LINKB	0x04	/* 1: link down (inverse) */

/* BMCR/BMSR/ANAR/ANLPAR: the MII bits (IEEE 802.3 clause 22) */
#define RTL_BMCR_RESET	0x8000
#define RTL_BMCR_SPEED100 0x2000
#define RTL_BMCR_ANENABLE 0x1000
#define RTL_BMCR_ANRESTART 0x0200
#define RTL_BMCR_FULLDPLX 0x0100
#define RTL_BMSR_ANEGCOMPLETE 0x0020
#define RTL_BMSR_LSTATUS 0x0004
#define RTL_ADV_10HALF	0x0020
#define RTL_ADV_10FULL	0x0040
#define RTL_ADV_100HALF	0x0080
#define RTL_ADV_100FULL	0x0100
#define RTL_ADV_PAUSE	0x0400
#define RTL_ADV_CSMA	0x0001	/* selector: IEEE 802.3 */

/* TPPOLL */
#define RTL_TPPOLL_NPQ	0x40	/* normal-priority queue has work */

/* C+ command (CPCR) */
#define RTL_CPCR_RXVLAN	0x0040	/* strip 802.1Q tags on receive */
#define RTL_CPCR_RXCSUM	0x0020
#define RTL_CPCR_DAC	0x0010
#define RTL_CPCR_MULRW	0x0008
#define RTL_CPCR_RXEN	0x0002	/* C+ receive */
#define RTL_CPCR_TXEN	0x0001	/* C+ transmit */

/* DTCCR low dword */
#define RTL_DTCCR_DUMP	0x08	/* start a dump; the chip clears it when done */

/* C+ descriptors (datasheet 9.2, 9.3): opts1, opts2, 64-bit buffer address */
#define RTL_DESC_OWN	(1u << 31)	/* the NIC owns it */
#define RTL_DESC_EOR	(1u << 30)	/* last descriptor of the ring */
#define RTL_DESC_FS	(1u << 29)	/* first segment of a frame */
#define RTL_DESC_LS	(1u << 28)	/* last segment of a frame */
#define RTL_TX_LGSEN	(1u << 27)	/* large send (TSO), MSS in bits 16-26 */
#define RTL_TX_MSS_SHIFT 16
#define RTL_TX_MSS_MAX	0x7FF
#define RTL_TX_IPCS	(1u << 18)
#define RTL_TX_UDPCS	(1u << 17)
#define RTL_TX_TCPCS	(1u << 16)
#define RTL_TX_LEN_MAX	0xFFFF
#define RTL_TX_TAGC	(1u << 17)	/* opts2: insert the tag in bits 0-15 */
#define RTL_RX_ERR	(1u << 20)	/* error summary */
#define RTL_RX_CRC	(1u << 18)
#define RTL_RX_RUNT	(1u << 19)
#define RTL_RX_PROTO_SHIFT 16		/* 1 TCP, 2 UDP, 3 IP */
#define RTL_RX_IPF	(1u << 15)
#define RTL_RX_UDPF	(1u << 14)
#define RTL_RX_TCPF	(1u << 13)
#define RTL_RX_LEN_MASK	0x1FFF		/* received length, CRC included */
#define RTL_RX_TAVA	(1u << 16)	/* opts2: a tag was stripped, in bits 0-15 */

#endif /* MB_RTL8139_REGS_H */
