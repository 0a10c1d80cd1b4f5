// SPDX-License-Identifier: GPL-2.0
/*
 * The e1000 register policy (variant `split`): what a u-driver may do to
 * BAR 0 through MMIO downcalls.  The goal is one property: a buggy or
 * hostile u-driver can never make the device DMA anywhere but into the
 * buffers the kernel posted.  Hence:
 *  - the ring registers (base, length, head, tail) are the kernel's alone;
 *  - the RX/TX units may be enabled only while the kernel's rings are live,
 *    and RX only with a buffer size no larger than the posted buffers;
 *  - no device reset while rings are live (a reset zeroes the ring
 *    registers, SDM 14.9, and a later enable would DMA to address 0);
 *  - interrupt cause/mask registers belong to the data path while live.
 * Bus mastering lives in PCI config space, for which no downcall exists.
 */
#include "split.h"

/* SDM 13.4.22: receive buffer size from RCTL.BSIZE and RCTL.BSEX. */
static u32 rctl_buf_size(u32 rctl)
{
	static const u32 base[4] = { 2048, 1024, 512, 256 };
	static const u32 ext[4] = { ~0u, 16384, 8192, 4096 };	/* 00: reserved */
	u32 sz = (rctl & E1000_RCTL_SZ_MASK) >> 16;

	return rctl & E1000_RCTL_BSEX ? ext[sz] : base[sz];
}

static bool check_rctl(void *priv, u32 reg, u32 val, bool live)
{
	struct mb_adapter *a = priv;

	if (!(val & E1000_RCTL_EN))
		return true;
	return live && rctl_buf_size(val) <= a->rx_buf_len;
}

static bool check_tctl(void *priv, u32 reg, u32 val, bool live)
{
	return !(val & E1000_TCTL_EN) || live;
}

static bool check_ctrl(void *priv, u32 reg, u32 val, bool live)
{
	return !(val & E1000_CTRL_RST) || !live;
}

#define RING(r, why)	{ E1000_##r, MB_DENY_WRITE, NULL, why }
#define IRQ(r, d)	{ E1000_##r, d, NULL, "irq-owned-by-data-path" }

const struct mb_reg_rule mb_e1000_rules[] = {
	RING(TDBAL, "tx-ring-base"),
	RING(TDBAH, "tx-ring-base"),
	RING(TDLEN, "tx-ring-length"),
	RING(TDH, "tx-ring-head"),
	RING(TDT, "tx-ring-tail"),
	RING(RDBAL, "rx-ring-base"),
	RING(RDBAH, "rx-ring-base"),
	RING(RDLEN, "rx-ring-length"),
	RING(RDH, "rx-ring-head"),
	RING(RDT, "rx-ring-tail"),
	{ E1000_RCTL, 0, check_rctl, "rx-enable-needs-live-rings-and-fitting-buffers" },
	{ E1000_TCTL, 0, check_tctl, "tx-enable-needs-live-rings" },
	{ E1000_CTRL, 0, check_ctrl, "reset-while-rings-live" },
	IRQ(ICR, MB_DENY_READ_LIVE | MB_DENY_WRITE_LIVE),
	IRQ(ICS, MB_DENY_WRITE_LIVE),
	IRQ(IMS, MB_DENY_WRITE_LIVE),
	IRQ(IMC, MB_DENY_WRITE_LIVE),
};

const u32 mb_e1000_n_rules = ARRAY_SIZE(mb_e1000_rules);
