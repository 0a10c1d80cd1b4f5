// SPDX-License-Identifier: GPL-2.0
/*
 * 802.1Q VLANs (SDM 3.4.5, 13.4.x): the VLAN filter table (VFTA, one bit
 * per VLAN ID in 128 words), tag stripping on receive and insertion on
 * transmit (both CTRL.VME), and the VLAN Ether type (VET).
 *
 * 8021q adds and kills VLAN IDs through the kernel (ndo_vlan_rx_add_vid);
 * the table's image is in the tracked state, so it is written back after
 * every reset and by a u-driver restarted under a running device.  As in
 * Linux e1000, the filter (RCTL.VFE) is on while the table holds any VLAN
 * and the port is not promiscuous (e1000_rxmode.c composes RCTL); without
 * a VLAN, tagged frames reach the stack (a packet capture sees them).
 */
#include "e1000_hw.h"

#define VLAN_ETHERTYPE	0x8100u	/* IEEE 802.1Q TPID */
#define VLAN_VID_COUNT	4096u

bool e1000_vlan_used(const struct e1000_hw *hw)
{
	uint32_t i;

	for (i = 0; i < E1000_VFTA_WORDS; i++)
		if (hw->st.vfta[i])
			return true;
	return false;
}

/* CTRL by read-modify-write: the link setup owns its other bits. */
static void e1000_vlan_apply_vme(struct e1000_hw *hw)
{
	uint32_t ctrl = hw_rd(hw, E1000_CTRL);

	if (hw->st.vlan_strip)
		ctrl |= E1000_CTRL_VME;
	else
		ctrl &= ~E1000_CTRL_VME;
	hw_wr(hw, E1000_CTRL, ctrl);
}

/*
 * After a reset (which clears VFTA and CTRL.VME) and when a new u-driver
 * adopts the device: everything from the state.  RCTL.VFE follows with
 * the next RCTL write.
 */
void e1000_vlan_apply(struct e1000_hw *hw)
{
	uint32_t i;

	/* Linux e1000 sets VET after every reset; QEMU's model matches
	 * tags against it */
	hw_wr(hw, E1000_VET, VLAN_ETHERTYPE);
	for (i = 0; i < E1000_VFTA_WORDS; i++)
		hw_wr(hw, E1000_VFTA + 4 * i, hw->st.vfta[i]);
	e1000_vlan_apply_vme(hw);
	hw_flush(hw);
}

int e1000_hw_set_vlan(struct e1000_hw *hw, uint32_t vid, uint32_t on)
{
	uint32_t word = vid >> 5, bit = 1u << (vid & 31);

	if (vid >= VLAN_VID_COUNT || on > 1)
		return -MB_EINVAL;
	if (on)
		hw->st.vfta[word] |= bit;
	else
		hw->st.vfta[word] &= ~bit;
	hw_wr(hw, E1000_VFTA + 4 * word, hw->st.vfta[word]);
	e1000_rctl_refresh(hw);	/* the first VLAN turns the filter on */
	if (hw_msg(hw, E1000_MSG_HW))
		hw_log(hw, MB_LOG_INFO, "vlan %u %s, filter %s\n", vid,
		       on ? "added" : "removed",
		       hw->rctl & E1000_RCTL_VFE ? "on" : "off");
	return 0;
}

int e1000_hw_set_vlan_strip(struct e1000_hw *hw, uint32_t on)
{
	if (on > 1)
		return -MB_EINVAL;
	hw->st.vlan_strip = (uint8_t)on;
	e1000_vlan_apply_vme(hw);
	hw_flush(hw);
	return 0;
}
