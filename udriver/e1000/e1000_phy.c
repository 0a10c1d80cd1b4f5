// SPDX-License-Identifier: GPL-2.0
/*
 * PHY access over MDIC and link management for the 82540EM's internal
 * copper PHY: link setup (autonegotiation or forced speed/duplex), link
 * check, and the ethtool link settings.
 */
#include "e1000_hw.h"

#define MDIC_TRIES	640	/* x 5 us; SDM 13.4.6: an MDI cycle is ~64 us */
#define MDIC_DELAY_US	5

/* SDM 13.4.6: one MDI transaction; poll READY, then check ERROR. */
static int e1000_mdic(struct e1000_hw *hw, uint32_t cmd, uint32_t *out)
{
	uint32_t v;

	hw_wr(hw, E1000_MDIC, cmd);
	if (e1000_wait_bits(hw, E1000_MDIC, E1000_MDIC_READY, E1000_MDIC_READY,
			    MDIC_TRIES, MDIC_DELAY_US, &v)) {
		hw_log(hw, MB_LOG_ERR, "MDIC timeout, cmd %08x\n", cmd);
		return -MB_ETIMEDOUT;
	}
	if (v & E1000_MDIC_ERROR)
		return -MB_EIO;
	*out = v;
	return 0;
}

int e1000_phy_read(struct e1000_hw *hw, uint32_t reg, uint16_t *val)
{
	uint32_t v = 0;
	int err;

	if (reg > 31)
		return -MB_EINVAL;
	err = e1000_mdic(hw, reg << E1000_MDIC_REG_SHIFT |
			 E1000_PHY_ADDR << E1000_MDIC_PHY_SHIFT |
			 E1000_MDIC_OP_READ, &v);
	if (!err)
		*val = v & E1000_MDIC_DATA_MASK;
	return err;
}

int e1000_phy_write(struct e1000_hw *hw, uint32_t reg, uint16_t val)
{
	uint32_t v;

	if (reg > 31)
		return -MB_EINVAL;
	return e1000_mdic(hw, val | reg << E1000_MDIC_REG_SHIFT |
			  E1000_PHY_ADDR << E1000_MDIC_PHY_SHIFT |
			  E1000_MDIC_OP_WRITE, &v);
}

/* advertised mode -> PHY register bit (ANAR for 10/100, 1000T_CTRL for
 * 1000) and ethtool link mode */
static const struct {
	uint16_t adv;
	uint8_t reg;
	uint16_t bit;
	uint8_t mode;
} adv_map[] = {
	{ E1000_ADV_10_HALF,   PHY_AUTONEG_ADV, PHY_ANAR_10_HD,  E1000_LM_10_HALF },
	{ E1000_ADV_10_FULL,   PHY_AUTONEG_ADV, PHY_ANAR_10_FD,  E1000_LM_10_FULL },
	{ E1000_ADV_100_HALF,  PHY_AUTONEG_ADV, PHY_ANAR_100_HD, E1000_LM_100_HALF },
	{ E1000_ADV_100_FULL,  PHY_AUTONEG_ADV, PHY_ANAR_100_FD, E1000_LM_100_FULL },
	{ E1000_ADV_1000_FULL, PHY_1000T_CTRL,  PHY_1000T_CTRL_FD, E1000_LM_1000_FULL },
};
#define ADV_MAP_N (sizeof(adv_map) / sizeof(adv_map[0]))

static uint16_t adv_bits(uint16_t advertised, uint8_t reg)
{
	uint16_t bits = 0;
	uint32_t i;

	for (i = 0; i < ADV_MAP_N; i++)
		if (adv_map[i].reg == reg && (advertised & adv_map[i].adv))
			bits |= adv_map[i].bit;
	return bits;
}

#define T1000_MASK (PHY_1000T_CTRL_HD | PHY_1000T_CTRL_FD)

/*
 * Autonegotiation (IEEE 802.3 clause 28, SDM 14.8.1 internal PHY): write
 * the advertisement, then enable and restart autoneg.  If the PHY already
 * advertises exactly this and has finished, leave it alone: a restart
 * drops the link for the length of a negotiation.
 */
