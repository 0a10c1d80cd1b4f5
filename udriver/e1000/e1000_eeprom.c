// SPDX-License-Identifier: GPL-2.0
/*
 * EEPROM access through EERD (SDM 13.4.4) and the checksum rule of the
 * EEPROM map (SDM chapter 5: words 00h..3Fh sum to BABAh).
 */
#include "e1000_hw.h"

#define EERD_TRIES	1000	/* x 5 us: a word takes well under 1 ms */
#define EERD_DELAY_US	5

int e1000_eeprom_read(struct e1000_hw *hw, uint32_t word, uint16_t *val)
{
	uint32_t v;

	if (word >= E1000_EEPROM_WORDS)
		return -MB_EINVAL;
	hw_wr(hw, E1000_EERD, word << E1000_EERD_ADDR_SHIFT | E1000_EERD_START);
	if (e1000_wait_bits(hw, E1000_EERD, E1000_EERD_DONE, E1000_EERD_DONE,
			    EERD_TRIES, EERD_DELAY_US, &v)) {
		hw_log(hw, MB_LOG_ERR, "EEPROM read of word %u timed out\n",
		       word);
		return -MB_ETIMEDOUT;
	}
	*val = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
	return 0;
}

/* Read the whole image into image[] and verify its checksum. */
int e1000_eeprom_verify(struct e1000_hw *hw, uint16_t *image)
{
	uint16_t sum = 0;
	uint32_t i;
	int err;

	for (i = 0; i < E1000_EEPROM_WORDS; i++) {
		err = e1000_eeprom_read(hw, i, &image[i]);
		if (err)
			return err;
		sum += image[i];
	}
	if (sum != E1000_EEPROM_SUM) {
		hw_log(hw, MB_LOG_ERR, "EEPROM checksum %04x, expected %04x\n",
		       sum, E1000_EEPROM_SUM);
		return -MB_EIO;
	}
	return 0;
}

/* Probe: the image becomes tracked state (ethtool -e is served from it). */
int e1000_eeprom_load(struct e1000_hw *hw)
{
	return e1000_eeprom_verify(hw, hw->st.eeprom);
}
