// SPDX-License-Identifier: GPL-2.0
/*
 * RTL8139C+ control path: reset, identification, bring-up and teardown
 * around the k-driver's rings, and adopting a running device.  The order
 * of the register writes follows 8139cp's cp_init_hw(); what touches DMA
 * (the C+ command register, ring and tally addresses, interrupts) is the
 * k-driver's and happens around these calls.
 */
#include "rtl8139_hw.h"


void rtl8139_hw_setup(struct rtl8139_hw *hw, struct mb_dev *dev)
{
	*hw = (struct rtl8139_hw){ .dev = dev };
	hw->st.mtu = 1500;
	hw->st.msg_enable = RTL8139_MSG_DEFAULT;
	hw->st.link_cfg = (struct rtl8139_link_cfg){
		.autoneg = 1, .full_duplex = 1,
		.advertised = RTL8139_ADV_ALL, .speed = 100,
	};
}

/* CR.RST, polled until the chip clears it (8139cp: 1000 x 10 us).  The
 * reset zeroes the tally counters: the next dump starts a new series. */
int rtl8139_hw_reset(struct rtl8139_hw *hw)
{
	unsigned int i;

	hw_wr8(hw, RTL_CR, RTL_CR_RST);
	for (i = 0; i < 1000; i++) {
		if (!(hw_rd8(hw, RTL_CR) & RTL_CR_RST)) {
			hw->st.tally_valid = 0;
			return 0;
		}
		mb_udelay(hw->dev, 10);
	}
	hw_log(hw, MB_LOG_ERR, "chip reset did not complete\n");
	return -MB_EIO;
}

void rtl8139_config_unlock(struct rtl8139_hw *hw)
{
	hw_wr8(hw, RTL_9346CR, RTL_9346_CFGWRITE);
}

void rtl8139_config_lock(struct rtl8139_hw *hw)
{
	hw_wr8(hw, RTL_9346CR, RTL_9346_NORMAL);
}

bool rtl8139_config_open(struct rtl8139_hw *hw)
{
	if ((hw_rd8(hw, RTL_9346CR) & RTL_9346_MODE) == RTL_9346_CFGWRITE)
		return false;
	rtl8139_config_unlock(hw);
	return true;
}

void rtl8139_config_relock(struct rtl8139_hw *hw, bool opened)
{
	if (opened)
		rtl8139_config_lock(hw);
}

/* The kernel turned the carrier off (a down), or it stays off until the
 * watchdog, which the kernel runs once the data path is up, sees the link
 * (an up): either way the next check is a change it reports. */
static void link_forget(struct rtl8139_hw *hw)
{
	hw->st.link_up = 0;
	hw->st.speed = 0;
	hw->st.full_duplex = 0;
}

static bool mac_valid(const uint8_t *m)
{
	return !(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

int rtl8139_hw_init(struct rtl8139_hw *hw)
{
	uint32_t i;
	int err;

	err = rtl8139_hw_reset(hw);
	if (err)
		return err;
	hw->st.chip = hw_rd32(hw, RTL_TCR) & RTL_TCR_HWVER_MASK;
	if (hw->st.chip != RTL_HWVER_8139CPLUS)
		hw_log(hw, MB_LOG_WARN, "hardware version 0x%08x is not an 8139C+\n",
		       hw->st.chip);
	err = rtl8139_eeprom_load(hw);
	if (err)
		return err;
	for (i = 0; i < 3; i++) {
		uint16_t w = hw->st.eeprom[RTL8139_EEPROM_MAC + i];

		hw->st.perm_mac[2 * i] = w & 0xFF;
		hw->st.perm_mac[2 * i + 1] = w >> 8;
	}
	if (!mac_valid(hw->st.perm_mac)) {
		/* no address in the EEPROM: the one the chip loaded, as 8139cp */
		for (i = 0; i < RTL8139_ETH_ALEN; i++)
			hw->st.perm_mac[i] = hw_rd8(hw, RTL_IDR0 + i);
		if (!mac_valid(hw->st.perm_mac)) {
			hw_log(hw, MB_LOG_ERR, "no valid station address\n");
			return -MB_EIO;
		}
	}
	for (i = 0; i < RTL8139_ETH_ALEN; i++)
		hw->st.mac[i] = hw->st.perm_mac[i];
	rtl8139_write_mac(hw);
	rtl8139_hw_check_link(hw);
	if (hw_msg(hw, RTL8139_MSG_PROBE))
		hw_log(hw, MB_LOG_INFO, "RTL8139C+ version 0x%08x, EEPROM id 0x%04x\n",
		       hw->st.chip, hw->st.eeprom[0]);
	return 0;
}

/* The rings are live (the kernel wrote the C+ command and ring registers):
 * enable RX/TX, then what the chip only takes with TX enabled. */
int rtl8139_hw_up(struct rtl8139_hw *hw)
{
	rtl8139_config_unlock(hw);
	rtl8139_write_mac(hw);
	hw_wr8(hw, RTL_CR, RTL_CR_RE | RTL_CR_TE);
	hw_wr8(hw, RTL_ETTHR, 0x06);
	rtl8139_rx_apply(hw);
	hw_wr32(hw, RTL_TCR, RTL8139_TCR_BASE);	/* ignored while TX is off */
	hw_wr8(hw, RTL_CONFIG1, hw_rd8(hw, RTL_CONFIG1) | RTL_CFG1_DVRLOAD |
	       RTL_CFG1_PMEN);
	rtl8139_wol_apply(hw);
	hw_wr16(hw, RTL_MULINT, 0);
	rtl8139_config_lock(hw);
	rtl8139_link_apply(hw);
	if (!(hw_rd8(hw, RTL_CR) & RTL_CR_TE)) {
		hw_log(hw, MB_LOG_ERR, "RX/TX enable refused\n");
		return -MB_EIO;
	}
	link_forget(hw);
	return 0;
}

/* The kernel has stopped DMA: count what the chip counted, then reset it
 * (which also restores the address the chip loaded: ours goes back). */
int rtl8139_hw_down(struct rtl8139_hw *hw)
{
	int err;

	rtl8139_hw_update_stats(hw);
	err = rtl8139_hw_reset(hw);
	rtl8139_write_mac(hw);
	link_forget(hw);
	return err;
}

int rtl8139_hw_tx_timeout(struct rtl8139_hw *hw)
{
	hw_log(hw, MB_LOG_WARN,
	       "transmit timeout: cr 0x%02x cpcr 0x%04x isr 0x%04x imr 0x%04x tcr 0x%08x\n",
	       hw_rd8(hw, RTL_CR), hw_rd16(hw, RTL_CPCR), hw_rd16(hw, RTL_ISR),
	       hw_rd16(hw, RTL_IMR), hw_rd32(hw, RTL_TCR));
	return 0;
}

/* A new u-driver and a running device: the state is the kernel's copy;
 * write back what a reset would not have lost but a crash may have left
 * half done, and learn the link. */
int rtl8139_hw_restore(struct rtl8139_hw *hw)
{
	rtl8139_config_unlock(hw);
	rtl8139_write_mac(hw);
	rtl8139_rx_apply(hw);
	rtl8139_wol_apply(hw);
	rtl8139_config_lock(hw);
	rtl8139_link_check(hw, true);
	return 0;
}
