// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool-style queries and the periodic watchdog: register dump, ring
 * sizes as the hardware sees them, message level.
 */
#include "e1000_hw.h"

/* ethtool -d: the registers a person debugging the NIC looks at first. */
static const uint32_t e1000_dump_regs[] = {
	E1000_CTRL, E1000_STATUS, E1000_EECD, E1000_EERD, E1000_CTRL_EXT,
	E1000_MDIC, E1000_IMS, E1000_ITR, E1000_RCTL, E1000_TCTL, E1000_TIPG,
	E1000_RDBAL, E1000_RDBAH, E1000_RDLEN, E1000_RDH, E1000_RDT,
	E1000_RDTR, E1000_RADV, E1000_TDBAL, E1000_TDBAH, E1000_TDLEN,
	E1000_TDH, E1000_TDT, E1000_TIDV, E1000_TADV, E1000_RAL(0),
	E1000_RAH(0), E1000_PBA, E1000_LEDCTL, E1000_MANC, E1000_FCT,
	E1000_VET,
};

#define NDUMP (sizeof(e1000_dump_regs) / sizeof(e1000_dump_regs[0]))
typedef char e1000_dump_fit[NDUMP <= E1000_REGS_DUMP_MAX ? 1 : -1];

uint32_t e1000_regs_count(void)
{
	return NDUMP;
}

uint32_t e1000_hw_get_regs(struct e1000_hw *hw, uint32_t *out, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && i < NDUMP; i++)
		out[i] = hw_rd(hw, e1000_dump_regs[i]);
	return i;
}

/* SDM 13.4.28/13.4.39: RDLEN/TDLEN are in bytes, 16 per descriptor. */
int e1000_hw_get_ring_counts(struct e1000_hw *hw, uint32_t *tx, uint32_t *rx)
{
	*tx = hw_rd(hw, E1000_TDLEN) / 16;
	*rx = hw_rd(hw, E1000_RDLEN) / 16;
	return 0;
}

int e1000_hw_set_msglevel(struct e1000_hw *hw, uint32_t level)
{
	hw->st.msg_enable = level;
	return 0;
}

/* Periodic (2 s) and on LSC interrupt: link state, then statistics. */
int e1000_hw_watchdog(struct e1000_hw *hw)
{
	int up = e1000_hw_check_link(hw);

	if (up < 0)
		return up;
	e1000_hw_update_stats(hw);
	return 0;
}