static int e1000_setup_autoneg(struct e1000_hw *hw, bool force_restart)
{
	uint16_t anar, t1000, ctrl, status;
	uint16_t want_anar = adv_bits(hw->st.link_cfg.advertised,
				      PHY_AUTONEG_ADV) | e1000_fc_anar_bits(hw);
	uint16_t want_t1000 = adv_bits(hw->st.link_cfg.advertised,
				       PHY_1000T_CTRL);
	int err;

	err = e1000_phy_read(hw, PHY_AUTONEG_ADV, &anar);
	if (!err)
		err = e1000_phy_read(hw, PHY_1000T_CTRL, &t1000);
	if (!err)
		err = e1000_phy_read(hw, PHY_CTRL, &ctrl);
	if (!err)
		err = e1000_phy_read(hw, PHY_STATUS, &status);
	if (err)
		return err;

	if (!force_restart && (ctrl & PHY_CTRL_AN_ENABLE) &&
	    (status & PHY_STATUS_AN_DONE) &&
	    (anar & (PHY_ANAR_SPEED_MASK | PHY_PAUSE_MASK)) == want_anar &&
	    (t1000 & T1000_MASK) == want_t1000)
		return 0;

	anar = (anar & ~(PHY_ANAR_SPEED_MASK | PHY_PAUSE_MASK)) | want_anar |
	       PHY_ANAR_SELECTOR;
	t1000 = (t1000 & ~T1000_MASK) | want_t1000;
	err = e1000_phy_write(hw, PHY_AUTONEG_ADV, anar);
	if (!err)
		err = e1000_phy_write(hw, PHY_1000T_CTRL, t1000);
	if (!err)
		err = e1000_phy_write(hw, PHY_CTRL, (ctrl & ~PHY_CTRL_LOOPBACK) |
				      PHY_CTRL_AN_ENABLE | PHY_CTRL_RESTART_AN);
	if (!err && hw_msg(hw, E1000_MSG_LINK))
		hw_log(hw, MB_LOG_INFO, "autonegotiation restarted, advertising %04x\n",
		       hw->st.link_cfg.advertised);
	return err;
}

/* SDM 14.8.3 forced speed/duplex: PHY without autoneg, and CTRL.FRCSPD/
 * FRCDPX so the MAC follows the forced setting rather than the PHY. */
static int e1000_setup_forced(struct e1000_hw *hw)
{
	const struct e1000_link_cfg *c = &hw->st.link_cfg;
	uint32_t ctrl = hw_rd(hw, E1000_CTRL);
	uint16_t phy = 0;

	ctrl &= ~(E1000_CTRL_SPD_MASK | E1000_CTRL_FD);
	ctrl |= E1000_CTRL_FRCSPD | E1000_CTRL_FRCDPX |
		(c->speed == 100 ? E1000_CTRL_SPD_100 : E1000_CTRL_SPD_10) |
		(c->full_duplex ? E1000_CTRL_FD : 0);
	hw_wr(hw, E1000_CTRL, ctrl);

	if (c->speed == 100)
		phy |= PHY_CTRL_SPEED_LSB;
	if (c->full_duplex)
		phy |= PHY_CTRL_FULL_DUPLEX;
	if (hw_msg(hw, E1000_MSG_LINK))
		hw_log(hw, MB_LOG_INFO, "forcing %u Mb/s %s duplex\n", c->speed,
		       c->full_duplex ? "full" : "half");
	return e1000_phy_write(hw, PHY_CTRL, phy);
}

