// SPDX-License-Identifier: GPL-2.0
/*
 * The RTL8139C+ register policy (variant `split`): what a u-driver may do
 * to the 256-byte MMIO BAR through downcalls.  The goal is the e1000's:
 * a buggy or hostile u-driver can never make the chip DMA anywhere but
 * into the buffers the kernel posted, learn where they are, reset the chip
 * under rings it is using, or raise an interrupt nobody handles.  Checked
 * against QEMU's hw/net/rtl8139.c, which decodes the BAR as bytes: a word
 * or dword access to a register it has no handler for at that width is
 * split into byte accesses, so a 32-bit write at 0x34 is a write of CR at
 * 0x37.  Rules therefore name each register with its width, and the core
 * refuses any access that reaches a ruled register at another width.
 *  - only documented registers are reached at all (the map);
 *  - the DMA addresses are the kernel's alone, not even readable: the C+
 *    rings (TNPDS, THPDS, RDSAR), the tally dump (DTCCR), the C mode
 *    receive buffer (RBSTART); the C mode transmit status registers start
 *    a DMA from the (aliased) ring address when written: refused too;
 *  - the C+ command register (C+ mode, its RX/TX enables, checksum and
 *    VLAN offload) is the data path's: with C+ receive off and the
 *    receiver on, the chip falls back to C mode and writes frames to
 *    RBSTART, so a u-driver never writes it;
 *  - RX/TX (CR.RE/TE) are enabled only while the rings are live; a reset
 *    (CR.RST, or 9346CR's auto-load mode, which QEMU and the chip treat
 *    as a reset) only while they are off;
 *  - interrupts are the data path's: no mask, no timer interrupt, no
 *    acknowledgement while the rings are up, no transmit poll;
 *  - the 93C46 gets only READ commands: the policy follows the pins of
 *    9346CR in programming mode and refuses the clock edge that would
 *    complete any other opcode (write, erase, write-enable), which on a
 *    real board would rewrite the EEPROM for good.
 * Bus mastering lives in PCI config space, and the I/O BAR (BAR 0)
 * reaches every register: no downcall exists for either.
 */
#include "split.h"

#define SPAN(a, b)	{ (a), (b) }

const struct mb_reg_window mb_rtl8139_map[] = {
	SPAN(RTL_IDR0, RTL_MAR0 + 8),		/* IDR0-5, reserved, MAR0-7 */
	SPAN(RTL_DTCCR, RTL_RBSTART + 4),	/* ruled: DMA addresses */
	SPAN(RTL_CR, RTL_ISR + 2),		/* CR, CAPR, CBR, IMR, ISR */
	SPAN(RTL_TCR, RTL_MPC + 4),		/* TCR, RCR, TCTR, MPC */
	SPAN(RTL_9346CR, RTL_CONFIG1 + 1),
	SPAN(RTL_TIMERINT, RTL_TIMERINT + 4),
	SPAN(RTL_MSR, RTL_HLTCLK + 1),		/* MSR, CONFIG3, CONFIG4, HLTCLK */
	SPAN(RTL_MULINT, RTL_RERID + 1),
	SPAN(RTL_TSAD, RTL_ANER + 2),		/* TSAD and the MII registers */
	SPAN(RTL_CSCR, RTL_CSCR + 2),
	SPAN(RTL_CONFIG5, RTL_RMS + 2),		/* CONFIG5, TPPOLL, RMS */
	SPAN(RTL_CPCR, RTL_ETTHR + 1),		/* CPCR, INTMIT, RDSAR, ETTHR */
};

const u32 mb_rtl8139_n_map = ARRAY_SIZE(mb_rtl8139_map);

static bool check_cr(void *priv, u32 reg, u32 val, enum mb_rings rings)
{
	if (val & RTL_CR_RST && rings != MB_RINGS_OFF)
		return false;
	return !(val & (RTL_CR_RE | RTL_CR_TE)) || rings == MB_RINGS_LIVE;
}

enum { MB_EE_IDLE, MB_EE_OPCODE, MB_EE_ADDR, MB_EE_DATA };

