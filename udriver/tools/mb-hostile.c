// SPDX-License-Identifier: GPL-2.0
/*
 * mb-hostile: behaves like a buggy or hostile u-driver and checks that the
 * kernel refuses each bad request with the right error (and never oopses;
 * the kernel log shows a `microbed: event=refuse` line for each).
 *
 *   mb-hostile            run every case that the current state allows
 *   mb-hostile poke REG VAL
 *                         attach, write one register (policy applies),
 *                         detach: e.g. `poke 0x400 0` stops TX (allowed, and
 *                         a way to provoke the k-driver's TX-timeout reset)
 * If a real u-driver already serves the first e1000 instance, the cases
 * that need the instance for ourselves are skipped (and "second attach is
 * refused" is checked instead).  One line per case:
 *   case=<name> want=<errno> got=<errno> result=PASS|FAIL|SKIP
 * Exit status: number of failed cases.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/mbu.h"

static int failures;

static void report(const char *name, int want, int got)
{
	bool ok = want == got;

	printf("case=%s want=%d(%s) got=%d(%s) result=%s\n", name, want,
	       strerror(-want), got, strerror(-got), ok ? "PASS" : "FAIL");
	failures += !ok;
}

static void skip(const char *name, const char *why)
{
	printf("case=%s result=SKIP why=%s\n", name, why);
}

static int wr(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) < 0 ? -errno : 0;
}

static void fill_hdr(struct mb_hdr *h, uint16_t kind, uint16_t op,
		     uint32_t handle, uint32_t len)
{
	memset(h, 0, sizeof(*h));
	h->magic = MB_PROTO_MAGIC;
	h->version = MB_PROTO_VERSION;
	h->kind = kind;
	h->op = op;
	h->handle = handle;
	h->len = len;
}

/* Cases that need no instance of our own. */
static void channel_cases(struct mbu_chan *c, uint32_t handle)
{
	static uint8_t big[MB_MSG_MAX + 64];
	struct mb_hdr h;
	struct mb_downcall dc;
	int fd = mbu_fd(c);

	fill_hdr(&h, MB_KIND_REPLY, 1, handle, sizeof(h));
	report("reply-truncated", -EINVAL, wr(fd, &h, sizeof(h) - 4));

	fill_hdr(&h, MB_KIND_REPLY, 1, handle, sizeof(h));
	h.magic = 0xdeadbeef;
	report("reply-bad-magic", -EINVAL, wr(fd, &h, sizeof(h)));

	fill_hdr(&h, MB_KIND_REPLY, 1, handle, sizeof(h));
	h.version = 99;
	report("reply-bad-version", -EINVAL, wr(fd, &h, sizeof(h)));

	fill_hdr(&h, MB_KIND_REPLY, 1, handle, sizeof(h) + 100);
	report("reply-length-mismatch", -EINVAL, wr(fd, &h, sizeof(h)));

	fill_hdr((struct mb_hdr *)big, MB_KIND_REPLY, 1, handle, sizeof(big));
	report("reply-oversized", -EINVAL, wr(fd, big, sizeof(big)));

	fill_hdr(&h, 77, 1, handle, sizeof(h));
	report("reply-unknown-kind", -EINVAL, wr(fd, &h, sizeof(h)));

	fill_hdr(&h, MB_KIND_REPLY, 1, 0x7ffffff0, sizeof(h));
	report("reply-unknown-handle", -ENOENT, wr(fd, &h, sizeof(h)));

	report("downcall-unknown-handle", -ENOENT,
	       mbu_downcall(c, 0x7ffffff0, MB_DC_RD32, &(struct mb_dc_reg){ 8, 0 },
			    sizeof(struct mb_dc_reg)));

	memset(&dc, 0, sizeof(dc));
	fill_hdr(&dc.hdr, MB_KIND_DOWNCALL, MB_DC_RD32, handle, 3);
	report("downcall-truncated-header", -EINVAL,
	       ioctl(fd, MB_IOC_DOWNCALL, &dc) < 0 ? -errno : 0);

	report("unknown-ioctl", -ENOTTY,
	       ioctl(fd, _IO(MB_IOC_MAGIC, 99), 0) < 0 ? -errno : 0);

	report("attach-unknown-handle", -ENOENT,
	       mbu_attach(c, 0x7ffffff0, MB_E1000_DRIVER, MB_E1000_LAYOUT));
}

