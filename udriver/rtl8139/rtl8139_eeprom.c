// SPDX-License-Identifier: GPL-2.0
/*
 * The 93C46 EEPROM, read by driving its pins through 9346CR in
 * programming mode (datasheet 6.6; 8139cp's read_eeprom()): chip select,
 * then the start bit, the READ opcode (10) and six address bits clocked
 * in on EESK's rising edges, then sixteen data bits clocked out on EEDO,
 * most significant first.  Each pin change is followed by a read of the
 * register, which is the delay the part needs.  Only READ is ever sent
 * (the k-driver's register policy refuses any other opcode).
 */
#include "rtl8139_hw.h"

static void ee_pins(struct rtl8139_hw *hw, uint8_t pins)
{
	hw_wr8(hw, RTL_9346CR, RTL_9346_PROGRAM | pins);
	(void)hw_rd8(hw, RTL_9346CR);
}

uint16_t rtl8139_eeprom_read(struct rtl8139_hw *hw, uint32_t word)
{
	uint32_t cmd = (1u << (2 + RTL_EE_ADDR_BITS)) |
		       (RTL_EE_OP_READ << RTL_EE_ADDR_BITS) |
		       (word & ((1u << RTL_EE_ADDR_BITS) - 1));
	uint16_t v = 0;
	int i;

	ee_pins(hw, 0);
	ee_pins(hw, RTL_9346_EECS);
	for (i = 2 + RTL_EE_ADDR_BITS; i >= 0; i--) {
		uint8_t di = cmd >> i & 1 ? RTL_9346_EEDI : 0;

		ee_pins(hw, RTL_9346_EECS | di);
		ee_pins(hw, RTL_9346_EECS | di | RTL_9346_EESK);
	}
	ee_pins(hw, RTL_9346_EECS);
	for (i = 0; i < 16; i++) {
		hw_wr8(hw, RTL_9346CR, RTL_9346_PROGRAM | RTL_9346_EECS |
		       RTL_9346_EESK);
		v = (uint16_t)(v << 1 | (hw_rd8(hw, RTL_9346CR) & RTL_9346_EEDO));
		ee_pins(hw, RTL_9346_EECS);
	}
	ee_pins(hw, 0);
	hw_wr8(hw, RTL_9346CR, RTL_9346_NORMAL);
	return v;
}

/* The whole image (ethtool -e); a Realtek image starts with 0x8129. */
int rtl8139_eeprom_load(struct rtl8139_hw *hw)
{
	uint32_t i;

	for (i = 0; i < RTL8139_EEPROM_WORDS; i++)
		hw->st.eeprom[i] = rtl8139_eeprom_read(hw, i);
	if (hw->st.eeprom[0] != RTL8139_EEPROM_ID)
		hw_log(hw, MB_LOG_WARN, "EEPROM id 0x%04x, not 0x%04x\n",
		       hw->st.eeprom[0], RTL8139_EEPROM_ID);
	return 0;
}