/*
 * 9346CR: auto-load is a reset; in programming mode the pins drive the
 * 93C46.  On each EESK rising edge with EECS high the part takes EEDI:
 * a start bit (1), two opcode bits, six address bits, then sixteen data
 * bits go out (QEMU's model then waits for the next start bit).  The edge
 * that would complete an opcode other than READ (10) is refused, and the
 * guard keeps its state (the part never saw that edge).
 */
static bool check_9346cr(void *priv, u32 reg, u32 val, enum mb_rings rings)
{
	struct mb_ee_guard *g = &split_of(priv)->ee;
	u8 cs = !!(val & RTL_9346_EECS), sk = !!(val & RTL_9346_EESK);
	u8 di = !!(val & RTL_9346_EEDI);
	struct mb_ee_guard next = *g;

	switch (val & RTL_9346_MODE) {
	case RTL_9346_AUTOLOAD:
		return rings == MB_RINGS_OFF;
	case RTL_9346_PROGRAM:
		break;
	default:
		return true;	/* the pins keep their state meanwhile */
	}
	if (cs && !g->cs) {
		next.phase = MB_EE_IDLE;
		next.bits = 0;
	}
	if (cs && sk && !g->sk) {
		switch (next.phase) {
		case MB_EE_IDLE:
			if (di) {
				next.phase = MB_EE_OPCODE;
				next.bits = 0;
				next.opcode = 0;
			}
			break;
		case MB_EE_OPCODE:
			next.opcode = next.opcode << 1 | di;
			if (++next.bits == 2) {
				if (next.opcode != RTL_EE_OP_READ)
					return false;
				next.phase = MB_EE_ADDR;
				next.bits = 0;
			}
			break;
		case MB_EE_ADDR:
			if (++next.bits == RTL_EE_ADDR_BITS) {
				next.phase = MB_EE_DATA;
				next.bits = 0;
			}
			break;
		default:
			if (++next.bits == 16) {
				next.phase = MB_EE_IDLE;
				next.bits = 0;
			}
			break;
		}
	}
	next.cs = cs;
	next.sk = sk;
	*g = next;
	return true;
}

#define ADDR(r, why)	{ RTL_##r, MB_DENY_READ | MB_DENY_WRITE, NULL, why, 4 }
#define KERNEL(r, w, why) { RTL_##r, MB_DENY_WRITE, NULL, why, w }

const struct mb_reg_rule mb_rtl8139_rules[] = {
	ADDR(DTCCR, "tally-dump-address"),
	{ RTL_DTCCR + 4, MB_DENY_READ | MB_DENY_WRITE, NULL, "tally-dump-address", 4 },
	KERNEL(TSD2, 4, "c-mode-transmit-starts-dma"),
	KERNEL(TSD3, 4, "c-mode-transmit-starts-dma"),
	ADDR(TNPDS, "tx-ring-address"),
	{ RTL_TNPDS + 4, MB_DENY_READ | MB_DENY_WRITE, NULL, "tx-ring-address", 4 },
	ADDR(THPDS, "tx-ring-address"),
	{ RTL_THPDS + 4, MB_DENY_READ | MB_DENY_WRITE, NULL, "tx-ring-address", 4 },
	ADDR(RBSTART, "rx-buffer-address"),
	ADDR(RDSAR, "rx-ring-address"),
	{ RTL_RDSAR + 4, MB_DENY_READ | MB_DENY_WRITE, NULL, "rx-ring-address", 4 },
	KERNEL(CPCR, 2, "c-plus-command-is-the-data-path's"),
	KERNEL(CAPR, 2, "c-mode-receive-pointer"),
	{ RTL_CR, 0, check_cr, "rx-tx-enable-needs-live-rings-reset-needs-them-off", 1 },
	{ RTL_9346CR, 0, check_9346cr, "eeprom-read-only-and-no-reset-while-rings-set-up", 1 },
	KERNEL(IMR, 2, "irq-owned-by-data-path"),
	{ RTL_ISR, MB_DENY_WRITE_LIVE, NULL, "irq-owned-by-data-path", 2 },
	KERNEL(TIMERINT, 4, "irq-owned-by-data-path"),
	KERNEL(TCTR, 4, "irq-owned-by-data-path"),
	KERNEL(TPPOLL, 1, "transmit-poll-is-the-data-path's"),
};

const u32 mb_rtl8139_n_rules = ARRAY_SIZE(mb_rtl8139_rules);
