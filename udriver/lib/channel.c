// SPDX-License-Identifier: GPL-2.0
/* The channel: /dev/microbed opened by one u-driver process. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mbu.h"
#include "chanfault.h"

struct mbu_chan {
	int fd;
};

struct mbu_chan *mbu_open(const char *path, int *err)
{
	struct mbu_chan *c = calloc(1, sizeof(*c));

	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	c->fd = open(path, O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		*err = -errno;
		free(c);
		return NULL;
	}
	return c;
}

void mbu_close(struct mbu_chan *c)
{
	if (c) {
		close(c->fd);
		free(c);
	}
}

int mbu_fd(const struct mbu_chan *c)
{
	return c->fd;
}

static int ioc(struct mbu_chan *c, unsigned long cmd, void *arg)
{
	return ioctl(c->fd, cmd, arg) < 0 ? -errno : 0;
}

int mbu_list(struct mbu_chan *c, struct mb_ioc_list *out)
{
	memset(out, 0, sizeof(*out));
	return ioc(c, MB_IOC_LIST, out);
}

int mbu_attach(struct mbu_chan *c, uint32_t handle, const char *driver,
	       uint32_t layout)
{
	struct mb_ioc_attach a = { .handle = handle, .version = MB_PROTO_VERSION,
				   .layout = layout };

	strncpy(a.driver, driver, sizeof(a.driver) - 1);
	return ioc(c, MB_IOC_ATTACH, &a);
}

int mbu_detach(struct mbu_chan *c, uint32_t handle)
{
	return ioc(c, MB_IOC_DETACH, &handle);
}

/*
 * The armed channel fault (chanfault.h): which downcall after arming it
 * takes (nth), on which side, and the seed's state for what it changes.
 * Downcalls count up atomically, so that among several threads exactly
 * one takes the fault.
 */
enum { CF_NONE, CF_ARG, CF_RET };
static struct {
	int side;
	uint32_t nth;
	uint64_t seed, rnd;
	uint32_t count;		/* downcalls since arming */
} cf;

static uint64_t cf_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int mbu_chanfault_arm(const char *spec)
{
	const char *num = spec;
	int side = CF_NONE;
	char *end;
	uint64_t seed, s;

	if (!strncmp(spec, "arg:", 4))
		side = CF_ARG, num = spec + 4;
	else if (!strncmp(spec, "ret:", 4))
		side = CF_RET, num = spec + 4;
	seed = strtoull(num, &end, 0);
	if (!*num || *end) {
		fprintf(stderr, "chanfault: bad spec \"%s\": want arg:SEED, ret:SEED or SEED\n", spec);
		return -EINVAL;
	}
	s = seed;
	if (side == CF_NONE)
		side = cf_next(&s) % 2 ? CF_RET : CF_ARG;
	__atomic_store_n(&cf.side, CF_NONE, __ATOMIC_SEQ_CST);
	cf.seed = seed;
	cf.nth = 1 + cf_next(&s) % 16;
	cf.rnd = s;
	__atomic_store_n(&cf.count, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&cf.side, side, __ATOMIC_SEQ_CST);
	fprintf(stderr, "chanfault: armed %s seed=%" PRIu64 " on downcall %u from now\n",
		side == CF_ARG ? "arg" : "ret", seed, cf.nth);
	return 0;
}

static void cf_say(const char *line)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	fputs(line + strlen("microbed: "), stderr);
	if (fd >= 0) {
		ssize_t w = write(fd, line, strlen(line));

		(void)w;	/* the daemon log has it anyway */
		close(fd);
	}
}

/* Flip one bit of buf[0..len), chosen from *s; describes it in what. */
static void cf_flip(void *buf, uint32_t len, uint64_t *s, const char *field,
		    char *what, size_t cap)
{
	unsigned char *p = buf;
	uint32_t at = (uint32_t)(cf_next(s) % len);
	unsigned int bit = (unsigned int)(cf_next(s) % 8);
	unsigned char old = p[at];

	p[at] ^= (unsigned char)(1u << bit);
	snprintf(what, cap, "what=%s byte=%u bit=%u old=0x%02x new=0x%02x",
		 field, at, bit, old, p[at]);
}

/* Is this downcall the armed one?  Takes the fault (once) if so. */
static int cf_take(void)
{
	int side = __atomic_load_n(&cf.side, __ATOMIC_SEQ_CST);

	if (side == CF_NONE)
		return CF_NONE;
	if (__atomic_add_fetch(&cf.count, 1, __ATOMIC_SEQ_CST) != cf.nth)
		return CF_NONE;
	__atomic_store_n(&cf.side, CF_NONE, __ATOMIC_SEQ_CST);
	return side;
}

