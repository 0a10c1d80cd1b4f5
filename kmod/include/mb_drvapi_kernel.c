/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Variant `monolithic`, every driver: the part of the driver API
 * (udriver/lib/drvapi.h) that is the same kernel call for each (delays,
 * log, link report).  A driver's drvapi_kernel.c has its register access
 * (its BAR, its widths) and its services, then includes this; its adapter
 * has `pdev`, `netdev` and the MB_DOWN flag bit.
 */
#include <linux/delay.h>
#include <linux/netdevice.h>

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
