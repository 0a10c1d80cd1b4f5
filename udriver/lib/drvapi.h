/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver API: everything a portable control path may ask of its
 * environment, the same for every driver.  Two implementations exist:
 *   monolithic  kmod/<driver>/drvapi_kernel.c  readl/writel, udelay, printk
 *   split       udriver/lib/drvapi_user.c      downcalls (ioctls) to the k-driver
 * A control path never includes anything else, so the same object code
 * runs in the kernel and in the u-driver.
 */
#ifndef MB_DRVAPI_H
#define MB_DRVAPI_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#else
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#endif

/* An environment-owned handle for one NIC; opaque to the control path. */
struct mb_dev;

/* Negative return codes, numerically equal to Linux errnos so both sides
 * can pass them through unchanged. */
#define MB_EIO		5
#define MB_EAGAIN	11
#define MB_EINVAL	22
#define MB_EOPNOTSUPP	95
#define MB_ETIMEDOUT	110

/* Log levels for mb_log(); the environment maps them to its own. */
#define MB_LOG_ERR	3
#define MB_LOG_WARN	4
#define MB_LOG_INFO	6
#define MB_LOG_DEBUG	7

/* MMIO register access (BAR 0).  A read that cannot be served returns
 * 0xFFFFFFFF, like a PCI master abort; a refused write is dropped and
 * logged by the environment (register policy). */
uint32_t mb_rd32(struct mb_dev *dev, uint32_t reg);
void mb_wr32(struct mb_dev *dev, uint32_t reg, uint32_t val);
/* Narrower registers, on NICs that have them (reads that cannot be
 * served return all ones of their width). */
uint8_t mb_rd8(struct mb_dev *dev, uint32_t reg);
void mb_wr8(struct mb_dev *dev, uint32_t reg, uint8_t val);
uint16_t mb_rd16(struct mb_dev *dev, uint32_t reg);
void mb_wr16(struct mb_dev *dev, uint32_t reg, uint16_t val);

/* A service only the k-driver can perform for the control path (e.g. a
 * DMA into kernel memory, answered from the kernel's buffer): `op` is one
 * of the driver's downcalls, buf holds len bytes (at most 64) in and the
 * answer out.  0 or a negative MB_E* code. */
int mb_service(struct mb_dev *dev, uint16_t op, void *buf, uint32_t len);

/* Delays: udelay may busy-wait, msleep may sleep. */
void mb_udelay(struct mb_dev *dev, unsigned int us);
void mb_msleep(struct mb_dev *dev, unsigned int ms);

void mb_log(struct mb_dev *dev, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Link report: called by the watchdog when carrier, speed or duplex
 * changes; the k-driver turns it into netif_carrier_on/off. */
void mb_link_report(struct mb_dev *dev, bool up, uint32_t speed_mbps,
		    bool full_duplex);

#endif /* MB_DRVAPI_H */
