// SPDX-License-Identifier: GPL-2.0
/*
 * Diagnostics: ethtool -t.  Three tests, as the e1000's: registers
 * (offline: patterns through the multicast hash and the early-transmit
 * threshold, the registers whose every bit is kept, restored afterwards),
 * the EEPROM (its Realtek id, and a second read equal to the image taken
 * at probe) and the link.  An interrupt or loopback test would need the
 * data path, which the control path cannot see: not offered.  8139cp has
 * no self-test at all.
 */
#include "rtl8139_hw.h"

static const char test_names[RTL8139_TESTS][RTL8139_STAT_NAME_LEN] = {
	[RTL8139_TEST_REG]	= "Register test  (offline)",
	[RTL8139_TEST_EEPROM]	= "Eeprom test (on/offline)",
	[RTL8139_TEST_LINK]	= "Link test   (on/offline)",
};

uint32_t rtl8139_test_count(void)
{
	return RTL8139_TESTS;
}

uint32_t rtl8139_hw_get_test_names(struct rtl8139_hw *hw,
				   char (*names)[RTL8139_STAT_NAME_LEN], uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && i < RTL8139_TESTS; i++)
		__builtin_memcpy(names[i], test_names[i], RTL8139_STAT_NAME_LEN);
	return i;
}

static const uint32_t patterns[] = { 0x5A5A5A5Au, 0xA5A5A5A5u, 0x00000000u, 0xFFFFFFFFu };
#define PATTERNS (sizeof(patterns) / sizeof(patterns[0]))

/* 1 + the index of the first register that did not keep a pattern, 0: passed */
static uint64_t test_regs(struct rtl8139_hw *hw)
{
	static const struct { uint32_t reg, width; } regs[] = {
		{ RTL_MAR0, 4 }, { RTL_MAR0 + 4, 4 }, { RTL_ETTHR, 1 },
	};
	uint64_t result = 0;
	uint32_t i, p;

	for (i = 0; i < sizeof(regs) / sizeof(regs[0]) && !result; i++) {
		uint32_t reg = regs[i].reg, w = regs[i].width;
		uint32_t mask = w == 4 ? 0xFFFFFFFFu : 0xFFu;
		uint32_t old = w == 4 ? hw_rd32(hw, reg) : hw_rd8(hw, reg);

		for (p = 0; p < PATTERNS; p++) {
			uint32_t v = patterns[p] & mask, got;

			if (w == 4)
				hw_wr32(hw, reg, v);
			else
				hw_wr8(hw, reg, (uint8_t)v);
			got = w == 4 ? hw_rd32(hw, reg) : hw_rd8(hw, reg);
			if (got != v) {
				hw_log(hw, MB_LOG_ERR, "register test: 0x%02x wrote 0x%08x read 0x%08x\n",
				       reg, v, got);
				result = 1 + i;
				break;
			}
		}
		if (w == 4)
			hw_wr32(hw, reg, old);
		else
			hw_wr8(hw, reg, (uint8_t)old);
	}
	return result;
}

static uint64_t test_eeprom(struct rtl8139_hw *hw)
{
	uint32_t i;

	if (rtl8139_eeprom_read(hw, 0) != RTL8139_EEPROM_ID)
		return 1;
	for (i = 0; i < RTL8139_EEPROM_WORDS; i++)
		if (rtl8139_eeprom_read(hw, i) != hw->st.eeprom[i])
			return 2;
	return 0;
}

static uint64_t test_link(struct rtl8139_hw *hw)
{
	return rtl8139_hw_check_link(hw) == 1 ? 0 : 1;
}

uint32_t rtl8139_hw_self_test_online(struct rtl8139_hw *hw, uint64_t *out,
				     uint32_t n)
{
	uint64_t r[RTL8139_TESTS] = { 0 };
	uint32_t i;

	r[RTL8139_TEST_EEPROM] = test_eeprom(hw);
	r[RTL8139_TEST_LINK] = test_link(hw);
	for (i = 0; i < n && i < RTL8139_TESTS; i++)
		out[i] = r[i];
	return i;
}

/* The data path is stopped (the kernel took the interface down): the
 * register test may scribble; the multicast hash goes back afterwards. */
uint32_t rtl8139_hw_self_test_offline(struct rtl8139_hw *hw, uint64_t *out,
				      uint32_t n)
{
	uint64_t r[RTL8139_TESTS];
	uint32_t i;

	r[RTL8139_TEST_REG] = test_regs(hw);
	r[RTL8139_TEST_EEPROM] = test_eeprom(hw);
	r[RTL8139_TEST_LINK] = test_link(hw);
	rtl8139_rx_apply(hw);
	for (i = 0; i < n && i < RTL8139_TESTS; i++)
		out[i] = r[i];
	return i;
}