/* Cases on an instance we attached to ourselves. */
static void instance_cases(struct mbu_chan *c, uint32_t handle)
{
	static const struct { const char *name; uint32_t reg, val; } deny[] = {
		{ "write-tdbal", 0x03800, 0x1000 },
		{ "write-tdbah", 0x03804, 0 },
		{ "write-tdlen", 0x03808, 4096 },
		{ "write-tdt", 0x03818, 5 },
		{ "write-rdbal", 0x02800, 0x1000 },
		{ "write-rdbah", 0x02804, 0x1 },
		{ "write-rdlen", 0x02808, 4096 },
		{ "write-rdh", 0x02810, 0 },
		{ "write-rdt", 0x02818, 7 },
	};
	struct mb_dc_reg r = { 0 };
	uint32_t v, rctl = 0, i;
	int err, live;

	for (i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		report(deny[i].name, -EPERM,
		       mbu_wr32(c, handle, deny[i].reg, deny[i].val));
	report("read-status-allowed", 0, mbu_rd32(c, handle, 0x8, &v));
	report("read-out-of-bar", -EINVAL, mbu_rd32(c, handle, 0x40000, &v));
	report("read-unaligned", -EINVAL, mbu_rd32(c, handle, 0x6, &v));

	/* Are the rings live (interface up)?  RCTL.EN tells. */
	mbu_rd32(c, handle, 0x100, &rctl);
	live = rctl & 2;
	if (live) {
		/* 16 KB buffers over the posted 2 KB ones: DMA overflow */
		report("rctl-oversized-buffers", -EPERM,
		       mbu_wr32(c, handle, 0x100, rctl | (1u << 25) | (1u << 16)));
		report("reset-while-live", -EPERM,
		       mbu_wr32(c, handle, 0x0, (1u << 26) | (1u << 6)));
		report("mask-irqs-while-live", -EPERM,
		       mbu_wr32(c, handle, 0xD8, ~0u));
		report("read-icr-while-live", -EPERM,
		       mbu_rd32(c, handle, 0xC0, &v));
	} else {
		report("rx-enable-without-rings", -EPERM,
		       mbu_wr32(c, handle, 0x100, 2));
		report("tx-enable-without-rings", -EPERM,
		       mbu_wr32(c, handle, 0x400, 2));
	}
	report("downcall-unknown-op", -EINVAL,
	       mbu_downcall(c, handle, 250, &r, sizeof(r)));
	report("downcall-rd32-short-payload", -EINVAL,
	       mbu_downcall(c, handle, MB_DC_RD32, &r, 2));
	report("link-downcall-bad-value", -EINVAL,
	       mbu_downcall(c, handle, MB_DC_DRIVER_BASE,
			    &(struct { uint32_t up, s, fd; }){ 7, 0, 0 }, 12));

	err = mbu_detach(c, handle);
	report("detach", 0, err);
	report("stale-handle-downcall", -ENOENT, mbu_rd32(c, handle, 0x8, &v));
}

/* Reply to one real upcall with a state that fails the range checks. */
static void bad_state_case(struct mbu_chan *c, uint32_t handle)
{
	static uint64_t buf[MB_MSG_MAX / 8];
	struct mb_e1000_rep rep;
	struct pollfd p = { .fd = mbu_fd(c), .events = POLLIN };
	const struct mb_e1000_req *q = (const void *)buf;
	/* as long as a reply to an op without results (watchdog, the usual
	 * upcall here); to any other op the length alone is refused */
	const uint32_t len = offsetof(struct mb_e1000_rep, r);
	ssize_t n;

	if (poll(&p, 1, 5000) <= 0) {
		skip("reply-out-of-range-mtu", "no-upcall-within-5s");
		return;
	}
	n = read(mbu_fd(c), buf, sizeof(buf));
	if (n < (ssize_t)sizeof(struct mb_hdr) || q->hdr.kind != MB_KIND_UPCALL) {
		skip("reply-out-of-range-mtu", "no-upcall");
		return;
	}
	memset(&rep, 0, sizeof(rep));
	fill_hdr(&rep.hdr, MB_KIND_REPLY, q->hdr.op, q->hdr.handle, len);
	rep.hdr.seq = q->hdr.seq;
	if (n >= (ssize_t)offsetof(struct mb_e1000_req, a))
		rep.st = q->st;
	rep.st.mtu = 1;		/* below any legal MTU */
	rep.st.rx_buf_len = 1 << 20;
	/* accepted by the channel, refused by the tracker (log: range) */
	report("reply-out-of-range-mtu-delivered", 0,
	       wr(mbu_fd(c), &rep, len));
	/* a second reply to the same upcall is stale; with no upcall in flight
	 * it is only refused (with one in flight it would be a protocol
	 * violation and cost us the instance: the garbage-udriver scenario) */
	report("reply-duplicate-stale-seq", -EINVAL,
	       wr(mbu_fd(c), &rep, len));
}

static int poke(struct mbu_chan *c, uint32_t handle, uint32_t reg, uint32_t val)
{
	int err = mbu_attach(c, handle, MB_E1000_DRIVER, MB_E1000_LAYOUT);

	if (!err) {
		err = mbu_wr32(c, handle, reg, val);
		mbu_detach(c, handle);
	}
	printf("poke reg=0x%05x val=0x%08x: %s\n", reg, val,
	       err ? strerror(-err) : "ok");
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct mb_ioc_list l;
	struct mbu_chan *c;
	uint32_t handle = 0, k;
	int err = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	c = mbu_open("/dev/microbed", &err);
	if (!c) {
		fprintf(stderr, "mb-hostile: open: %s\n", strerror(-err));
		return 100;
	}
	if (mbu_list(c, &l) || !l.count) {
		fprintf(stderr, "mb-hostile: no instance registered\n");
		return 100;
	}
	for (k = 0; k < l.count; k++)
		if (!strcmp(l.inst[k].driver, MB_E1000_DRIVER))
			handle = l.inst[k].handle;
	if (argc == 4 && !strcmp(argv[1], "poke"))
		return poke(c, handle, strtoul(argv[2], NULL, 0),
			    strtoul(argv[3], NULL, 0));
	channel_cases(c, handle);

	err = mbu_attach(c, handle, "rtl8139", MB_E1000_LAYOUT);
	report("attach-wrong-driver", -EINVAL, err);
	/* a u-driver built from another spec: refused before it serves */
	err = mbu_attach(c, handle, MB_E1000_DRIVER, MB_E1000_LAYOUT ^ 1);
	report("attach-other-build-layout", -EPROTO, err);
	err = mbu_attach(c, handle, MB_E1000_DRIVER, MB_E1000_LAYOUT);
	if (err == -EBUSY) {
		report("second-attach-refused", -EBUSY, err);
		skip("register-policy", "instance-served-by-a-u-driver");
	} else if (err) {
		report("attach", 0, err);
	} else {
		bad_state_case(c, handle);
		instance_cases(c, handle);
	}
	mbu_close(c);

	/* unprivileged open, as nobody */
	if (fork() == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(99);
		fd = open("/dev/microbed", O_RDWR);
		_exit(fd < 0 && (errno == EPERM || errno == EACCES) ? 0 : 1);
	} else {
		int st = 0;

		wait(&st);
		printf("case=unprivileged-open want=EPERM/EACCES result=%s\n",
		       WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "PASS" : "FAIL");
		failures += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	printf("mb-hostile: %d failure(s)\n", failures);
	return failures;
}
