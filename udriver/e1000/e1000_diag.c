// SPDX-License-Identifier: GPL-2.0
/*
 * Diagnostics: ethtool -t (register, EEPROM and link tests) and ethtool -p
 * (identify the port by blinking its LED).  Linux e1000 also runs an
 * interrupt and a loopback test; both need the data path (the kernel's
 * interrupt handler, the rings), which the control path cannot see, so
 * they are not offered.
 */
#include "e1000_hw.h"

static const char test_names[E1000_TESTS][E1000_STAT_NAME_LEN] = {
	[E1000_TEST_REG]	= "Register test  (offline)",
	[E1000_TEST_EEPROM]	= "Eeprom test (on/offline)",
	[E1000_TEST_LINK]	= "Link test   (on/offline)",
};

uint32_t e1000_test_count(void)
{
	return E1000_TESTS;
}

uint32_t e1000_hw_get_test_names(struct e1000_hw *hw,
				 char (*names)[E1000_STAT_NAME_LEN], uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && i < E1000_TESTS; i++)
		__builtin_memcpy(names[i], test_names[i], E1000_STAT_NAME_LEN);
	return i;
}

/*
 * Registers the control path may write (never the ring registers: the
 * register policy keeps those for the kernel) and their writable bits
 * (SDM chapter 13): the delay timers, VLAN type, the unused receive
 * addresses 1-15, the multicast and VLAN filter tables.
 */
static const struct {
	uint32_t reg, mask, count, stride;
} reg_tests[] = {
	{ E1000_RDTR, 0x0000FFFFu, 1, 0 },
	{ E1000_RADV, 0x0000FFFFu, 1, 0 },
	{ E1000_TADV, 0x0000FFFFu, 1, 0 },
	{ E1000_ITR,  0x0000FFFFu, 1, 0 },
	{ E1000_VET,  0x0000FFFFu, 1, 0 },
	{ E1000_RAL(1), 0xFFFFFFFFu, E1000_RAR_ENTRIES - 1, 8 },
	{ E1000_RAH(1), 0x8000FFFFu, E1000_RAR_ENTRIES - 1, 8 },
	{ E1000_MTA,  0xFFFFFFFFu, E1000_MTA_WORDS, 4 },
	{ E1000_VFTA, 0xFFFFFFFFu, E1000_VFTA_WORDS, 4 },
};
#define REG_TESTS (sizeof(reg_tests) / sizeof(reg_tests[0]))

static const uint32_t patterns[] = {
	0x5A5A5A5Au, 0xA5A5A5A5u, 0x00000000u, 0xFFFFFFFFu,
};
#define PATTERNS (sizeof(patterns) / sizeof(patterns[0]))

/* Each pattern in, read back through the mask; the old value goes back. */
static uint64_t e1000_test_regs(struct e1000_hw *hw)
{
	uint32_t t, i, p, reg, old, got, want;

	for (t = 0; t < REG_TESTS; t++) {
		for (i = 0; i < reg_tests[t].count; i++) {
			reg = reg_tests[t].reg + i * reg_tests[t].stride;
			old = hw_rd(hw, reg);
			for (p = 0; p < PATTERNS; p++) {
				want = patterns[p] & reg_tests[t].mask;
				hw_wr(hw, reg, want);
				got = hw_rd(hw, reg) & reg_tests[t].mask;
				if (got != want) {
					hw_wr(hw, reg, old);
					hw_log(hw, MB_LOG_ERR,
					       "register test: %05x wrote %08x read %08x\n",
					       reg, want, got);
					return 1;
				}
			}
			hw_wr(hw, reg, old);
		}
	}
	return 0;
}

/* The image read afresh must pass its checksum and match the copy taken
 * at probe (the tracked state the kernel serves ethtool -e from). */
static uint64_t e1000_test_eeprom(struct e1000_hw *hw)
{
	uint16_t image[E1000_EEPROM_WORDS];
	uint32_t i;

	if (e1000_eeprom_verify(hw, image))
		return 1;
	for (i = 0; i < E1000_EEPROM_WORDS; i++)
		if (image[i] != hw->st.eeprom[i]) {
			hw_log(hw, MB_LOG_ERR,
			       "EEPROM test: word %02x now %04x, was %04x\n",
			       i, image[i], hw->st.eeprom[i]);
			return 1;
		}
	return 0;
}

static uint64_t e1000_test_link(struct e1000_hw *hw)
{
	return hw_rd(hw, E1000_STATUS) & E1000_STATUS_LU ? 0 : 1;
}

/* Online: what does not disturb traffic.  A test not run reports 0, as
 * ethtool expects; its name says when it runs. */
uint32_t e1000_hw_self_test_online(struct e1000_hw *hw, uint64_t *out,
				   uint32_t n)
{
	uint64_t r[E1000_TESTS] = { 0 };
	uint32_t i;

	r[E1000_TEST_EEPROM] = e1000_test_eeprom(hw);
	r[E1000_TEST_LINK] = e1000_test_link(hw);
	for (i = 0; i < n && i < E1000_TESTS; i++)
		out[i] = r[i];
	return i;
}

/* Offline: the kernel has stopped the data path and reset the device. */
uint32_t e1000_hw_self_test_offline(struct e1000_hw *hw, uint64_t *out,
				    uint32_t n)
{
	uint64_t r[E1000_TESTS];
	uint32_t i;

	r[E1000_TEST_REG] = e1000_test_regs(hw);
	r[E1000_TEST_EEPROM] = e1000_test_eeprom(hw);
	r[E1000_TEST_LINK] = e1000_test_link(hw);
	if (hw_msg(hw, E1000_MSG_HW))
		hw_log(hw, MB_LOG_INFO, "self-test: reg %u eeprom %u link %u\n",
		       (unsigned int)r[0], (unsigned int)r[1],
		       (unsigned int)r[2]);
	for (i = 0; i < n && i < E1000_TESTS; i++)
		out[i] = r[i];
	return i;
}

/*
 * ethtool -p: ACTIVE saves LEDCTL and lets the hardware blink LED0; the
 * kernel then waits for the requested time and sends INACTIVE, which puts
 * LEDCTL back (SDM 13.4.15).  ON/OFF are for drivers that blink in
 * software; they are served too.
 */
int e1000_hw_set_led(struct e1000_hw *hw, uint32_t state)
{
	uint32_t led0;

	switch (state) {
	case E1000_ID_ACTIVE:
		if (!hw->identifying)
			hw->ledctl_saved = hw_rd(hw, E1000_LEDCTL);
		hw->identifying = true;
		led0 = E1000_LEDCTL_LED0_ON | E1000_LEDCTL_LED0_BLINK;
		break;
	case E1000_ID_ON:
		led0 = E1000_LEDCTL_LED0_ON;
		break;
	case E1000_ID_OFF:
		led0 = E1000_LEDCTL_LED0_OFF;
		break;
	case E1000_ID_INACTIVE:
		if (hw->identifying)
			hw_wr(hw, E1000_LEDCTL, hw->ledctl_saved);
		hw->identifying = false;
		return 0;
	default:
		return -MB_EINVAL;
	}
	hw_wr(hw, E1000_LEDCTL, (hw_rd(hw, E1000_LEDCTL) &
				 ~E1000_LEDCTL_LED0_MASK) | led0);
	return 0;
}