static int e1000_setup_link_mode(struct e1000_hw *hw, bool force_restart)
{
	uint32_t ctrl;
	uint16_t id = 0;
	int err;

	err = e1000_phy_read(hw, PHY_ID2, &id);
	if (err) {
		hw_log(hw, MB_LOG_ERR, "PHY does not answer on MDIC\n");
		return err;
	}
	hw->st.phy_id_low = id;

	/* SDM 14.8.1: internal PHY, the MAC takes speed/duplex from it */
	ctrl = hw_rd(hw, E1000_CTRL);
	ctrl |= E1000_CTRL_SLU;
	ctrl &= ~(E1000_CTRL_FRCSPD | E1000_CTRL_FRCDPX | E1000_CTRL_LRST |
		  E1000_CTRL_ILOS);
	hw_wr(hw, E1000_CTRL, ctrl);

	if (hw->st.link_cfg.autoneg)
		return e1000_setup_autoneg(hw, force_restart);
	return e1000_setup_forced(hw);
}

int e1000_hw_setup_link(struct e1000_hw *hw)
{
	return e1000_setup_link_mode(hw, false);
}

static const uint32_t status_speed[4] = { 10, 100, 1000, 1000 };

int e1000_hw_check_link(struct e1000_hw *hw)
{
	uint32_t status = hw_rd(hw, E1000_STATUS);
	uint8_t up = (status & E1000_STATUS_LU) ? 1 : 0;
	uint32_t speed = status_speed[(status & E1000_STATUS_SPEED_MASK) >>
				      E1000_STATUS_SPEED_SHIFT];
	uint8_t fd = (status & E1000_STATUS_FD) ? 1 : 0;

	if (status == 0xFFFFFFFFu)
		return -MB_EIO;	/* device gone */
	if (up == hw->st.link_up &&
	    (!up || (speed == hw->st.speed && fd == hw->st.full_duplex)))
		return up;

	hw->st.link_up = up;
	hw->st.speed = up ? speed : 0;
	hw->st.full_duplex = up ? fd : 0;
	if (up)
		e1000_fc_link_up(hw);
	if (hw_msg(hw, E1000_MSG_LINK)) {
		if (up)
			hw_log(hw, MB_LOG_INFO, "link up, %u Mb/s, %s duplex\n",
			       speed, fd ? "full" : "half");
		else
			hw_log(hw, MB_LOG_INFO, "link down\n");
	}
	mb_link_report(hw->dev, up, hw->st.speed, fd);
	return up;
}

/* What the link partner advertised (IEEE 802.3 28.2.4.1.3 and 40.5.1.1:
 * LPA for 10/100 and pause, 1000T status for 1000BASE-T), as link modes;
 * 0 when nothing was negotiated or the PHY does not answer. */
static uint64_t e1000_lp_modes(struct e1000_hw *hw)
{
	static const struct { uint8_t reg; uint16_t bit; uint8_t mode; } lp[] = {
		{ PHY_LP_ABILITY, PHY_ANAR_10_HD, E1000_LM_10_HALF },
		{ PHY_LP_ABILITY, PHY_ANAR_10_FD, E1000_LM_10_FULL },
		{ PHY_LP_ABILITY, PHY_ANAR_100_HD, E1000_LM_100_HALF },
		{ PHY_LP_ABILITY, PHY_ANAR_100_FD, E1000_LM_100_FULL },
		{ PHY_LP_ABILITY, PHY_ANAR_PAUSE, E1000_LM_PAUSE },
		{ PHY_LP_ABILITY, PHY_ANAR_ASM_DIR, E1000_LM_ASYM_PAUSE },
		{ PHY_1000T_STATUS, PHY_1000T_STATUS_LP_HD, E1000_LM_1000_HALF },
		{ PHY_1000T_STATUS, PHY_1000T_STATUS_LP_FD, E1000_LM_1000_FULL },
	};
	uint16_t lpa, t1000;
	uint64_t m = 0;
	uint32_t i;

	if (!hw->st.link_up || !hw->st.link_cfg.autoneg ||
	    e1000_phy_read(hw, PHY_LP_ABILITY, &lpa) ||
	    e1000_phy_read(hw, PHY_1000T_STATUS, &t1000) || !(lpa | t1000))
		return 0;
	for (i = 0; i < sizeof(lp) / sizeof(lp[0]); i++)
		if ((lp[i].reg == PHY_LP_ABILITY ? lpa : t1000) & lp[i].bit)
			m |= E1000_LM_BIT(lp[i].mode);
	return m | E1000_LM_BIT(E1000_LM_AUTONEG);
}

