// SPDX-License-Identifier: GPL-2.0
/*
 * mb-fuzz: a hostile process for the fuzz-channel scenario.  Sends COUNT
 * seeded malformed messages over /dev/microbed: random bytes, headers with
 * random magic/version/kind/op/handle/len/seq, truncated and oversized
 * writes, replies to non-existent seqs, reads of random sizes, and ioctls
 * (list/attach/detach/downcall/bench and random command numbers) with
 * random payloads and bad pointers.  It tries the driver's forbidden
 * registers (DMA rings and addresses, interrupt registers, e1000: RCTL
 * with buffers larger than posted; rtl8139: the C+ command, CR through a
 * wider access; out-of-BAR and unaligned offsets) through downcalls.
 *
 * It works with a u-driver attached or without one: then it may win an
 * attach itself, answers what it reads with malformed replies, tries the
 * forbidden registers as the attached u-driver, and detaches cleanly at
 * once (a clean detach is not a death, so it does not push the instance
 * towards the crash-loop limit).  It never writes registers the policy
 * would let through (that is a u-driver's right and could legitimately
 * break the NIC), never sends a well-formed link report, and avoids the
 * VFS's generic ioctls (FIFREEZE and friends act on the file system, not
 * on the driver).
 *
 *   mb-fuzz [-d /dev/microbed] [-D DRIVER] [-s SEED] [-n COUNT] [-g] [-v]
 *
 * -g: instead, be the attached u-driver of the DRIVER's instance (none
 * may hold it) and answer every upcall that arrives -- the control
 * operations someone else makes meanwhile, the replays -- with garbage
 * that names it: a wrong seq, a header claiming more than was written, an
 * oversized reply, a random payload or status under a right header.  Each
 * is refused; the ones the kernel takes for a protocol violation detach
 * it, and it attaches again.  Between upcalls it sends stray replies.
 * COUNT counts every system call, as without -g; the summary line adds
 * inflight_garbage=K (replies to upcalls in flight) and reattached=K.
 *
 * DRIVER (e1000, the default, or rtl8139) says whose messages and
 * registers: its upcall numbers, its policy's forbidden registers.
 *
 * Prints one line and exits 0 (1 if the channel cannot be opened):
 *   fuzz seed=S sent=N accepted=A refused=R attached=K errors_by_errno=EINVAL:n,ENOENT:n,...
 * accepted: the system call succeeded; refused: it failed (by errno).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../e1000/gen/e1000_proto.h"
#include "../rtl8139/gen/rtl8139_proto.h"

/* What differs between the drivers it can fuzz (-D): their upcall numbers,
 * the registers their policy refuses, the names and layouts attach wants. */
struct fuzz_drv {
	const char *name;
	uint32_t layout;
	uint16_t op_first, op_end;
	/* a forbidden register, or an offset out of the BAR or unaligned:
	 * its width, the value, and whether to write it */
	uint32_t (*forbidden)(uint32_t *val, int *write_it, uint32_t *width);
};
static const struct fuzz_drv *drv;

static uint64_t rs;
static int verbose;

