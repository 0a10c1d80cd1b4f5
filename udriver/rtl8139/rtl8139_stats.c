// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics, the register dump, message level, wake-on-LAN and the
 * periodic watchdog.  The chip's tally counters are a DMA into memory
 * (DTCCR), which only the kernel may aim: the control path asks the
 * k-driver for a dump (mb_service) and gets the 64 bytes back.  Counters
 * only grow between resets, so each dump adds its delta to the totals.
 */
#include "rtl8139_hw.h"
#include "gen/rtl8139_proto.h"

/* Offset and width of each tally counter in the dump (datasheet 6.3,
 * QEMU's RTL8139TallyCounters), in the order of struct rtl8139_hw_stats. */
static const struct { uint8_t off, width; const char *name; } tally[] = {
	{ 0, 8, "tx_ok" }, { 8, 8, "rx_ok" }, { 16, 8, "tx_err" },
	{ 24, 4, "rx_err" }, { 28, 2, "rx_fifo" }, { 30, 2, "frame_align" },
	{ 32, 4, "tx_ok_1col" }, { 36, 4, "tx_ok_mcol" }, { 40, 8, "rx_ok_phys" },
	{ 48, 8, "rx_ok_bcast" }, { 56, 4, "rx_ok_mcast" }, { 60, 2, "tx_abort" },
	{ 62, 2, "tx_underrun" },
};
#define N_TALLY		RTL8139_S_RX_MISSED	/* then rx_missed, from MPC */
#define N_STATS		RTL8139_N_STATS
_Static_assert(sizeof(tally) / sizeof(tally[0]) == N_TALLY, "one entry per tally counter");
_Static_assert(sizeof(((struct rtl8139_hw_stats *)0)->v) / 8 == RTL8139_N_STATS, "stats slots");

static uint64_t le(const uint8_t *p, unsigned int width)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = width; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

void rtl8139_hw_update_stats(struct rtl8139_hw *hw)
{
	struct mb_rtl8139_dc_tally t = { { 0 } };
	uint32_t i;
	int err = mb_service(hw->dev, MB_RTL8139_DC_TALLY, &t, sizeof(t));

	if (!err) {
		for (i = 0; i < N_TALLY; i++) {
			unsigned int w = tally[i].width;
			uint64_t cur = le(t.counters + tally[i].off, w);
			uint64_t last = le(hw->st.tally_last + tally[i].off, w);
			uint64_t mask = w == 8 ? ~0ull : (1ull << (8 * w)) - 1;

			hw->st.stats.v[i] += hw->st.tally_valid ? (cur - last) & mask : cur;
		}
		for (i = 0; i < RTL8139_TALLY_LEN; i++)
			hw->st.tally_last[i] = t.counters[i];
		hw->st.tally_valid = 1;
	} else if (hw_msg(hw, RTL8139_MSG_DRV)) {
		hw_log(hw, MB_LOG_WARN, "tally dump failed: %d\n", err);
	}
	hw->st.stats.v[RTL8139_S_RX_MISSED] += hw_rd32(hw, RTL_MPC) & 0xFFFFFF;
	hw_wr32(hw, RTL_MPC, 0);	/* write clears */
}

int rtl8139_hw_watchdog(struct rtl8139_hw *hw)
{
	rtl8139_hw_check_link(hw);
	rtl8139_hw_update_stats(hw);
	return 0;
}

uint32_t rtl8139_stats_count(void)
{
	return N_STATS;
}

uint32_t rtl8139_hw_get_stats(struct rtl8139_hw *hw, uint64_t *out, uint32_t n)
{
	uint32_t i;

	rtl8139_hw_update_stats(hw);
	if (n > N_STATS)
		n = N_STATS;
	for (i = 0; i < n; i++)
		out[i] = hw->st.stats.v[i];
	return n;
}

uint32_t rtl8139_hw_get_stat_names(struct rtl8139_hw *hw,
				   char (*names)[RTL8139_STAT_NAME_LEN], uint32_t n)
{
	uint32_t i, j;

	if (n > N_STATS)
		n = N_STATS;
	for (i = 0; i < n; i++) {
		const char *s = i < N_TALLY ? tally[i].name : "rx_missed";

		for (j = 0; j + 1 < RTL8139_STAT_NAME_LEN && s[j]; j++)
			names[i][j] = s[j];
		for (; j < RTL8139_STAT_NAME_LEN; j++)
			names[i][j] = 0;
	}
	return n;
}

/*
 * The register dump: the 256-byte BAR as 64 little-endian dwords, each
 * register read at its own width.  What the register policy keeps from
 * the u-driver (ring, tally and receive-buffer addresses, the C mode
 * transmit status) is not read and stays 0, in both variants.
 */
