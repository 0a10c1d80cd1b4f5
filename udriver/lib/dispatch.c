// SPDX-License-Identifier: GPL-2.0
/*
 * The dispatch loop: attach to every instance of every driver in our
 * table that no u-driver serves (rescanned every second, so load order
 * does not matter), then read upcalls and answer each with its instance's
 * driver, one at a time.  A fault in one instance's handling stays in that
 * instance: its state is its own, and the others are served as before.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mbu.h"

int mbu_verbose;
int mbu_stall_op, mbu_stall_ms;

static struct mbu_inst *insts;

void mbu_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mb-udriver[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static struct mbu_inst *inst_find(uint32_t handle)
{
	struct mbu_inst *i;

	for (i = insts; i; i = i->next)
		if (i->handle == handle)
			return i;
	return NULL;
}

/* The kernel detached an instance from us (NOTICE_GONE) or registered a new
 * one (NOTICE_NEW): scan again now rather than at the next second. */
static int rescan_now;

static void inst_forget(uint32_t handle)
{
	struct mbu_inst **pp, *i;

	for (pp = &insts; (i = *pp); pp = &i->next) {
		if (i->handle != handle)
			continue;
		*pp = i->next;
		mbu_log("instance %u (%s) gone\n", i->handle, i->device);
		if (i->drv->gone)
			i->drv->gone(i);
		free(i);
		return;
	}
}

/*
 * An instance whose k-driver was built from another spec: its messages are
 * not ours (the kernel would refuse the attach too).  Said once per handle,
 * not at every scan; handles no longer listed are forgotten first, so the
 * table never fills up.
 */
static bool other_build(const struct mb_inst_info *e, const struct mbu_driver *drv,
			const struct mb_ioc_list *l)
{
	static uint32_t said[MB_LIST_MAX];
	static unsigned int n_said;
	unsigned int k, j, kept = 0;

	if (e->layout == drv->layout)
		return false;
	for (k = 0; k < n_said; k++)
		for (j = 0; j < l->count && j < MB_LIST_MAX; j++)
			if (l->inst[j].handle == said[k]) {
				said[kept++] = said[k];
				break;
			}
	n_said = kept;
	for (k = 0; k < n_said; k++)
		if (said[k] == e->handle)
			return true;
	if (n_said < MB_LIST_MAX)
		said[n_said++] = e->handle;
	mbu_log("instance %u (%.32s) not served: its k-driver speaks %s layout %08x, this u-driver %08x; install both from one build\n",
		e->handle, e->device, drv->name, e->layout, drv->layout);
	return true;
}

/* The driver of our table that serves instances named `name`, or NULL. */
static const struct mbu_driver *driver_for(const struct mbu_driver *const *drivers,
					   const char *name)
{
	for (; *drivers; drivers++)
		if (!strncmp(name, (*drivers)->name, MB_NAME_LEN))
			return *drivers;
	return NULL;
}

static void scan(struct mbu_chan *c, const struct mbu_driver *const *drivers)
{
	const struct mbu_driver *drv;
	struct mb_ioc_list l;
	struct mbu_inst *i;
	uint32_t k;
	int err;

	if (mbu_list(c, &l))
		return;
	for (k = 0; k < l.count && k < MB_LIST_MAX; k++) {
		struct mb_inst_info *e = &l.inst[k];

		if (e->attached || inst_find(e->handle))
			continue;
		drv = driver_for(drivers, e->driver);
		if (!drv || other_build(e, drv, &l))
			continue;
		err = mbu_attach(c, e->handle, drv->name, drv->layout);
		if (err) {
			mbu_log("attach %u (%.32s) failed: %s\n", e->handle,
				e->device, strerror(-err));
			continue;
		}
		i = calloc(1, sizeof(*i));
		if (!i) {
			mbu_detach(c, e->handle);
			continue;
		}
		i->handle = e->handle;
		memcpy(i->device, e->device, MB_NAME_LEN);
		i->device[MB_NAME_LEN - 1] = 0;
		i->drv = drv;
		i->dev.chan = c;
		i->dev.handle = e->handle;
		i->dev.device = i->device;
		if (drv->attach(i)) {
			mbu_detach(c, e->handle);
			free(i);
			continue;
		}
		i->next = insts;
		insts = i;
		mbu_log("attached to %s instance %u (%s)\n", drv->name,
			i->handle, i->device);
	}
}

