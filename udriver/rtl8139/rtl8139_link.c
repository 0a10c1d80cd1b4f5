// SPDX-License-Identifier: GPL-2.0
/*
 * Link and media through the internal PHY's basic mode registers, which
 * the 8139C+ maps at BMCR/BMSR/ANAR/ANLPAR (8139cp reaches them the same
 * way, through the MII library).  Results are in ethtool's terms, as
 * mii_ethtool_get_link_ksettings() gives them for 8139cp.
 */
#include "rtl8139_hw.h"

int rtl8139_hw_check_link(struct rtl8139_hw *hw)
{
	return rtl8139_link_check(hw, false);
}

/* ANAR/ANLPAR bits to ethtool link modes */
static uint64_t an_modes(uint16_t v)
{
	uint64_t m = 0;

	if (v & RTL_ADV_10HALF)
		m |= RTL8139_LM_BIT(RTL8139_LM_10_HALF);
	if (v & RTL_ADV_10FULL)
		m |= RTL8139_LM_BIT(RTL8139_LM_10_FULL);
	if (v & RTL_ADV_100HALF)
		m |= RTL8139_LM_BIT(RTL8139_LM_100_HALF);
	if (v & RTL_ADV_100FULL)
		m |= RTL8139_LM_BIT(RTL8139_LM_100_FULL);
	if (v & RTL_ADV_PAUSE)
		m |= RTL8139_LM_BIT(RTL8139_LM_PAUSE);
	if (v & RTL8139_ADV_ASYM)
		m |= RTL8139_LM_BIT(RTL8139_LM_ASYM_PAUSE);
	return m;
}

/* What autonegotiation settled on (mii_nway_result), or what is forced. */
static void resolve(struct rtl8139_hw *hw, uint16_t bmcr, uint32_t *speed,
		    bool *full)
{
	if (bmcr & RTL_BMCR_ANENABLE) {
		uint16_t common = hw_rd16(hw, RTL_ANAR) & hw_rd16(hw, RTL_ANLPAR);

		if (common & RTL_ADV_100FULL) {
			*speed = 100;
			*full = true;
		} else if (common & RTL_ADV_100HALF) {
			*speed = 100;
			*full = false;
		} else {
			*speed = 10;
			*full = common & RTL_ADV_10FULL;
		}
	} else {
		*speed = bmcr & RTL_BMCR_SPEED100 ? 100 : 10;
		*full = bmcr & RTL_BMCR_FULLDPLX;
	}
}

/* Carrier, speed and duplex; a change (or, with force, any state) is
 * reported to the kernel. */
int rtl8139_link_check(struct rtl8139_hw *hw, bool force)
{
	bool up, full = false, changed;
	uint32_t speed = 0;

	(void)hw_rd16(hw, RTL_BMSR);	/* the link bit latches low: the second read is now */
	up = hw_rd16(hw, RTL_BMSR) & RTL_BMSR_LSTATUS;
	if (up)
		resolve(hw, hw_rd16(hw, RTL_BMCR), &speed, &full);
	changed = up != hw->st.link_up || speed != hw->st.speed ||
		  full != hw->st.full_duplex;
	if (changed && hw_msg(hw, RTL8139_MSG_LINK)) {
		if (up)
			hw_log(hw, MB_LOG_INFO, "link up, %u Mb/s, %s duplex\n",
			       speed, full ? "full" : "half");
		else
			hw_log(hw, MB_LOG_INFO, "link down\n");
	}
	hw->st.link_up = up;
	hw->st.speed = speed;
	hw->st.full_duplex = full;
	if (changed || force)
		mb_link_report(hw->dev, up, speed, full);
	return up ? 1 : 0;
}

