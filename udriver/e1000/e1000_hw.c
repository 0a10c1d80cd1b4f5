// SPDX-License-Identifier: GPL-2.0
/*
 * 82540EM lifecycle: reset and initialization in the order of the 8254x
 * SDM chapter 14 (General Initialization and Reset Operation), start and
 * stop of the receive and transmit units, and the TX-timeout diagnosis.
 *
 * Division of labour with the k-driver: the kernel owns the descriptor
 * rings and is the only one that writes TDBAL/TDBAH/TDLEN/TDH/TDT and
 * RDBAL/RDBAH/RDLEN/RDH/RDT (register policy); it programs them before
 * e1000_hw_up() and after e1000_hw_down().
 */
#include "e1000_hw.h"

#define E1000_MSG_DEFAULT	(E1000_MSG_DRV | E1000_MSG_PROBE | E1000_MSG_LINK)

int e1000_wait_bits(struct e1000_hw *hw, uint32_t reg, uint32_t mask,
		    uint32_t want, uint32_t tries, uint32_t delay_us,
		    uint32_t *last)
{
	uint32_t v = 0, i;

	for (i = 0; i < tries; i++) {
		v = hw_rd(hw, reg);
		if ((v & mask) == want)
			break;
		mb_udelay(hw->dev, delay_us);
	}
	if (last)
		*last = v;
	return (v & mask) == want ? 0 : -MB_ETIMEDOUT;
}

void e1000_hw_setup(struct e1000_hw *hw, struct mb_dev *dev)
{
	__builtin_memset(hw, 0, sizeof(*hw));
	hw->dev = dev;
	hw->st.mtu = 1500;
	hw->st.msg_enable = E1000_MSG_DEFAULT;
	hw->st.link_cfg.autoneg = 1;
	hw->st.link_cfg.advertised = E1000_ADV_ALL;
	hw->st.link_cfg.speed = 1000;
	hw->st.link_cfg.full_duplex = 1;
	hw->st.rx_usecs = E1000_RX_USECS_DEFAULT;
	hw->st.vlan_strip = 1;	/* the kernel's NETIF_F_HW_VLAN_CTAG_RX */
	e1000_hw_set_mtu(hw, hw->st.mtu);
}

/*
 * SDM 14.3 (general configuration) and 14.9 (reset): mask interrupts,
 * quiesce RX/TX so no DMA is in flight, issue CTRL.RST, then mask again
 * because the reset re-enables nothing but may latch causes.
 */
static int e1000_hw_reset(struct e1000_hw *hw)
{
	uint32_t ctrl;

	hw_wr(hw, E1000_IMC, 0xFFFFFFFFu);
	hw_wr(hw, E1000_RCTL, 0);
	hw_wr(hw, E1000_TCTL, E1000_TCTL_PSP);
	hw_flush(hw);
	mb_msleep(hw->dev, 10);	/* let pending PCI transactions finish */

	ctrl = hw_rd(hw, E1000_CTRL);
	hw_wr(hw, E1000_CTRL, ctrl | E1000_CTRL_RST);
	mb_msleep(hw->dev, 5);	/* SDM: no access until the reset settles */
	if (e1000_wait_bits(hw, E1000_CTRL, E1000_CTRL_RST, 0, 100, 100,
			    &ctrl)) {
		hw_log(hw, MB_LOG_ERR, "reset did not complete, CTRL=%08x\n",
		       ctrl);
		return -MB_EIO;
	}
	hw_wr(hw, E1000_IMC, 0xFFFFFFFFu);
	(void)hw_rd(hw, E1000_ICR);	/* clear latched causes */
	return 0;
}

/* SDM 14.4 first steps: station address and MTA; wake-up filters. */
static int e1000_hw_program_filters(struct e1000_hw *hw)
{
	uint32_t i;
	int err;

	err = e1000_hw_set_mac(hw, hw->st.mac);
	if (err)
		return err;
	e1000_write_uc(hw);
	for (i = 0; i < E1000_MTA_WORDS; i++)
		hw_wr(hw, E1000_MTA + 4 * i, hw->mta[i]);
	e1000_vlan_apply(hw);
	e1000_hw_apply_wol(hw);
	return 0;
}

/* Reset followed by everything that must be re-applied after a reset. */
static int e1000_hw_reset_and_configure(struct e1000_hw *hw)
{
	int err;

	err = e1000_hw_reset(hw);
	if (!err)
		err = e1000_hw_program_filters(hw);
	if (!err)
		err = e1000_hw_setup_link(hw);
	return err;
}