static void reply(struct mbu_chan *c, const struct mb_hdr *q, void *rep,
		  uint32_t len, int status)
{
	struct mb_hdr *h = rep;

	memset(h, 0, sizeof(*h));
	h->magic = MB_PROTO_MAGIC;
	h->version = MB_PROTO_VERSION;
	h->kind = MB_KIND_REPLY;
	h->op = q->op;
	h->handle = q->handle;
	h->seq = q->seq;
	h->status = status;
	h->len = len;
	if (write(mbu_fd(c), rep, len) != (ssize_t)len)
		mbu_log("reply to op %u failed: %s\n", q->op, strerror(errno));
}

static void serve(struct mbu_chan *c, const void *msg, uint32_t n)
{
	static uint64_t rep_buf[MB_MSG_MAX / 8];
	const struct mb_hdr *h = msg;
	struct mbu_inst *i;
	uint32_t len = sizeof(struct mb_hdr);
	int status;

	if (n < sizeof(*h) || h->magic != MB_PROTO_MAGIC ||
	    h->version != MB_PROTO_VERSION || h->len != n) {
		mbu_log("dropping malformed message (%u bytes)\n", n);
		return;
	}
	if (h->kind == MB_KIND_NOTICE) {
		if (h->op == MB_NOTICE_GONE)
			inst_forget(h->handle);
		/* GONE: attach afresh at once if we may; NEW: a k-driver
		 * registered an instance, waiting for us */
		if (h->op == MB_NOTICE_GONE || h->op == MB_NOTICE_NEW)
			rescan_now = 1;
		return;
	}
	if (h->kind != MB_KIND_UPCALL)
		return;
	i = inst_find(h->handle);
	if (mbu_stall_ms && h->op == mbu_stall_op) {
		mbu_log("stalling op %u for %d ms (-z)\n", h->op, mbu_stall_ms);
		usleep(mbu_stall_ms * 1000);
	}
	if (h->op == MB_OP_NULL) {
		status = 0;
	} else if (!i) {
		status = -ENODEV;
	} else {
		memset(rep_buf, 0, sizeof(rep_buf));
		status = i->drv->upcall(i, msg, n, rep_buf, &len);
		if (len < sizeof(struct mb_hdr) || len > sizeof(rep_buf))
			len = sizeof(struct mb_hdr);
		if (status == MBU_NO_REPLY) {
			mbu_log("upcall op %u handle %u: no reply sent\n",
				h->op, h->handle);
			return;
		}
	}
	if (mbu_verbose > 1)
		mbu_log("upcall op %u handle %u -> %d\n", h->op, h->handle,
			status);
	reply(c, h, rep_buf, len, status);
}

int mbu_run(struct mbu_chan *c, const struct mbu_driver *const *drivers,
	    volatile int *stop)
{
	static uint64_t buf[MB_MSG_MAX / 8];
	struct pollfd p = { .fd = mbu_fd(c), .events = POLLIN };
	time_t last_scan = 0;
	ssize_t n;

	while (!*stop) {
		if (rescan_now || time(NULL) != last_scan) {
			rescan_now = 0;
			scan(c, drivers);
			last_scan = time(NULL);
		}
		if (poll(&p, 1, 1000) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!(p.revents & POLLIN))
			continue;
		n = read(mbu_fd(c), buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		serve(c, buf, (uint32_t)n);
	}
	/* A clean exit detaches explicitly, so the kernel does not count it
	 * as a crash (closing the file is what a crash looks like). */
	while (insts) {
		mbu_detach(c, insts->handle);
		inst_forget(insts->handle);
	}
	return 0;
}
