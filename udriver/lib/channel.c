// SPDX-License-Identifier: GPL-2.0
/* The channel: /dev/microbed opened by one u-driver process. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mbu.h"

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

int mbu_downcall(struct mbu_chan *c, uint32_t handle, uint16_t op,
		 void *payload, uint32_t len)
{
	struct mb_downcall dc;
	int err;

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
	err = ioc(c, MB_IOC_DOWNCALL, &dc);
	memcpy(payload, &dc.u, len);
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
