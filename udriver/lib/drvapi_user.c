// SPDX-License-Identifier: GPL-2.0
/*
 * The driver API (drvapi.h) as downcalls, for the `split` variant: a
 * portable control path runs here unchanged.
 */
#define _GNU_SOURCE	/* program_invocation_short_name */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drvapi.h"
#include "mbu.h"

/* Whether the kernel still lists `dev`'s handle as served while this
 * process has not been told it is gone: then a downcall refused with
 * -ENOENT named a handle that was never ours (a corrupted one). */
static int still_ours(struct mb_dev *dev)
{
	static struct mb_ioc_list l;	/* big: not on a worker's stack */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int ours = 0;
	uint32_t i;

	pthread_mutex_lock(&lock);
	if (!mbu_list(dev->chan, &l))
		for (i = 0; i < l.count && i < MB_LIST_MAX; i++)
			if (l.inst[i].handle == dev->handle)
				ours = l.inst[i].attached;
	pthread_mutex_unlock(&lock);
	return ours && !__atomic_load_n(&dev->gone, __ATOMIC_SEQ_CST);
}

/*
 * Fail-stop.  A downcall refused for what a sane u-driver never sends -- a
 * register outside the map or against the policy (-EPERM), out of bounds
 * or malformed (-EINVAL), a bad address (-EFAULT), a handle that is not
 * ours (-ENOENT while the kernel still lists ours as served) -- means this
 * process's view of its devices can no longer be trusted: its memory is
 * corrupted, or a bug.  Going on would leave a device half programmed
 * behind a u-driver that looks alive, so it stops at once, as MINIX's
 * drivers panic: the kernel detaches its instances, the supervisor starts
 * a fresh u-driver, the replay restores the configuration and the
 * operation in flight is retried on it (kmod/core/shadow.c).
 */
static void fail_stop(struct mb_dev *dev, int err, const char *what,
		      uint32_t reg, uint32_t val)
{
	char line[256];
	int fd, n;

	n = snprintf(line, sizeof(line),
		     "microbed: event=failstop prog=%s pid=%d dev=%s handle=%u what=%s reg=0x%05x val=0x%08x err=%d\n",
		     program_invocation_short_name, (int)getpid(), dev->device,
		     dev->handle, what, reg, val, err);
	fputs(line + strlen("microbed: "), stderr);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t w = write(fd, line, (size_t)n);

		(void)w;	/* stderr has it anyway */
		close(fd);
	}
	abort();
}

/* A dropped handle (-ENOENT: the kernel detached us, e.g. after an upcall
 * timeout) is logged once, and the handler still running is let finish
 * quickly against a dead device; what a sane u-driver is never refused
 * stops the process (fail_stop); any other refusal is logged. */
static int dc_result(struct mb_dev *dev, int err, const char *what,
		     uint32_t reg, uint32_t val)
{
	if (!err || __atomic_load_n(&dev->gone, __ATOMIC_SEQ_CST))
		return err;
	if (err == -ENOENT && !still_ours(dev)) {
		dev->gone = 1;
		mbu_log("%s: handle %u dropped by the kernel\n", dev->device,
			dev->handle);
		return err;
	}
	if (err == -ENOENT || err == -EPERM || err == -EINVAL || err == -EFAULT)
		fail_stop(dev, err, what, reg, val);
	mbu_log("%s: %s 0x%05x=0x%08x refused: %s\n", dev->device, what, reg,
		val, strerror(-err));
	return err;
}

static uint32_t rd(struct mb_dev *dev, unsigned int width, uint32_t reg,
		   const char *what)
{
	uint32_t v = 0xFFFFFFFFu >> (8 * (4 - width));

	if (!dev->gone)
		dc_result(dev, mbu_rd(dev->chan, dev->handle, width, reg, &v),
			  what, reg, 0);
	return v;
}

static void wr(struct mb_dev *dev, unsigned int width, uint32_t reg,
	       uint32_t val, const char *what)
{
	if (!dev->gone)
		dc_result(dev, mbu_wr(dev->chan, dev->handle, width, reg, val),
			  what, reg, val);
}

uint32_t mb_rd32(struct mb_dev *dev, uint32_t reg)
{
	return rd(dev, 4, reg, "rd32");
}

void mb_wr32(struct mb_dev *dev, uint32_t reg, uint32_t val)
{
	wr(dev, 4, reg, val, "wr32");
}

uint16_t mb_rd16(struct mb_dev *dev, uint32_t reg)
{
	return (uint16_t)rd(dev, 2, reg, "rd16");
}

void mb_wr16(struct mb_dev *dev, uint32_t reg, uint16_t val)
{
	wr(dev, 2, reg, val, "wr16");
}

uint8_t mb_rd8(struct mb_dev *dev, uint32_t reg)
{
	return (uint8_t)rd(dev, 1, reg, "rd8");
}

void mb_wr8(struct mb_dev *dev, uint32_t reg, uint8_t val)
{
	wr(dev, 1, reg, val, "wr8");
}

int mb_service(struct mb_dev *dev, uint16_t op, void *buf, uint32_t len)
{
	if (dev->gone)
		return -MB_EIO;
	return dc_result(dev, mbu_downcall(dev->chan, dev->handle, op, buf,
					   len), "service", op, len);
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000L,
			       .tv_nsec = ns % 1000000000L };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts))
		;
}

/* Each downcall already takes microseconds, so sleeping is good enough. */
void mb_udelay(struct mb_dev *dev, unsigned int us)
{
	sleep_ns(us * 1000L);
}

void mb_msleep(struct mb_dev *dev, unsigned int ms)
{
	sleep_ns(ms * 1000000L);
}

void mb_log(struct mb_dev *dev, int level, const char *fmt, ...)
{
	static const char *names[8] = { [3] = "err", [4] = "warn",
					[6] = "info", [7] = "debug" };
	va_list ap;

	if (level >= MB_LOG_DEBUG && mbu_verbose < 1)
		return;
	fprintf(stderr, "mb-udriver: %s %s: ", dev->device,
		names[level & 7] ? names[level & 7] : "log");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void mb_link_report(struct mb_dev *dev, bool up, uint32_t speed_mbps,
		    bool full_duplex)
{
	struct mb_dc_link l = { .up = up, .speed = speed_mbps,
				.full_duplex = full_duplex };

	if (!dev->gone)
		dc_result(dev, mbu_downcall(dev->chan, dev->handle,
					    MB_DC_LINK, &l, sizeof(l)),
			  "link", 0, up);
}