static const struct { uint8_t off, width; } dumped[] = {
	{ RTL_IDR0, 4 }, { RTL_IDR0 + 4, 4 }, { RTL_MAR0, 4 }, { RTL_MAR0 + 4, 4 },
	{ RTL_CR, 1 }, { RTL_CAPR, 2 }, { RTL_CBR, 2 }, { RTL_IMR, 2 },
	{ RTL_ISR, 2 }, { RTL_TCR, 4 }, { RTL_RCR, 4 }, { RTL_TCTR, 4 },
	{ RTL_MPC, 4 }, { RTL_9346CR, 1 }, { RTL_CONFIG0, 1 }, { RTL_CONFIG1, 1 },
	{ RTL_TIMERINT, 4 }, { RTL_MSR, 1 }, { RTL_CONFIG3, 1 }, { RTL_CONFIG4, 1 },
	{ RTL_HLTCLK, 1 }, { RTL_MULINT, 2 }, { RTL_RERID, 1 }, { RTL_TSAD, 2 },
	{ RTL_BMCR, 2 }, { RTL_BMSR, 2 }, { RTL_ANAR, 2 }, { RTL_ANLPAR, 2 },
	{ RTL_ANER, 2 }, { RTL_CSCR, 2 }, { RTL_CONFIG5, 1 }, { RTL_TPPOLL, 1 },
	{ RTL_RMS, 2 }, { RTL_CPCR, 2 }, { RTL_INTMIT, 2 }, { RTL_ETTHR, 1 },
};

uint32_t rtl8139_regs_count(void)
{
	return RTL8139_REGS_DUMP_MAX;
}

uint32_t rtl8139_hw_get_regs(struct rtl8139_hw *hw, uint32_t *out, uint32_t n)
{
	uint8_t img[RTL_REGS_LEN] = { 0 };
	uint32_t i, j;

	for (i = 0; i < sizeof(dumped) / sizeof(dumped[0]); i++) {
		uint32_t off = dumped[i].off, v;

		v = dumped[i].width == 1 ? hw_rd8(hw, off) :
		    dumped[i].width == 2 ? hw_rd16(hw, off) : hw_rd32(hw, off);
		for (j = 0; j < dumped[i].width; j++)
			img[off + j] = (uint8_t)(v >> (8 * j));
	}
	if (n > RTL8139_REGS_DUMP_MAX)
		n = RTL8139_REGS_DUMP_MAX;
	for (i = 0; i < n; i++)
		out[i] = (uint32_t)le(img + 4 * i, 4);
	return n;
}

int rtl8139_hw_set_msglevel(struct rtl8139_hw *hw, uint32_t level)
{
	hw->st.msg_enable = level;
	return 0;
}

/* Wake-on-LAN lives in CONFIG3 (link, magic) and CONFIG5 (frame kinds),
 * written with the config registers unlocked (8139cp's netdev_set_wol). */
void rtl8139_wol_apply(struct rtl8139_hw *hw)
{
	uint32_t w = hw->st.wol;
	uint8_t c3 = hw_rd8(hw, RTL_CONFIG3) & ~(RTL_CFG3_LINKUP | RTL_CFG3_MAGIC);
	uint8_t c5 = hw_rd8(hw, RTL_CONFIG5) &
		     ~(RTL_CFG5_UWF | RTL_CFG5_MWF | RTL_CFG5_BWF);
	bool opened;

	if (w & RTL8139_WAKE_PHY)
		c3 |= RTL_CFG3_LINKUP;
	if (w & RTL8139_WAKE_MAGIC)
		c3 |= RTL_CFG3_MAGIC;
	if (w & RTL8139_WAKE_UCAST)
		c5 |= RTL_CFG5_UWF;
	if (w & RTL8139_WAKE_MCAST)
		c5 |= RTL_CFG5_MWF;
	if (w & RTL8139_WAKE_BCAST)
		c5 |= RTL_CFG5_BWF;
	opened = rtl8139_config_open(hw);
	hw_wr8(hw, RTL_CONFIG3, c3);
	hw_wr8(hw, RTL_CONFIG5, c5);
	rtl8139_config_relock(hw, opened);
}

/* can_wake: the platform lets this PCI function wake the system (the
 * kernel knows, from PCI power management); without it nothing is armed. */
int rtl8139_hw_get_wol(struct rtl8139_hw *hw, uint32_t can_wake,
		       uint32_t *supported, uint32_t *wolopts)
{
	*supported = RTL8139_WAKE_ALL;
	*wolopts = can_wake ? hw->st.wol : 0;
	return 0;
}

int rtl8139_hw_set_wol(struct rtl8139_hw *hw, uint32_t wolopts, uint32_t can_wake)
{
	if (wolopts & ~RTL8139_WAKE_ALL || (wolopts && !can_wake))
		return -MB_EOPNOTSUPP;
	hw->st.wol = wolopts;
	rtl8139_wol_apply(hw);
	return 0;
}
