// SPDX-License-Identifier: GPL-2.0
/*
 * The driver API (udriver/lib/drvapi.h) as direct kernel calls, for the
 * `monolithic` variant.
 */
#include <linux/delay.h>
#include <linux/netdevice.h>

#include "mb_e1000.h"

#define MB_BAR0_LEN	0x20000	/* 82540EM register space, SDM table 4-2 */

uint32_t mb_rd32(struct mb_dev *dev, uint32_t reg)
{
	if (reg >= MB_BAR0_LEN || reg & 3)
		return 0xFFFFFFFFu;
	return readl(dev->hw_addr + reg);
}

void mb_wr32(struct mb_dev *dev, uint32_t reg, uint32_t val)
{
	if (reg >= MB_BAR0_LEN || reg & 3)
		return;
	writel(val, dev->hw_addr + reg);
}

#include "../include/mb_drvapi_kernel.c"
