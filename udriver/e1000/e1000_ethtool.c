// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool-style queries and settings, and the periodic watchdog: register
 * dump, ring sizes as the hardware sees them, message level, interrupt
 * moderation, wake-on-LAN.
 */
#include "e1000_hw.h"

/* ethtool -d: the registers a person debugging the NIC looks at first.
 * Not the ring base addresses (as Linux e1000): where the kernel's memory
 * is stays the kernel's (register policy). */
static const uint32_t e1000_dump_regs[] = {
	E1000_CTRL, E1000_STATUS, E1000_EECD, E1000_EERD, E1000_CTRL_EXT,
	E1000_MDIC, E1000_IMS, E1000_ITR, E1000_RCTL, E1000_TCTL, E1000_TIPG,
	E1000_RDLEN, E1000_RDH, E1000_RDT,
	E1000_RDTR, E1000_RADV, E1000_TDLEN,
	E1000_TDH, E1000_TDT, E1000_TIDV, E1000_TADV, E1000_RAL(0),
	E1000_RAH(0), E1000_PBA, E1000_LEDCTL, E1000_MANC, E1000_FCT,
	E1000_VET, E1000_WUC, E1000_WUFC,
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

/* ethtool -G: what a requested size becomes (Linux e1000's rule). */
static uint32_t e1000_ring_size(uint32_t req)
{
	if (req < E1000_RING_MIN)
		req = E1000_RING_MIN;
	if (req > E1000_RING_MAX)
		req = E1000_RING_MAX;
	return (req + E1000_RING_ALIGN - 1) & ~(uint32_t)(E1000_RING_ALIGN - 1);
}

int e1000_ring_sizes(uint32_t tx_req, uint32_t rx_req, uint32_t *tx,
		     uint32_t *rx)
{
	*tx = e1000_ring_size(tx_req);
	*rx = e1000_ring_size(rx_req);
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

/* ---- ethtool -c/-C: interrupt moderation ----------------------------- */

/* SDM 13.4.18: ITR counts 256 ns intervals between interrupts. */
void e1000_hw_apply_itr(struct e1000_hw *hw)
{
	hw_wr(hw, E1000_ITR, hw->st.rx_usecs * 1000u / 256u);
}

int e1000_hw_get_coalesce(struct e1000_hw *hw, uint32_t *rx_usecs)
{
	*rx_usecs = hw->st.rx_usecs;
	return 0;
}

/* 0 turns moderation off; Linux e1000's 1-4 (dynamic modes) are not
 * offered, so they are refused like any other value out of range. */
int e1000_hw_set_coalesce(struct e1000_hw *hw, uint32_t rx_usecs)
{
	if (rx_usecs && (rx_usecs < E1000_RX_USECS_MIN ||
			 rx_usecs > E1000_RX_USECS_MAX))
		return -MB_EINVAL;
	hw->st.rx_usecs = rx_usecs;
	e1000_hw_apply_itr(hw);
	return 0;
}

/* ---- ethtool -w/-W: wake-on-LAN ------------------------------------- */

/* SDM 5.6.10: the EEPROM's APM enable bit for port A says whether this
 * board can wake at all (Linux e1000 reads the same word). */
uint32_t e1000_wol_supported(const struct e1000_hw *hw)
{
	return hw->st.eeprom[E1000_EEPROM_ICW3_A] & E1000_EEPROM_APME ?
	       E1000_WAKE_ALL : 0;
}

/* SDM 13.6.2: the wake-up filters, and PME enabled when any is set.  They
 * take effect when the device is put in D3; the register dump shows them. */
void e1000_hw_apply_wol(struct e1000_hw *hw)
{
	uint32_t w = hw->st.wol, wufc = 0;

	if (w & E1000_WAKE_MAGIC)
		wufc |= E1000_WUFC_MAG;
	if (w & E1000_WAKE_UCAST)
		wufc |= E1000_WUFC_EX;
	if (w & E1000_WAKE_MCAST)
		wufc |= E1000_WUFC_MC;
	if (w & E1000_WAKE_BCAST)
		wufc |= E1000_WUFC_BC;
	hw_wr(hw, E1000_WUFC, wufc);
	hw_wr(hw, E1000_WUC, wufc ? E1000_WUC_PME_EN : 0);
}

/* can_wake: the platform lets this PCI function wake the system (the
 * kernel knows, from PCI power management); without it nothing is armed,
 * as Linux e1000 answers. */
int e1000_hw_get_wol(struct e1000_hw *hw, uint32_t can_wake,
		     uint32_t *supported, uint32_t *wolopts)
{
	*supported = e1000_wol_supported(hw);
	*wolopts = can_wake ? hw->st.wol : 0;
	return 0;
}

int e1000_hw_set_wol(struct e1000_hw *hw, uint32_t wolopts, uint32_t can_wake)
{
	if (wolopts & ~e1000_wol_supported(hw) || (wolopts && !can_wake))
		return -MB_EOPNOTSUPP;
	hw->st.wol = wolopts;
	e1000_hw_apply_wol(hw);
	return 0;
}