static uint64_t rnd(void)	/* splitmix64 */
{
	uint64_t z = (rs += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static void fill(void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

/* ---- tallies --------------------------------------------------------- */

#define ERRNO_MAX 256
static unsigned long sent, accepted, refused, attached_count;
static unsigned long by_errno[ERRNO_MAX + 1];	/* last slot: anything larger */

static void tally(long ret, int err)
{
	sent++;
	if (ret >= 0) {
		accepted++;
		return;
	}
	refused++;
	by_errno[err > 0 && err < ERRNO_MAX ? err : ERRNO_MAX]++;
}

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case ERANGE: return "ERANGE";
	case ENOSYS: return "ENOSYS";
	case EMSGSIZE: return "EMSGSIZE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOTCONN: return "ENOTCONN";
	case ESHUTDOWN: return "ESHUTDOWN";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: return NULL;
	}
}

/* ---- what we know of the instances ------------------------------------ */

static uint32_t handles[MB_LIST_MAX];
static unsigned int nhandles;

static void refresh(int fd)
{
	static struct mb_ioc_list l;
	long r;
	uint32_t i;

	memset(&l, 0, sizeof(l));
	r = ioctl(fd, MB_IOC_LIST, &l);
	tally(r, errno);
	if (r < 0)
		return;
	nhandles = 0;
	for (i = 0; i < l.count && i < MB_LIST_MAX; i++)
		handles[nhandles++] = l.inst[i].handle;
}

/* A handle: usually a real one, else small or random. */
static uint32_t some_handle(void)
{
	switch (below(4)) {
	case 0: case 1:
		if (nhandles)
			return handles[below(nhandles)];
		/* fall through */
	case 2:
		return below(8);
	default:
		return (uint32_t)rnd();
	}
}

/* A pointer the kernel must not trust (never dereferenced here). */
static void *bad_ptr(void)
{
	static const uintptr_t bad[] = {
		0, 1, 4095, 0xffff888000000000ull, 0xffffffffff600000ull,
		0x00007ffffffff000ull, (uintptr_t)-1,
	};

	return (void *)bad[below(sizeof(bad) / sizeof(bad[0]))];
}

/* ---- messages ----------------------------------------------------------- */

static uint8_t buf[2 * MB_MSG_MAX + 512] __attribute__((aligned(8)));

static void random_hdr(struct mb_hdr *h, uint32_t len)
{
	h->magic = below(4) ? MB_PROTO_MAGIC : (uint32_t)rnd();
	h->version = below(4) ? MB_PROTO_VERSION : (uint16_t)rnd();
	h->kind = below(2) ? MB_KIND_REPLY : (uint16_t)below(8);
	h->op = below(2) ? (uint16_t)(drv->op_first + below(drv->op_end - drv->op_first + 2u))
			 : (uint16_t)rnd();
	h->reserved = below(8) ? 0 : (uint16_t)rnd();
	h->len = below(3) ? len : (uint32_t)(below(2) ? rnd() : len + below(64) - 32);
	h->handle = some_handle();
	h->status = below(2) ? 0 : (int32_t)rnd();
	h->seq = below(2) ? below(1u << 20) : rnd();
}

static void do_write(int fd, int how)
{
	struct mb_hdr *h = (struct mb_hdr *)buf;
	uint32_t n;
	long r;

	switch (how) {
	case 0:		/* random bytes, random length (0 .. past MB_MSG_MAX) */
		n = below(MB_MSG_MAX + 256);
		fill(buf, n);
		break;
	case 1:		/* truncated: shorter than a header */
		n = below(sizeof(*h));
		fill(buf, n);
		if (n >= 4)
			h->magic = MB_PROTO_MAGIC;
		break;
	case 2:		/* oversized, with a header that claims it */
		n = MB_MSG_MAX + 1 + below(MB_MSG_MAX);
		fill(buf, n);
		random_hdr(h, n);
		break;
	case 3:		/* a well-formed reply to a seq no one asked */
		n = sizeof(*h) + below(700);
		fill(buf, n);
		*h = (struct mb_hdr){ .magic = MB_PROTO_MAGIC,
			.version = MB_PROTO_VERSION, .kind = MB_KIND_REPLY,
			.op = (uint16_t)(drv->op_first + below(20)), .len = n,
			.handle = some_handle(), .seq = rnd() };
		break;
	default:	/* header with random fields, random payload */
		n = sizeof(*h) + below(below(4) ? 700 : MB_MSG_MAX);
		fill(buf, n);
		random_hdr(h, n);
		break;
	}
	r = write(fd, buf, n);
	tally(r, errno);
}

/* Read what the kernel has for us (only when attached: upcalls) and
 * answer it with a malformed reply that carries the right seq, so the
 * k-driver's reply validator has to refuse it. */
static void do_read(int fd)
{
	static uint8_t in[MB_MSG_MAX + 64] __attribute__((aligned(8)));
	const struct mb_hdr *q = (const struct mb_hdr *)in;
	struct mb_hdr *h = (struct mb_hdr *)buf;
	size_t want = below(4) ? sizeof(in) : below(sizeof(in));
	ssize_t r = read(fd, in, want);
	uint32_t n;

	tally(r, errno);
	if (r < (ssize_t)sizeof(*q) || q->kind != MB_KIND_UPCALL)
		return;
	n = sizeof(*h) + below(800);
	fill(buf, n);
	*h = (struct mb_hdr){ .magic = MB_PROTO_MAGIC,
		.version = MB_PROTO_VERSION, .kind = MB_KIND_REPLY,
		.op = below(4) ? q->op : (uint16_t)rnd(), .len = n,
		.handle = q->handle, .seq = q->seq,
		.status = below(2) ? 0 : (int32_t)rnd() };
	if (verbose)
		fprintf(stderr, "mb-fuzz: answering upcall op %u seq %llu with %u bytes of garbage\n",
			q->op, (unsigned long long)q->seq, n);
	tally(write(fd, buf, n), errno);
}

/* Registers the e1000's policy refuses (on a live device), plus offsets
 * out of the BAR and unaligned ones. */
static uint32_t forbidden_e1000(uint32_t *val, int *write_it, uint32_t *width)
{
	static const uint32_t rings[] = {
		E1000_TDBAL, E1000_TDBAH, E1000_TDLEN, E1000_TDH, E1000_TDT,
		E1000_RDBAL, E1000_RDBAH, E1000_RDLEN, E1000_RDH, E1000_RDT,
	};
	static const uint32_t irq[] = { E1000_ICS, E1000_IMS, E1000_IMC };

	*val = (uint32_t)rnd();
	*write_it = 1;
	*width = 4;
	switch (below(6)) {
	case 0: case 1:
		return rings[below(10)];
	case 2:
		return irq[below(3)];
	case 3:		/* 16 KB buffers (BSEX, size 01) with EN: over the posted 2 KB */
		*val = E1000_RCTL_EN | E1000_RCTL_BSEX | (1u << 16);
		return E1000_RCTL;
	case 4:		/* ICR read while live; or any read out of bounds */
		*write_it = below(2);
		return below(2) ? E1000_ICR : 0x20000 + (below(1u << 20) & ~3u);
	default:	/* out of the BAR or unaligned, read or write */
		*write_it = below(2);
		return below(2) ? (uint32_t)rnd() | 0x80000000u : (below(0x20000) | 1u);
	}
}

/* The RTL8139's: the DMA addresses, the C+ command, interrupts, the
 * transmit poll, and CR reached through a wider access below it; offsets
 * out of the BAR, unaligned, or at a width the register does not have. */
static uint32_t forbidden_rtl8139(uint32_t *val, int *write_it, uint32_t *width)
{
	static const struct { uint32_t reg, width; } regs[] = {
		{ RTL_TNPDS, 4 }, { RTL_TNPDS + 4, 4 }, { RTL_THPDS, 4 },
		{ RTL_RDSAR, 4 }, { RTL_RDSAR + 4, 4 }, { RTL_DTCCR, 4 },
		{ RTL_RBSTART, 4 }, { RTL_TSD2, 4 }, { RTL_CPCR, 2 },
		{ RTL_IMR, 2 }, { RTL_TIMERINT, 4 }, { RTL_TPPOLL, 1 },
		{ 0x34, 4 }, { 0x36, 2 }, { RTL_CONFIG5, 2 },
	};
	uint32_t k = below(sizeof(regs) / sizeof(regs[0]));

	*write_it = 1;
	*width = regs[k].width;
	*val = (uint32_t)rnd() & (*width == 4 ? ~0u : (1u << (8 * *width)) - 1);
	switch (below(4)) {
	case 0: case 1: case 2:
		return regs[k].reg;
	default:	/* out of the BAR or unaligned, read or write */
		*write_it = below(2);
		return below(2) ? RTL_REGS_LEN + below(1u << 20) : (below(0x100) | 1u);
	}
}

static const struct fuzz_drv drivers[] = {
	{ MB_E1000_DRIVER, MB_E1000_LAYOUT, MB_E1000_INIT, MB_E1000_OP_END, forbidden_e1000 },
	{ MB_RTL8139_DRIVER, MB_RTL8139_LAYOUT, MB_RTL8139_INIT, MB_RTL8139_OP_END, forbidden_rtl8139 },
};

static uint16_t rd_op(uint32_t width)
{
	return width == 1 ? MB_DC_RD8 : width == 2 ? MB_DC_RD16 : MB_DC_RD32;
}

static uint16_t wr_op(uint32_t width)
{
	return width == 1 ? MB_DC_WR8 : width == 2 ? MB_DC_WR16 : MB_DC_WR32;
}

static bool is_write_op(uint16_t op)
{
	return op == MB_DC_WR32 || op == MB_DC_WR8 || op == MB_DC_WR16;
}

static void do_downcall(int fd, uint32_t handle, bool structured)
{
	struct mb_downcall dc;
	struct mb_dc_link *lk = (struct mb_dc_link *)dc.u.raw;
	uint32_t plen = sizeof(dc.u.reg), width;
	int wr;
	long r;

	fill(&dc, sizeof(dc));
	dc.hdr = (struct mb_hdr){ .magic = MB_PROTO_MAGIC,
		.version = MB_PROTO_VERSION, .kind = MB_KIND_DOWNCALL,
		.handle = handle };
	switch (below(structured ? 4 : 6)) {
	case 0: case 1: case 2:	/* a register the policy refuses */
		dc.u.reg.reg = drv->forbidden(&dc.u.reg.val, &wr, &width);
		dc.hdr.op = wr ? wr_op(width) : rd_op(width);
		break;
	case 3:		/* the link report, always malformed */
		dc.hdr.op = MB_DC_LINK;
		if (below(2)) {
			plen = sizeof(*lk);
			lk->up = 2 + below(1000);
		} else {
			plen = below(MB_DC_PAYLOAD_MAX + 1);
			if (plen == sizeof(*lk))
				plen--;
		}
		break;
	case 4:		/* random op, random length */
		dc.hdr.op = (uint16_t)(below(2) ? below(40) : rnd());
		if (is_write_op(dc.hdr.op) || dc.hdr.op == MB_DC_LINK ||
		    dc.hdr.op >= MB_DC_DRIVER_BASE)
			dc.hdr.op = 0;	/* only the malformed kinds above */
		plen = below(MB_DC_PAYLOAD_MAX + 16);
		break;
	default:	/* random header */
		random_hdr(&dc.hdr, sizeof(dc.hdr) + plen);
		dc.hdr.kind = below(2) ? MB_KIND_DOWNCALL : dc.hdr.kind;
		if (is_write_op(dc.hdr.op) || dc.hdr.op == MB_DC_LINK ||
		    (dc.hdr.op >= MB_DC_DRIVER_BASE && dc.hdr.kind == MB_KIND_DOWNCALL))
			dc.hdr.op = MB_DC_RD32;
		if (dc.hdr.op == MB_DC_RD32)
			dc.u.reg.reg = drv->forbidden(&dc.u.reg.val, &wr, &width);
		break;
	}
	if (!dc.hdr.len)	/* cases 0-4: the length the payload has */
		dc.hdr.len = sizeof(dc.hdr) + plen;
	r = ioctl(fd, MB_IOC_DOWNCALL, below(16) ? (void *)&dc : bad_ptr());
	tally(r, errno);
}

/* Attach to a real instance if no u-driver holds it; if that works, act
 * as a broken u-driver for a moment, then detach cleanly. */
static void do_attach(int fd, bool real)
{
	struct mb_ioc_attach at;
	int i, n;
	long r;

	fill(&at, sizeof(at));
	if (real) {
		at.handle = nhandles ? handles[below(nhandles)] : 1;
		at.version = MB_PROTO_VERSION;
		at.pad = 0;
		memset(at.driver, 0, sizeof(at.driver));
		strcpy(at.driver, drv->name);
		at.layout = drv->layout;
	} else {
		at.handle = some_handle();
		if (below(2))
			at.version = MB_PROTO_VERSION;
		if (below(2))
			memcpy(at.driver, below(2) ? "e1000\0" : "e1000x", 6);
		if (below(2))
			at.layout = drv->layout;
	}
	r = ioctl(fd, MB_IOC_ATTACH, below(16) ? (void *)&at : bad_ptr());
	tally(r, errno);
	if (r < 0)
		return;
	attached_count++;
	if (verbose)
		fprintf(stderr, "mb-fuzz: attached to handle %u\n", at.handle);
	n = 8 + (int)below(24);
	for (i = 0; i < n; i++) {
		if (below(4))
			do_downcall(fd, at.handle, true);
		else
			do_read(fd);
	}
	tally(ioctl(fd, MB_IOC_DETACH, &at.handle), errno);
}

/* Our own ioctls with payloads that are wrong, or other command numbers
 * (not the VFS's generic ones, which act on the file or file system). */
static void do_ioctl(int fd)
{
	static uint8_t arg[16384] __attribute__((aligned(8)));
	uint32_t h, cmd, type;
	long r;

	fill(arg, sizeof(arg));
	switch (below(5)) {
	case 0: {	/* bench: random handle/count, small when it could run */
		struct mb_ioc_bench *b = (struct mb_ioc_bench *)arg;

		b->handle = some_handle();
		b->count = below(2) ? (uint32_t)rnd() : below(3);
		cmd = MB_IOC_BENCH;
		break;
	}
	case 1:		/* detach of a handle we do not hold */
		h = some_handle();
		memcpy(arg, &h, sizeof(h));
		cmd = MB_IOC_DETACH;
		break;
	case 2:		/* list into a bad pointer */
		r = ioctl(fd, MB_IOC_LIST, bad_ptr());
		tally(r, errno);
		return;
	case 3:		/* our magic, any number/direction/size */
		cmd = _IOC(below(4), MB_IOC_MAGIC, below(16), below(1u << 14));
		break;
	default:	/* anything, minus the generic VFS/tty/fs ioctl types */
		do {
			cmd = (uint32_t)rnd();
			type = (cmd >> 8) & 0xff;
		} while (type == 0x00 || type == 'T' || type == 'X' ||
			 type == 'f' || type == 'v' || type == 0x94 ||
			 type == 0x12 || type == 0x15 ||
			 cmd == MB_IOC_ATTACH || cmd == MB_IOC_BENCH);
		break;
	}
	if (cmd == MB_IOC_ATTACH)	/* only through do_attach */
		return;
	r = ioctl(fd, cmd, below(8) ? (void *)arg : bad_ptr());
	tally(r, errno);
}

/* ---- -g: an attached u-driver that answers garbage ------------------------ */

static unsigned long inflight_garbage, reattached;

/* A reply to the upcall q that names its instance and seq where the kind
 * needs it, so the upcall in flight ends at once rather than by the
 * timeout (which would have the kernel kill this process). */
static void garbage_reply(int fd, const struct mb_hdr *q)
{
	struct mb_hdr *h = (struct mb_hdr *)buf;
	uint32_t n = sizeof(*h) + below(800), wrote = n;

	fill(buf, n);
	*h = (struct mb_hdr){ .magic = MB_PROTO_MAGIC,
		.version = MB_PROTO_VERSION, .kind = MB_KIND_REPLY,
		.op = q->op, .len = n, .handle = q->handle, .seq = q->seq };
	switch (below(6)) {
	case 0:		/* the header claims more than was written */
		h->len = n + 1 + below(256);
		break;
	case 1:		/* a seq no one asked for */
		h->seq = q->seq + 1 + below(1000);
		break;
	case 2:		/* larger than any message: refused by its length alone,
			 * before the header is read, so the upcall is still in
			 * flight; a header claiming more than the write ends it */
		wrote = MB_MSG_MAX + 1 + below(MB_MSG_MAX);
		fill(buf + sizeof(*h), wrote - sizeof(*h));
		h->len = wrote;
		tally(write(fd, buf, wrote), errno);
		wrote = n;
		h->len = n + 1;
		break;
	case 3:		/* a random status */
		h->status = (int32_t)rnd();
		break;
	case 4:		/* another op's reply */
		h->op = (uint16_t)(drv->op_first + below(drv->op_end - drv->op_first));
		break;
	default:	/* right header, random payload of a random length */
		break;
	}
	if (verbose)
		fprintf(stderr, "mb-fuzz: garbage for upcall op %u seq %llu: %u bytes, header len %u\n",
			q->op, (unsigned long long)q->seq, wrote, h->len);
	tally(write(fd, buf, wrote), errno);
	inflight_garbage++;
}

static bool attach_ours(int fd)
{
	static struct mb_ioc_list l;
	struct mb_ioc_attach at;
	uint32_t i;
	long r;

	memset(&l, 0, sizeof(l));
	r = ioctl(fd, MB_IOC_LIST, &l);
	tally(r, errno);
	for (i = 0; r >= 0 && i < l.count && i < MB_LIST_MAX; i++) {
		if (strncmp(l.inst[i].driver, drv->name, MB_NAME_LEN) || l.inst[i].attached)
			continue;
		memset(&at, 0, sizeof(at));
		at.handle = l.inst[i].handle;
		at.version = MB_PROTO_VERSION;
		strcpy(at.driver, drv->name);
		at.layout = drv->layout;
		r = ioctl(fd, MB_IOC_ATTACH, &at);
		tally(r, errno);
		if (r == 0) {
			handles[0] = at.handle;
			nhandles = 1;
			attached_count++;
			return true;
		}
	}
	return false;
}

static void garbage_udriver(int fd, unsigned long count)
{
	static uint8_t in[MB_MSG_MAX + 64] __attribute__((aligned(8)));
	const struct mb_hdr *q = (const struct mb_hdr *)in;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	const struct timespec nap = { 0, 20 * 1000 * 1000 };
	bool att = false;
	ssize_t r;

	while (sent < count) {
		if (!att) {
			att = attach_ours(fd);
			if (att && attached_count > 1)
				reattached++;
			if (!att)
				nanosleep(&nap, NULL);
			continue;
		}
		if (poll(&pfd, 1, 1) <= 0) {
			do_write(fd, 3);	/* a stray reply meanwhile */
			continue;
		}
		r = read(fd, in, sizeof(in));
		tally(r, errno);
		if (r < (ssize_t)sizeof(*q))
			continue;
		if (q->kind == MB_KIND_NOTICE && q->op == MB_NOTICE_GONE)
			att = false;	/* detached for what we sent: again */
		else if (q->kind == MB_KIND_UPCALL)
			garbage_reply(fd, q);
	}
	if (att)
		tally(ioctl(fd, MB_IOC_DETACH, &handles[0]), errno);
}

static void usage(void)
{
	fprintf(stderr, "usage: mb-fuzz [-d /dev/microbed] [-D e1000|rtl8139] [-s SEED] [-n COUNT] [-g] [-v]\n"
			"  sends COUNT (default 100000) seeded malformed messages (-g: as the attached\n"
			"  u-driver, answering every upcall with garbage); prints\n"
			"  fuzz seed=S sent=N accepted=A refused=R attached=K errors_by_errno=... [inflight_garbage=K reattached=K]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *path = "/dev/microbed";
	unsigned long long seed = 1;
	unsigned long count = 100000;
	char *end;
	int opt, fd, e, first = 1, garbage = 0;

	drv = &drivers[0];
	while ((opt = getopt(argc, argv, "d:D:s:n:gv")) != -1) {
		if (opt == 'd') {
			path = optarg;
		} else if (opt == 'D') {
			unsigned int k;

			for (k = 0, drv = NULL; k < sizeof(drivers) / sizeof(drivers[0]); k++)
				if (!strcmp(drivers[k].name, optarg))
					drv = &drivers[k];
			if (!drv) {
				fprintf(stderr, "mb-fuzz: no driver \"%s\" (e1000, rtl8139)\n", optarg);
				return 2;
			}
		} else if (opt == 's') {
			seed = strtoull(optarg, &end, 0);
			if (!*optarg || *end)
				usage();
		} else if (opt == 'n') {
			count = strtoul(optarg, &end, 0);
			if (!*optarg || *end)
				usage();
		} else if (opt == 'g') {
			garbage = 1;
		} else if (opt == 'v') {
			verbose++;
		} else {
			usage();
		}
	}
	rs = seed;
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "mb-fuzz: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	refresh(fd);
	if (garbage)
		garbage_udriver(fd, count);
	while (sent < count) {
		switch (below(20)) {
		case 0: case 1: case 2: case 3: case 4: case 5: case 6:
			do_write(fd, (int)below(5));
			break;
		case 7:
			do_read(fd);
			break;
		case 8: case 9: case 10: case 11: case 12:
			do_downcall(fd, some_handle(), false);
			break;
		case 13: case 14:
			do_attach(fd, below(500) == 0);
			break;
		case 15:
			if (below(16) == 0)
				refresh(fd);
			else
				do_ioctl(fd);
			break;
		default:
			do_ioctl(fd);
			break;
		}
	}
	close(fd);

	printf("fuzz seed=%llu sent=%lu accepted=%lu refused=%lu attached=%lu errors_by_errno=",
	       seed, sent, accepted, refused, attached_count);
	for (e = 1; e <= ERRNO_MAX; e++) {
		const char *nm;

		if (!by_errno[e])
			continue;
		nm = e < ERRNO_MAX ? errno_name(e) : "other";
		if (nm)
			printf("%s%s:%lu", first ? "" : ",", nm, by_errno[e]);
		else
			printf("%s%d:%lu", first ? "" : ",", e, by_errno[e]);
		first = 0;
	}
	printf("%s", first ? "none" : "");
	if (garbage)
		printf(" inflight_garbage=%lu reattached=%lu", inflight_garbage, reattached);
	printf("\n");
	return 0;
}