/* ethtool's link settings, in ethtool's terms (link-mode bit masks). */
int e1000_hw_get_link_ksettings(struct e1000_hw *hw, uint64_t *supported,
				uint64_t *advertising, uint64_t *lp_advertising,
				uint8_t *autoneg,
				uint8_t *port, uint8_t *phy_address,
				uint32_t *speed, uint8_t *duplex)
{
	const struct e1000_link_cfg *c = &hw->st.link_cfg;
	uint64_t sup = E1000_LM_BIT(E1000_LM_AUTONEG) | E1000_LM_BIT(E1000_LM_TP) |
		       E1000_LM_BIT(E1000_LM_PAUSE) |
		       E1000_LM_BIT(E1000_LM_ASYM_PAUSE);
	uint64_t adv = E1000_LM_BIT(E1000_LM_TP);
	uint16_t pause = e1000_fc_anar_bits(hw);
	uint32_t i;

	for (i = 0; i < ADV_MAP_N; i++) {
		sup |= E1000_LM_BIT(adv_map[i].mode);
		if (c->autoneg && (c->advertised & adv_map[i].adv))
			adv |= E1000_LM_BIT(adv_map[i].mode);
	}
	if (c->autoneg) {
		adv |= E1000_LM_BIT(E1000_LM_AUTONEG);
		if (pause & PHY_ANAR_PAUSE)
			adv |= E1000_LM_BIT(E1000_LM_PAUSE);
		if (pause & PHY_ANAR_ASM_DIR)
			adv |= E1000_LM_BIT(E1000_LM_ASYM_PAUSE);
	}
	*supported = sup;
	*advertising = adv;
	*lp_advertising = e1000_lp_modes(hw);
	*autoneg = c->autoneg;
	*port = E1000_PORT_TP;
	*phy_address = E1000_PHY_ADDR;
	/* what the last link check saw; the kernel dropped the carrier (and
	 * we our link_up) when the interface went down */
	*speed = hw->st.link_up ? hw->st.speed : E1000_SPEED_UNKNOWN;
	*duplex = !hw->st.link_up ? E1000_DUPLEX_UNKNOWN :
		  hw->st.full_duplex ? E1000_DUPLEX_FULL : E1000_DUPLEX_HALF;
	return 0;
}

int e1000_hw_set_link_ksettings(struct e1000_hw *hw, uint32_t autoneg,
				uint32_t speed, uint32_t duplex,
				uint64_t advertising)
{
	struct e1000_link_cfg c = { 0 };
	uint32_t i;

	if (autoneg > 1 || (!autoneg && duplex != E1000_DUPLEX_HALF &&
			    duplex != E1000_DUPLEX_FULL))
		return -MB_EINVAL;
	c.autoneg = (uint8_t)autoneg;
	c.speed = speed;
	c.full_duplex = duplex == E1000_DUPLEX_FULL;
	for (i = 0; i < ADV_MAP_N; i++)
		if (advertising & E1000_LM_BIT(adv_map[i].mode))
			c.advertised |= adv_map[i].adv;
	if (!c.autoneg && c.speed == 1000) {
		/* IEEE 802.3 clause 40: 1000BASE-T needs autonegotiation;
		 * forced 1000/full means "advertise only 1000/full". */
		if (!c.full_duplex)
			return -MB_EINVAL;
		c.autoneg = 1;
		c.advertised = E1000_ADV_1000_FULL;
	}
	if (c.autoneg) {
		if (!c.advertised)
			return -MB_EINVAL;
		c.speed = 1000;
		c.full_duplex = 1;
	} else if (c.speed != 10 && c.speed != 100) {
		return -MB_EINVAL;
	}
	hw->st.link_cfg = c;
	return e1000_setup_link_mode(hw, true);
}

int e1000_hw_restart_autoneg(struct e1000_hw *hw)
{
	if (!hw->st.link_cfg.autoneg)
		return -MB_EINVAL;
	return e1000_setup_autoneg(hw, true);
}