/* Arguments: a bit of the payload (most often) or a header field. */
static void cf_corrupt_arg(struct mb_downcall *dc, uint32_t len, char *what, size_t cap)
{
	uint64_t *s = &cf.rnd;
	uint32_t pick = (uint32_t)(cf_next(s) % 10);

	if (pick < 7 && len)
		cf_flip(&dc->u, len, s, "payload", what, cap);
	else if (pick < 8)
		cf_flip(&dc->hdr.op, sizeof(dc->hdr.op), s, "hdr.op", what, cap);
	else if (pick < 9)
		cf_flip(&dc->hdr.handle, sizeof(dc->hdr.handle), s, "hdr.handle", what, cap);
	else
		cf_flip(&dc->hdr.len, sizeof(dc->hdr.len), s, "hdr.len", what, cap);
}

/* Results: a bit of what the kernel wrote back, or another status. */
static int cf_corrupt_ret(void *payload, uint32_t len, int err, char *what, size_t cap)
{
	static const int statuses[] = { 0, -EIO, -EINVAL, -ETIMEDOUT, 1, 0x7fffffff };
	uint64_t *s = &cf.rnd;
	int neu;

	if (cf_next(s) % 10 < 6 && len) {
		cf_flip(payload, len, s, "result", what, cap);
		return err;
	}
	neu = statuses[cf_next(s) % (sizeof(statuses) / sizeof(statuses[0]))];
	if (neu == err)
		neu = err ? 0 : -EIO;
	snprintf(what, cap, "what=status old=%d new=%d", err, neu);
	return neu;
}

int mbu_downcall(struct mbu_chan *c, uint32_t handle, uint16_t op,
		 void *payload, uint32_t len)
{
	struct mb_downcall dc;
	char what[96], line[256];
	int err, side;

	if (len > sizeof(dc.u))
		return -EINVAL;
	memset(&dc, 0, sizeof(dc));
	dc.hdr.magic = MB_PROTO_MAGIC;
	dc.hdr.version = MB_PROTO_VERSION;
	dc.hdr.kind = MB_KIND_DOWNCALL;
	dc.hdr.op = op;
	dc.hdr.handle = handle;
	dc.hdr.len = sizeof(dc.hdr) + len;
	memcpy(&dc.u, payload, len);
	side = cf_take();
	if (side == CF_ARG)
		cf_corrupt_arg(&dc, len, what, sizeof(what));
	err = ioc(c, MB_IOC_DOWNCALL, &dc);
	memcpy(payload, &dc.u, len);
	if (side == CF_RET)
		err = cf_corrupt_ret(payload, len, err, what, sizeof(what));
	if (side != CF_NONE) {
		snprintf(line, sizeof(line),
			 "microbed: event=swifi-fired kind=chan-%s pid=%d seed=%" PRIu64 " downcall=%u op=%u handle=%u %s\n",
			 side == CF_ARG ? "arg" : "ret", (int)getpid(), cf.seed, cf.nth, op, handle, what);
		cf_say(line);
	}
	return err;
}

/* MMIO through the register policy: width 1, 2 or 4 bytes. */
int mbu_rd(struct mbu_chan *c, uint32_t handle, unsigned int width,
	   uint32_t reg, uint32_t *val)
{
	struct mb_dc_reg r = { .reg = reg };
	uint16_t op = width == 1 ? MB_DC_RD8 : width == 2 ? MB_DC_RD16 : MB_DC_RD32;
	int err = mbu_downcall(c, handle, op, &r, sizeof(r));

	*val = err ? 0xFFFFFFFFu >> (8 * (4 - width)) : r.val;
	return err;
}

int mbu_wr(struct mbu_chan *c, uint32_t handle, unsigned int width,
	   uint32_t reg, uint32_t val)
{
	struct mb_dc_reg r = { .reg = reg, .val = val };
	uint16_t op = width == 1 ? MB_DC_WR8 : width == 2 ? MB_DC_WR16 : MB_DC_WR32;

	return mbu_downcall(c, handle, op, &r, sizeof(r));
}

int mbu_rd32(struct mbu_chan *c, uint32_t handle, uint32_t reg, uint32_t *val)
{
	return mbu_rd(c, handle, 4, reg, val);
}

int mbu_wr32(struct mbu_chan *c, uint32_t handle, uint32_t reg, uint32_t val)
{
	return mbu_wr(c, handle, 4, reg, val);
}
