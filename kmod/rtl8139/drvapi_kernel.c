// SPDX-License-Identifier: GPL-2.0
/*
 * The driver API (udriver/lib/drvapi.h) as direct kernel calls, for the
 * `monolithic` variant.  Register access is bounded by the BAR; the
 * driver's one service, the tally dump, is the data path's own function.
 */
#include <linux/delay.h>
#include <linux/netdevice.h>

#include "mb_rtl8139.h"

static bool mb_reg_ok(uint32_t reg, uint32_t width)
{
	return reg <= RTL_REGS_LEN - width && !(reg & (width - 1));
}

uint32_t mb_rd32(struct mb_dev *dev, uint32_t reg)
{
	return mb_reg_ok(reg, 4) ? readl(dev->hw_addr + reg) : 0xFFFFFFFFu;
}

void mb_wr32(struct mb_dev *dev, uint32_t reg, uint32_t val)
{
	if (mb_reg_ok(reg, 4))
		writel(val, dev->hw_addr + reg);
}

uint16_t mb_rd16(struct mb_dev *dev, uint32_t reg)
{
	return mb_reg_ok(reg, 2) ? readw(dev->hw_addr + reg) : 0xFFFF;
}

void mb_wr16(struct mb_dev *dev, uint32_t reg, uint16_t val)
{
	if (mb_reg_ok(reg, 2))
		writew(val, dev->hw_addr + reg);
}

uint8_t mb_rd8(struct mb_dev *dev, uint32_t reg)
{
	return mb_reg_ok(reg, 1) ? readb(dev->hw_addr + reg) : 0xFF;
}

void mb_wr8(struct mb_dev *dev, uint32_t reg, uint8_t val)
{
	if (mb_reg_ok(reg, 1))
		writeb(val, dev->hw_addr + reg);
}

int mb_service(struct mb_dev *dev, uint16_t op, void *buf, uint32_t len)
{
	if (op != MB_RTL8139_DC_TALLY || len != RTL8139_TALLY_LEN)
		return -EINVAL;
	return mb_tally_dump(dev->adapter, buf);
}

#include "../include/mb_drvapi_kernel.c"