int rtl8139_hw_get_link_ksettings(struct rtl8139_hw *hw, uint64_t *supported,
				  uint64_t *advertising, uint64_t *lp_advertising,
				  uint8_t *autoneg, uint8_t *port, uint8_t *phy_address,
				  uint32_t *speed, uint8_t *duplex)
{
	uint16_t bmcr = hw_rd16(hw, RTL_BMCR), bmsr = hw_rd16(hw, RTL_BMSR);
	bool full;

	*supported = RTL8139_LM_BIT(RTL8139_LM_10_HALF) | RTL8139_LM_BIT(RTL8139_LM_10_FULL) |
		     RTL8139_LM_BIT(RTL8139_LM_100_HALF) | RTL8139_LM_BIT(RTL8139_LM_100_FULL) |
		     RTL8139_LM_BIT(RTL8139_LM_AUTONEG) | RTL8139_LM_BIT(RTL8139_LM_TP) |
		     RTL8139_LM_BIT(RTL8139_LM_MII);
	*advertising = RTL8139_LM_BIT(RTL8139_LM_TP) | RTL8139_LM_BIT(RTL8139_LM_MII);
	*lp_advertising = 0;
	*port = RTL8139_PORT_MII;
	*phy_address = RTL8139_PHY_ADDR;
	*autoneg = !!(bmcr & RTL_BMCR_ANENABLE);
	if (*autoneg) {
		*advertising |= RTL8139_LM_BIT(RTL8139_LM_AUTONEG) |
				an_modes(hw_rd16(hw, RTL_ANAR));
		if (bmsr & RTL_BMSR_ANEGCOMPLETE) {
			uint16_t lpa = hw_rd16(hw, RTL_ANLPAR);

			*lp_advertising = an_modes(lpa);
			if (lpa & 0x4000)	/* LPA_LPACK */
				*lp_advertising |= RTL8139_LM_BIT(RTL8139_LM_AUTONEG);
		}
	}
	resolve(hw, bmcr, speed, &full);
	*duplex = full ? RTL8139_DUPLEX_FULL : RTL8139_DUPLEX_HALF;
	return 0;
}

/* ANAR and BMCR from link_cfg.  Autonegotiation is restarted only when
 * the advertisement differs from what the PHY holds (a reset may have
 * cleared it), so a plain bring-up does not renegotiate. */
void rtl8139_link_apply(struct rtl8139_hw *hw)
{
	const struct rtl8139_link_cfg *c = &hw->st.link_cfg;
	uint16_t anar = hw_rd16(hw, RTL_ANAR), bmcr = hw_rd16(hw, RTL_BMCR);

	if (c->autoneg) {
		uint16_t want = (uint16_t)((anar & ~RTL8139_ADV_ALL) | c->advertised |
					   RTL_ADV_CSMA);

		if (want != anar || !(bmcr & RTL_BMCR_ANENABLE)) {
			hw_wr16(hw, RTL_ANAR, want);
			hw_wr16(hw, RTL_BMCR, RTL_BMCR_ANENABLE | RTL_BMCR_ANRESTART);
		}
	} else {
		uint16_t want = (c->speed == 100 ? RTL_BMCR_SPEED100 : 0) |
				(c->full_duplex ? RTL_BMCR_FULLDPLX : 0);

		if ((bmcr & (RTL_BMCR_ANENABLE | RTL_BMCR_SPEED100 |
			     RTL_BMCR_FULLDPLX)) != want)
			hw_wr16(hw, RTL_BMCR, want);
	}
}

/* ethtool -s, checked as mii_ethtool_set_link_ksettings() checks it. */
int rtl8139_hw_set_link_ksettings(struct rtl8139_hw *hw, uint32_t autoneg,
				  uint32_t speed, uint32_t duplex,
				  uint64_t advertising)
{
	struct rtl8139_link_cfg *c = &hw->st.link_cfg;
	uint16_t adv = 0;

	if (autoneg > 1)
		return -MB_EINVAL;
	if (!autoneg) {
		if ((speed != 10 && speed != 100) ||
		    (duplex != RTL8139_DUPLEX_HALF && duplex != RTL8139_DUPLEX_FULL))
			return -MB_EINVAL;
		c->autoneg = 0;
		c->speed = speed;
		c->full_duplex = duplex == RTL8139_DUPLEX_FULL;
	} else {
		if (advertising & RTL8139_LM_BIT(RTL8139_LM_10_HALF))
			adv |= RTL_ADV_10HALF;
		if (advertising & RTL8139_LM_BIT(RTL8139_LM_10_FULL))
			adv |= RTL_ADV_10FULL;
		if (advertising & RTL8139_LM_BIT(RTL8139_LM_100_HALF))
			adv |= RTL_ADV_100HALF;
		if (advertising & RTL8139_LM_BIT(RTL8139_LM_100_FULL))
			adv |= RTL_ADV_100FULL;
		if (!adv)
			return -MB_EINVAL;
		c->autoneg = 1;
		c->advertised = adv;
	}
	rtl8139_link_apply(hw);
	return 0;
}

/* ethtool -r (mii_nway_restart): only with autonegotiation on. */
int rtl8139_hw_restart_autoneg(struct rtl8139_hw *hw)
{
	uint16_t bmcr = hw_rd16(hw, RTL_BMCR);

	if (!(bmcr & RTL_BMCR_ANENABLE))
		return -MB_EINVAL;
	hw_wr16(hw, RTL_BMCR, bmcr | RTL_BMCR_ANRESTART);
	return 0;
}