int e1000_hw_init(struct e1000_hw *hw)
{
	int err, i;

	err = e1000_hw_reset(hw);
	if (err)
		return err;

	err = e1000_eeprom_load(hw);
	if (err)
		return err;
	/* SDM 5.6.1: words 00h-02h hold the address, low byte first */
	for (i = 0; i < 3; i++) {
		hw->st.perm_mac[2 * i] = hw->st.eeprom[i] & 0xFF;
		hw->st.perm_mac[2 * i + 1] = hw->st.eeprom[i] >> 8;
	}
	if (hw->st.perm_mac[0] & 1) {
		hw_log(hw, MB_LOG_ERR, "EEPROM holds a multicast address\n");
		return -MB_EIO;
	}
	__builtin_memcpy(hw->st.mac, hw->st.perm_mac, E1000_ETH_ALEN);
	__builtin_memset(hw->mta, 0, sizeof(hw->mta));
	/* As Linux e1000: magic-packet wake-up armed if the EEPROM enables
	 * APM wake-up for this port. */
	hw->st.wol = e1000_wol_supported(hw) ? E1000_WAKE_MAGIC : 0;
	e1000_fc_default(hw);

	err = e1000_hw_program_filters(hw);
	if (err)
		return err;
	err = e1000_hw_setup_link(hw);
	if (err)
		return err;

	/* SDM 13.7: statistics start from zero for this driver instance */
	e1000_hw_update_stats(hw);
	__builtin_memset(&hw->st.stats, 0, sizeof(hw->st.stats));

	if (hw_msg(hw, E1000_MSG_PROBE))
		hw_log(hw, MB_LOG_INFO,
		       "82540EM init done, mac %02x:%02x:%02x:%02x:%02x:%02x phy id %04x\n",
		       hw->st.mac[0], hw->st.mac[1], hw->st.mac[2],
		       hw->st.mac[3], hw->st.mac[4], hw->st.mac[5],
		       hw->st.phy_id_low);
	return 0;
}

int e1000_hw_up(struct e1000_hw *hw)
{
	uint32_t tctl;

	/* SDM 14.5: transmit control and inter-packet gap */
	tctl = E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT |
	       E1000_TCTL_RTLC |
	       (hw->st.link_cfg.autoneg || hw->st.link_cfg.full_duplex ?
		E1000_TCTL_COLD_FD : E1000_TCTL_COLD_HD);
	hw_wr(hw, E1000_TIPG, E1000_TIPG_IPGT_COPPER | E1000_TIPG_IPGR1 |
	      E1000_TIPG_IPGR2);
	/* SDM 13.4.44/13.4.54: TX write-back interrupts delayed by TIDV
	 * (reset on every IDE descriptor) and bounded by TADV, in 1.024 us
	 * units: Linux e1000's defaults 8 and 32 */
	hw_wr(hw, E1000_TIDV, E1000_TIDV_DEFAULT);
	hw_wr(hw, E1000_TADV, E1000_TADV_DEFAULT);
	hw_wr(hw, E1000_TCTL, tctl);

	/* SDM 14.4: receive delay timers, then RCTL with EN last */
	/* RDTR 0 (no packet timer, SDM 13.4.30 advises against it), RADV
	 * bounds the delay; ITR caps the interrupt rate (SDM 13.4.18) */
	hw_wr(hw, E1000_RDTR, 0);
	hw_wr(hw, E1000_RADV, E1000_RADV_DEFAULT);
	e1000_hw_apply_itr(hw);
	e1000_fc_setup(hw);	/* thresholds follow the MTU */
	hw_wr(hw, E1000_RCTL, hw->rctl | E1000_RCTL_EN);
	hw_flush(hw);
	/* The kernel turned the carrier off when it went down, possibly
	 * without us (split, no u-driver): the first link check after up
	 * must report the link whatever we last knew. */
	hw->st.link_up = 0;
	return 0;
}

int e1000_hw_down(struct e1000_hw *hw)
{
	hw_wr(hw, E1000_RCTL, hw->rctl & ~E1000_RCTL_EN);
	hw_wr(hw, E1000_TCTL, hw_rd(hw, E1000_TCTL) & ~E1000_TCTL_EN);
	hw_flush(hw);
	hw->st.link_up = 0;
	return e1000_hw_reset_and_configure(hw);
}

/*
 * A new u-driver adopting a running device (recovery): the tracked state
 * arrived with the upcall.  Rebuild the private shadows from it and
 * re-apply station address, link and VLANs, without a reset: the data path
 * keeps running.  The kernel replays the RX mode right after.
 */
int e1000_hw_restore(struct e1000_hw *hw)
{
	int err = e1000_hw_set_mtu(hw, hw->st.mtu);

	if (!err)
		err = e1000_hw_set_mac(hw, hw->st.mac);
	if (!err)
		err = e1000_hw_setup_link(hw);
	if (!err) {
		e1000_hw_apply_itr(hw);
		e1000_hw_apply_wol(hw);
		e1000_vlan_apply(hw);
	}
	if (!err && hw_msg(hw, E1000_MSG_DRV))
		hw_log(hw, MB_LOG_INFO, "state restored: mtu %u, link %s\n",
		       hw->st.mtu, hw->st.link_up ? "up" : "down");
	return err;
}

int e1000_hw_tx_timeout(struct e1000_hw *hw)
{
	hw_log(hw, MB_LOG_WARN,
	       "TX timeout: TDH=%u TDT=%u TCTL=%08x STATUS=%08x, resetting\n",
	       hw_rd(hw, E1000_TDH), hw_rd(hw, E1000_TDT),
	       hw_rd(hw, E1000_TCTL), hw_rd(hw, E1000_STATUS));
	return 0;
}
