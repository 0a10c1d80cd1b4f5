// SPDX-License-Identifier: GPL-2.0
/*
 * Station address, RX mode and MTU.  RCR and the 64-bit multicast hash
 * (MAR0-7) follow 8139cp's __cp_set_rx_mode(): promiscuous accepts all,
 * all-multicast (or more than RTL8139_MC_MAX groups) opens the hash, else
 * each group sets bit (big-endian CRC-32 >> 26).  The hash image is kept
 * in the tracked state, so a reset or a restarted u-driver writes it back.
 */
#include "rtl8139_hw.h"

/* IEEE 802.3 CRC-32 of an address, most significant bit first (Linux's
 * ether_crc, QEMU's net_crc32). */
static uint32_t ether_crc(const uint8_t *p, uint32_t len)
{
	uint32_t crc = 0xFFFFFFFFu;

	while (len--) {
		uint8_t b = *p++;
		int bit;

		for (bit = 0; bit < 8; bit++, b >>= 1)
			crc = (crc << 1) ^ (((crc >> 31) ^ b) & 1 ? 0x04C11DB7u : 0);
	}
	return crc;
}

/* IDR0-5 as two dword writes (8139cp): the config registers must be
 * unlocked on a real chip, so this unlocks unless the caller did. */
void rtl8139_write_mac(struct rtl8139_hw *hw)
{
	const uint8_t *m = hw->st.mac;
	bool opened = rtl8139_config_open(hw);

	hw_wr32(hw, RTL_IDR0, (uint32_t)m[0] | (uint32_t)m[1] << 8 |
	       (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24);
	hw_wr32(hw, RTL_IDR0 + 4, (uint32_t)m[4] | (uint32_t)m[5] << 8);
	rtl8139_config_relock(hw, opened);
}

int rtl8139_hw_set_mac(struct rtl8139_hw *hw, const uint8_t mac[RTL8139_ETH_ALEN])
{
	uint32_t i;

	if (mac[0] & 1 || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -MB_EINVAL;
	for (i = 0; i < RTL8139_ETH_ALEN; i++)
		hw->st.mac[i] = mac[i];
	rtl8139_write_mac(hw);
	return 0;
}

void rtl8139_rx_apply(struct rtl8139_hw *hw)
{
	uint32_t rcr = RTL8139_RCR_BASE | RTL_RCR_AB | RTL_RCR_APM;

	if (hw->st.rx_flags & RTL8139_RX_PROMISC)
		rcr |= RTL_RCR_AAP;
	if (hw->st.mar[0] | hw->st.mar[1])
		rcr |= RTL_RCR_AM;
	hw_wr32(hw, RTL_RCR, rcr);
	hw_wr32(hw, RTL_MAR0, hw->st.mar[0]);
	hw_wr32(hw, RTL_MAR0 + 4, hw->st.mar[1]);
}

int rtl8139_hw_set_rx_mode(struct rtl8139_hw *hw, uint32_t rx_flags,
			   const uint8_t (*mc)[RTL8139_ETH_ALEN], uint32_t mc_count)
{
	uint32_t i;

	hw->st.rx_flags = rx_flags & (RTL8139_RX_PROMISC | RTL8139_RX_ALLMULTI);
	if (rx_flags & (RTL8139_RX_PROMISC | RTL8139_RX_ALLMULTI) ||
	    mc_count > RTL8139_MC_MAX) {
		hw->st.mar[0] = hw->st.mar[1] = 0xFFFFFFFFu;
	} else {
		hw->st.mar[0] = hw->st.mar[1] = 0;
		for (i = 0; i < mc_count; i++) {
			uint32_t bit = ether_crc(mc[i], RTL8139_ETH_ALEN) >> 26;

			hw->st.mar[bit >> 5] |= 1u << (bit & 31);
		}
	}
	rtl8139_rx_apply(hw);
	return 0;
}

/* The kernel sizes its RX buffers from st.mtu (one frame per C+
 * descriptor); the chip itself has nothing to program. */
int rtl8139_hw_set_mtu(struct rtl8139_hw *hw, uint32_t mtu)
{
	if (mtu < RTL8139_MTU_MIN || mtu > RTL8139_MTU_MAX)
		return -MB_EINVAL;
	hw->st.mtu = mtu;
	return 0;
}
