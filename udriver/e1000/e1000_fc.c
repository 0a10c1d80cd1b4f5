// SPDX-License-Identifier: GPL-2.0
/*
 * IEEE 802.3x flow control (PAUSE frames): what the PHY advertises, the
 * MAC's PAUSE address, type and thresholds (SDM 14.7 and 13.4.33-13.4.36),
 * the resolution against the link partner when the link comes up (IEEE
 * 802.3 annex 28B.3), and ethtool -a/-A.
 */
#include "e1000_hw.h"

/* Annex 28B.2 as Linux e1000 advertises it: both directions or receive
 * only ask for PAUSE and ASM_DIR (symmetric, or the partner's asymmetric
 * PAUSE towards us), transmit only ASM_DIR alone. */
uint16_t e1000_fc_anar_bits(const struct e1000_hw *hw)
{
	if (hw->st.fc_req & E1000_FC_RX)
		return PHY_ANAR_PAUSE | PHY_ANAR_ASM_DIR;
	return hw->st.fc_req & E1000_FC_TX ? PHY_ANAR_ASM_DIR : 0;
}

/* SDM 5.6.4: the EEPROM's pause advertisement (ICW2 bits 13:12) sets the
 * default, as in Linux e1000: none, transmit only, or both. */
void e1000_fc_default(struct e1000_hw *hw)
{
	uint16_t w = hw->st.eeprom[E1000_EEPROM_ICW2] & E1000_EEPROM_PAUSE_MASK;

	hw->st.fc_autoneg = 1;
	hw->st.fc_req = !w ? 0 : w == E1000_EEPROM_ASM_DIR ? E1000_FC_TX :
			E1000_FC_RX | E1000_FC_TX;
}

/*
 * SDM 14.7: PAUSE destination address and type, the XOFF pause time, and
 * the receive FIFO thresholds: XOFF when less than one maximum frame fits
 * in the RX packet buffer (PBA), XON 8 bytes lower.  Programmed after
 * every reset; they act only while CTRL.TFCE is set.
 */
void e1000_fc_setup(struct e1000_hw *hw)
{
	uint32_t rx_bytes = (hw_rd(hw, E1000_PBA) & E1000_PBA_RX_MASK) << 10;
	uint32_t frame = hw->st.mtu + 18 + 4;	/* headers, VLAN tag, FCS */
	uint32_t high = rx_bytes > frame ? (rx_bytes - frame) & ~7u : 0;

	hw_wr(hw, E1000_FCAL, E1000_FCAL_PAUSE);
	hw_wr(hw, E1000_FCAH, E1000_FCAH_PAUSE);
	hw_wr(hw, E1000_FCT, E1000_FCT_PAUSE);
	hw_wr(hw, E1000_FCTTV, E1000_FCTTV_DEFAULT);
	hw_wr(hw, E1000_FCRTH, high);
	hw_wr(hw, E1000_FCRTL, (high > 8 ? high - 8 : 0) | E1000_FCRTL_XONE);
}

static void e1000_fc_apply(struct e1000_hw *hw, uint8_t fc)
{
	uint32_t ctrl = hw_rd(hw, E1000_CTRL) & ~(E1000_CTRL_RFCE |
						   E1000_CTRL_TFCE);

	if (fc & E1000_FC_RX)
		ctrl |= E1000_CTRL_RFCE;
	if (fc & E1000_FC_TX)
		ctrl |= E1000_CTRL_TFCE;
	hw_wr(hw, E1000_CTRL, ctrl);
	if (fc != hw->st.fc_cur && hw_msg(hw, E1000_MSG_LINK))
		hw_log(hw, MB_LOG_INFO, "flow control: rx %s, tx %s\n",
		       fc & E1000_FC_RX ? "on" : "off",
		       fc & E1000_FC_TX ? "on" : "off");
	hw->st.fc_cur = fc;
}

/*
 * Annex 28B.3 table 28B-3, from our advertisement and the partner's; where
 * both could pause symmetrically, a request for receive only stays that.
 * Not strict IEEE, as Linux e1000: a partner that advertises no pause at
 * all may still send it (a legacy switch configured by hand), so if we
 * asked to receive we honour received PAUSE frames anyway; it costs
 * nothing when none come.
 */
static uint8_t e1000_fc_resolve(uint8_t req, uint16_t local, uint16_t partner)
{
	bool lp = local & PHY_ANAR_PAUSE, la = local & PHY_ANAR_ASM_DIR;
	bool pp = partner & PHY_ANAR_PAUSE, pa = partner & PHY_ANAR_ASM_DIR;

	if (lp && pp)
		return req == (E1000_FC_RX | E1000_FC_TX) ? req : E1000_FC_RX;
	if (lp && la && !pp && pa)
		return E1000_FC_RX;
	if (!lp && la && pp && pa)
		return E1000_FC_TX;
	if (!pp && !pa && (req & E1000_FC_RX))
		return E1000_FC_RX;
	return 0;
}

/*
 * The link came up: with autonegotiation (of the link and of pause), the
 * directions follow from both advertisements (only meaningful at full
 * duplex, 802.3 annex 31B); otherwise what was asked for is forced.
 */
void e1000_fc_link_up(struct e1000_hw *hw)
{
	uint16_t anar = 0, lpa = 0;
	uint8_t fc = hw->st.fc_req;

	if (hw->st.link_cfg.autoneg && hw->st.fc_autoneg) {
		if (e1000_phy_read(hw, PHY_AUTONEG_ADV, &anar) ||
		    e1000_phy_read(hw, PHY_LP_ABILITY, &lpa))
			return;	/* keep what is in force; next link-up retries */
		fc = e1000_fc_resolve(hw->st.fc_req, anar, lpa);
	}
	if (!hw->st.full_duplex)
		fc = 0;
	e1000_fc_apply(hw, fc);
}

int e1000_hw_get_pause(struct e1000_hw *hw, uint32_t *autoneg, uint32_t *rx,
		       uint32_t *tx)
{
	/* in force while the link is up, else what will be asked for */
	uint8_t fc = hw->st.link_up ? hw->st.fc_cur : hw->st.fc_req;

	*autoneg = hw->st.fc_autoneg;
	*rx = !!(fc & E1000_FC_RX);
	*tx = !!(fc & E1000_FC_TX);
	return 0;
}

/* ethtool -A: a new advertisement renegotiates the link; forced pause
 * (or a forced link) takes effect at once. */
int e1000_hw_set_pause(struct e1000_hw *hw, uint32_t autoneg, uint32_t rx,
		       uint32_t tx)
{
	if (autoneg > 1 || rx > 1 || tx > 1)
		return -MB_EINVAL;
	if (autoneg && !hw->st.link_cfg.autoneg)
		return -MB_EINVAL;	/* nothing to negotiate pause with */
	hw->st.fc_autoneg = (uint8_t)autoneg;
	hw->st.fc_req = (uint8_t)((rx ? E1000_FC_RX : 0) |
				  (tx ? E1000_FC_TX : 0));
	if (hw->st.link_cfg.autoneg) {
		int err = e1000_hw_setup_link(hw);	/* restarts on change */

		if (err)
			return err;
	}
	if (hw->st.link_up)
		e1000_fc_link_up(hw);
	return 0;
}
