// SPDX-License-Identifier: GPL-2.0
/*
 * The e1000 register policy (variant `split`): what a u-driver may do to
 * BAR 0 through MMIO downcalls.  The goal is one property: a buggy or
 * hostile u-driver can never make the device DMA anywhere but into the
 * buffers the kernel posted, learn where they are, reset the device under
 * rings it is using, or raise an interrupt nobody handles.  Hence:
 *  - only the registers of the 82540EM's map below are reached at all
 *    (offsets the SDM gives older parts, such as the 82542's aliases of
 *    the ring registers at 0x110/0x420, are refused whatever the silicon
 *    decodes there);
 *  - the ring registers (base, length, head, tail) are the kernel's
 *    alone, and their base addresses are not even readable;
 *  - the RX/TX units may be enabled only while the kernel's rings are
 *    live, and RX only with a buffer size no larger than the posted
 *    buffers;
 *  - nothing that resets the device or reloads it from the EEPROM while
 *    the rings are being programmed or live (a reset zeroes the ring
 *    registers, SDM 14.9, and a later enable would DMA to address 0);
 *  - interrupts are the data path's: no cause is set and no mask opened
 *    by the u-driver, ever (with the interface down nobody handles them,
 *    and the INTx line may be shared), and ICR/IMC are not touched while
 *    the rings are up;
 *  - the EEPROM is only read (EERD), never bit-banged through EECD, which
 *    on a real board could rewrite it for good.
 * Bus mastering lives in PCI config space and the I/O BAR reaches every
 * register: no downcall exists for either.
 */
#include "split.h"

#define R(reg)		{ E1000_##reg, E1000_##reg + 4 }
/* first and last 32-bit register of a block */
#define SPAN(a, b)	{ (a), (b) + 4 }

/* SDM table 13-2, the registers of the 82540EM the control path or a
 * person debugging it uses; anything else is refused. */
const struct mb_reg_window mb_e1000_map[] = {
	R(CTRL), R(STATUS), R(EECD), R(EERD), R(CTRL_EXT), R(MDIC),
	R(FCAL), R(FCAH), R(FCT), R(VET),
	R(ICR), R(ITR), R(ICS), R(IMS), R(IMC),
	R(RCTL), R(FCTTV), R(TXCW), R(RXCW), R(TCTL), R(TIPG),
	R(LEDCTL), R(PBA), R(FCRTL), R(FCRTH),
	SPAN(E1000_RDBAL, E1000_RDBAH), R(RDLEN), R(RDH), R(RDT),
	R(RDTR), R(RXDCTL), R(RADV),
	SPAN(E1000_TDBAL, E1000_TDBAH), R(TDLEN), R(TDH), R(TDT),
	R(TIDV), R(TXDCTL), R(TADV),
	SPAN(0x04000, 0x040FC),					/* statistics */
	R(RXCSUM),
	SPAN(E1000_MTA, E1000_MTA + 4 * (E1000_MTA_WORDS - 1)),
	SPAN(E1000_RAL(0), E1000_RAH(E1000_RAR_ENTRIES - 1)),
	SPAN(E1000_VFTA, E1000_VFTA + 4 * (E1000_VFTA_WORDS - 1)),
	R(WUC), R(WUFC), R(MANC),
};

const u32 mb_e1000_n_map = ARRAY_SIZE(mb_e1000_map);

/* SDM 13.4.22: receive buffer size from RCTL.BSIZE and RCTL.BSEX. */
static u32 rctl_buf_size(u32 rctl)
{
	static const u32 base[4] = { 2048, 1024, 512, 256 };
	static const u32 ext[4] = { ~0u, 16384, 8192, 4096 };	/* 00: reserved */
	u32 sz = (rctl & E1000_RCTL_SZ_MASK) >> 16;

	return rctl & E1000_RCTL_BSEX ? ext[sz] : base[sz];
}

static bool check_rctl(void *priv, u32 reg, u32 val, enum mb_rings rings)
{
	struct mb_adapter *a = priv;

	if (val & E1000_RCTL_RST_82542)
		return false;
	if (!(val & E1000_RCTL_EN))
		return true;
	return rings == MB_RINGS_LIVE && rctl_buf_size(val) <= a->rx_buf_len;
}

static bool check_tctl(void *priv, u32 reg, u32 val, enum mb_rings rings)
{
	if (val & E1000_TCTL_RST_82542)
		return false;
	return !(val & E1000_TCTL_EN) || rings == MB_RINGS_LIVE;
}

static bool check_ctrl(void *priv, u32 reg, u32 val, enum mb_rings rings)
{
	return !(val & E1000_CTRL_RST) || rings == MB_RINGS_OFF;
}

/* Whether an EEPROM reload reaches the ring registers is not documented:
 * it counts as a reset. */
static bool check_ctrl_ext(void *priv, u32 reg, u32 val, enum mb_rings rings)
{
	return !(val & E1000_CTRL_EXT_EE_RST) || rings == MB_RINGS_OFF;
}

/* A PHY cycle may not end in an interrupt (MDAC) */
static bool check_mdic(void *priv, u32 reg, u32 val, enum mb_rings rings)
{
	return !(val & E1000_MDIC_INT_EN);
}

#define RING(r, d, why)	{ E1000_##r, d, NULL, why }
#define IRQ(r, d)	{ E1000_##r, d, NULL, "irq-owned-by-data-path" }
#define ADDR		(MB_DENY_READ | MB_DENY_WRITE)

const struct mb_reg_rule mb_e1000_rules[] = {
	RING(TDBAL, ADDR, "tx-ring-address"),
	RING(TDBAH, ADDR, "tx-ring-address"),
	RING(TDLEN, MB_DENY_WRITE, "tx-ring-length"),
	RING(TDH, MB_DENY_WRITE, "tx-ring-head"),
	RING(TDT, MB_DENY_WRITE, "tx-ring-tail"),
	RING(RDBAL, ADDR, "rx-ring-address"),
	RING(RDBAH, ADDR, "rx-ring-address"),
	RING(RDLEN, MB_DENY_WRITE, "rx-ring-length"),
	RING(RDH, MB_DENY_WRITE, "rx-ring-head"),
	RING(RDT, MB_DENY_WRITE, "rx-ring-tail"),
	{ E1000_RCTL, 0, check_rctl, "rx-enable-needs-live-rings-and-fitting-buffers" },
	{ E1000_TCTL, 0, check_tctl, "tx-enable-needs-live-rings" },
	{ E1000_CTRL, 0, check_ctrl, "reset-while-rings-set-up" },
	{ E1000_CTRL_EXT, 0, check_ctrl_ext, "eeprom-reload-while-rings-set-up" },
	{ E1000_MDIC, 0, check_mdic, "mdic-interrupt" },
	{ E1000_EECD, MB_DENY_WRITE, NULL, "eeprom-is-read-through-eerd" },
	IRQ(ICR, MB_DENY_READ_LIVE | MB_DENY_WRITE_LIVE),
	IRQ(ICS, MB_DENY_WRITE),
	IRQ(IMS, MB_DENY_WRITE),
	IRQ(IMC, MB_DENY_WRITE_LIVE),
};

const u32 mb_e1000_n_rules = ARRAY_SIZE(mb_e1000_rules);
