// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware statistics (SDM 13.7): every counter clears when read, so each
 * gathering adds what accumulated since the last one.  One table gives the
 * register, the ethtool name and the field; 64-bit counters are read low
 * then high, the order in which the hardware latches them (SDM 13.7).
 */
#include "e1000_hw.h"

#define STAT(name, reg, field, wide) \
	{ name, reg, wide, offsetof(struct e1000_hw_stats, field) }

static const struct e1000_stat_desc {
	char name[E1000_STAT_NAME_LEN];
	uint32_t reg;
	uint8_t wide;		/* 1: reg is the low half of a 64-bit pair */
	uint32_t offset;
} e1000_stats_table[] = {
	STAT("rx_crc_errors",		0x4000, crcerrs, 0),
	STAT("rx_align_errors",		0x4004, algnerrc, 0),
	STAT("rx_symbol_errors",	0x4008, symerrs, 0),
	STAT("rx_errors",		0x400C, rxerrc, 0),
	STAT("rx_missed_errors",	0x4010, mpc, 0),
	STAT("tx_single_coll",		0x4014, scc, 0),
	STAT("tx_excess_coll",		0x4018, ecol, 0),
	STAT("tx_multi_coll",		0x401C, mcc, 0),
	STAT("tx_late_coll",		0x4020, latecol, 0),
	STAT("collisions",		0x4028, colc, 0),
	STAT("tx_deferred",		0x4030, dc, 0),
	STAT("tx_no_crs",		0x4034, tncrs, 0),
	STAT("rx_seq_errors",		0x4038, sec, 0),
	STAT("rx_carrier_ext_errors",	0x403C, cexterr, 0),
	STAT("rx_length_errors",	0x4040, rlec, 0),
	STAT("rx_xon",			0x4048, xonrxc, 0),
	STAT("tx_xon",			0x404C, xontxc, 0),
	STAT("rx_xoff",			0x4050, xoffrxc, 0),
	STAT("tx_xoff",			0x4054, xofftxc, 0),
	STAT("rx_fc_unsupported",	0x4058, fcruc, 0),
	STAT("rx_64",			0x405C, prc64, 0),
	STAT("rx_65_127",		0x4060, prc127, 0),
	STAT("rx_128_255",		0x4064, prc255, 0),
	STAT("rx_256_511",		0x4068, prc511, 0),
	STAT("rx_512_1023",		0x406C, prc1023, 0),
	STAT("rx_1024_max",		0x4070, prc1522, 0),
	STAT("rx_good_packets",		0x4074, gprc, 0),
	STAT("rx_broadcast",		0x4078, bprc, 0),
	STAT("rx_multicast",		0x407C, mprc, 0),
	STAT("tx_good_packets",		0x4080, gptc, 0),
	STAT("rx_good_bytes",		0x4088, gorc, 1),
	STAT("tx_good_bytes",		0x4090, gotc, 1),
	STAT("rx_no_buffer",		0x40A0, rnbc, 0),
	STAT("rx_undersize",		0x40A4, ruc, 0),
	STAT("rx_fragments",		0x40A8, rfc, 0),
	STAT("rx_oversize",		0x40AC, roc, 0),
	STAT("rx_jabber",		0x40B0, rjc, 0),
	STAT("rx_mgmt_packets",		0x40B4, mgprc, 0),
	STAT("rx_mgmt_dropped",		0x40B8, mgpdc, 0),
	STAT("tx_mgmt_packets",		0x40BC, mgptc, 0),
	STAT("rx_total_bytes",		0x40C0, tor, 1),
	STAT("tx_total_bytes",		0x40C8, tot, 1),
	STAT("rx_total_packets",	0x40D0, tpr, 0),
	STAT("tx_total_packets",	0x40D4, tpt, 0),
	STAT("tx_64",			0x40D8, ptc64, 0),
	STAT("tx_65_127",		0x40DC, ptc127, 0),
	STAT("tx_128_255",		0x40E0, ptc255, 0),
	STAT("tx_256_511",		0x40E4, ptc511, 0),
	STAT("tx_512_1023",		0x40E8, ptc1023, 0),
	STAT("tx_1024_max",		0x40EC, ptc1522, 0),
	STAT("tx_multicast",		0x40F0, mptc, 0),
	STAT("tx_broadcast",		0x40F4, bptc, 0),
	STAT("tx_tso",			0x40F8, tsctc, 0),
	STAT("tx_tso_failed",		0x40FC, tsctfc, 0),
};

#define NSTATS (sizeof(e1000_stats_table) / sizeof(e1000_stats_table[0]))

/* The table must fit the fixed-size messages that carry it. */
typedef char e1000_stats_fit[NSTATS <= E1000_STATS_MAX ? 1 : -1];

static uint64_t *stat_field(struct e1000_hw_stats *s, uint32_t i)
{
	return (uint64_t *)((char *)s + e1000_stats_table[i].offset);
}

void e1000_hw_update_stats(struct e1000_hw *hw)
{
	const struct e1000_stat_desc *d;
	uint64_t v;
	uint32_t i;

	for (i = 0; i < NSTATS; i++) {
		d = &e1000_stats_table[i];
		v = hw_rd(hw, d->reg);
		if (d->wide)
			v |= (uint64_t)hw_rd(hw, d->reg + 4) << 32;
		*stat_field(&hw->st.stats, i) += v;
	}
}

uint32_t e1000_stats_count(void)
{
	return NSTATS;
}

/* ethtool -S: gather first, so the values are current (SDM 13.7). */
uint32_t e1000_hw_get_stats(struct e1000_hw *hw, uint64_t *out, uint32_t n)
{
	uint32_t i;

	e1000_hw_update_stats(hw);
	for (i = 0; i < n && i < NSTATS; i++)
		out[i] = *stat_field(&hw->st.stats, i);
	return i;
}

/* Names NUL-padded to E1000_STAT_NAME_LEN, as ethtool's string set wants. */
uint32_t e1000_hw_get_stat_names(struct e1000_hw *hw,
				 char (*names)[E1000_STAT_NAME_LEN], uint32_t n)
{
	uint32_t i, k;

	for (i = 0; i < n && i < NSTATS; i++) {
		const char *src = e1000_stats_table[i].name;

		for (k = 0; k < E1000_STAT_NAME_LEN - 1 && src[k]; k++)
			names[i][k] = src[k];
		for (; k < E1000_STAT_NAME_LEN; k++)
			names[i][k] = 0;
	}
	return i;
}
