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

void mb_udelay(struct mb_dev *dev, unsigned int us)
{
	udelay(us);
}

void mb_msleep(struct mb_dev *dev, unsigned int ms)
{
	msleep(ms);
}

void mb_log(struct mb_dev *dev, int level, const char *fmt, ...)
{
	struct device *d = &dev->adapter->pdev->dev;
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	switch (level) {
	case MB_LOG_ERR:
		dev_err(d, "%pV", &vaf);
		break;
	case MB_LOG_WARN:
		dev_warn(d, "%pV", &vaf);
		break;
	case MB_LOG_INFO:
		dev_info(d, "%pV", &vaf);
		break;
	default:
		dev_dbg(d, "%pV", &vaf);
		break;
	}
	va_end(args);
}

void mb_link_report(struct mb_dev *dev, bool up, uint32_t speed_mbps,
		    bool full_duplex)
{
	struct net_device *netdev = dev->adapter->netdev;

	if (up && !test_bit(MB_DOWN, &dev->adapter->flags))
		netif_carrier_on(netdev);
	else
		netif_carrier_off(netdev);
}
