// SPDX-License-Identifier: GPL-2.0
/*
 * mb-hostile: behaves like a buggy or hostile u-driver and checks that the
 * kernel refuses each bad request with the right error (and never oopses;
 * the kernel log shows a `microbed: event=refuse` line for each).
 *
 *   mb-hostile [-D DRIVER]           run every case that the current state
 *                                    allows, on the first instance of DRIVER
 *                                    (e1000, the default, or rtl8139)
 *   mb-hostile [-D DRIVER] poke REG VAL
 *                         attach, write one register (policy applies),
 *                         detach: e.g. `poke 0x400 0` stops TX (allowed, and
 *                         a way to provoke the k-driver's TX-timeout reset)
 * If a real u-driver already serves the instance, the cases
 * that need the instance for ourselves are skipped (and "second attach is
 * refused" is checked instead).  Which of those run depends on whether
 * the interface is up (rings live) or down; run it in both states.  With
 * the interface down it ends by looping attach/detach, after which the
 * instance takes no attach for the kernel's attach_window_s.
 * One line per case:
 *   case=<name> want=<errno> got=<errno> result=PASS|FAIL|SKIP
 * Exit status: number of failed cases.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/mbu.h"
#include "hostile.h"

/* the driver whose instance the cases run on (-D) */
static const struct hostile_drv *drv;

static int failures;

/* mb_core's attach_burst is at most this (MB_ATTACH_HISTORY) */
#define MB_ATTACH_MAX_BURST	32

void report(const char *name, int want, int got)
{
	bool ok = want == got;

	printf("case=%s want=%d(%s) got=%d(%s) result=%s\n", name, want,
	       strerror(-want), got, strerror(-got), ok ? "PASS" : "FAIL");
	failures += !ok;
}

void skip(const char *name, const char *why)
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
	       mbu_attach(c, 0x7ffffff0, drv->name, drv->layout));
}

/* The header of a reply of len bytes to upcall q. */
static void reply_hdr(struct mb_hdr *h, const struct mb_hdr *q, uint32_t len)
{
	fill_hdr(h, MB_KIND_REPLY, q->op, q->handle, len);
	h->seq = q->seq;
}

/* A reply to the upcall q (n bytes read) begun: zeroed, with the kernel's
 * tracked state back when the upcall carried one (in both the state
 * follows the header). */
static void reply_begin(uint64_t *rep, size_t cap, const struct mb_hdr *q,
			ssize_t n)
{
	memset(rep, 0, cap);
	if (n >= (ssize_t)drv->req_state_end)
		memcpy((uint8_t *)rep + sizeof(*q), (const uint8_t *)q + sizeof(*q),
		       drv->tracked_state);
}

/* Answer one upcall as a u-driver that lies only about ring sizes and
 * null upcalls: the kernel's own state back, status 0, the driver's
 * results for the op (ring sizes answered with `ring` descriptors), a null
 * upcall with `null_status`.  0: nothing came within timeout_ms. */
static int serve_one(struct mbu_chan *c, uint32_t ring, int32_t null_status,
		     int timeout_ms)
{
	static uint64_t buf[MB_MSG_MAX / 8], rep[MB_MSG_MAX / 8];
	const struct mb_hdr *q = (const void *)buf;
	struct mb_hdr *h = (void *)rep;
	struct pollfd p = { .fd = mbu_fd(c), .events = POLLIN };
	uint32_t len = drv->rep_state_end;
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	n = read(mbu_fd(c), buf, sizeof(buf));
	if (n < (ssize_t)sizeof(struct mb_hdr) || q->kind != MB_KIND_UPCALL)
		return 1;
	if (q->op == MB_OP_NULL) {
		reply_hdr(h, q, sizeof(*h));
		h->status = null_status;
		wr(mbu_fd(c), h, sizeof(*h));
		return 1;
	}
	reply_begin(rep, sizeof(rep), q, n);
	len += drv->results(q->op, (uint8_t *)rep + drv->rep_state_end, ring);
	reply_hdr(h, q, len);
	wr(mbu_fd(c), rep, len);
	return 1;
}

/* The network interface of PCI device `dev` (sysfs); 0 or -ENOENT. */
int netdev_of(const char *dev, char *name, size_t cap)
{
	char path[128];
	struct dirent *e;
	DIR *d;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.32s/net", dev);
	d = opendir(path);
	if (!d)
		return -ENOENT;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strlen(e->d_name) < cap) {
			strcpy(name, e->d_name);
			err = 0;
			break;
		}
	closedir(d);
	return err;
}

/* A socket for interface ioctls on ifname, ifr named after it; -errno if none. */
static int if_socket(const char *ifname, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	return s < 0 ? -errno : s;
}

/* ethtool -G as an ioctl: 0 or -errno. */
int set_rings(const char *ifname, uint32_t n)
{
	struct ethtool_ringparam rp = { .cmd = ETHTOOL_GRINGPARAM };
	struct ifreq ifr;
	int s = if_socket(ifname, &ifr), err = 0;

	if (s < 0)
		return s;
	ifr.ifr_data = (void *)&rp;
	if (ioctl(s, SIOCETHTOOL, &ifr) == 0) {
		rp.cmd = ETHTOOL_SRINGPARAM;
		rp.tx_pending = rp.rx_pending = n;
		if (ioctl(s, SIOCETHTOOL, &ifr))
			err = -errno;
	} else {
		err = -errno;
	}
	close(s);
	return err;
}

/* We are the u-driver of the command child pid runs: serve every upcall
 * until it exits; its exit status (see serve_one for ring, null_status). */
int serve_until_exit(struct mbu_chan *c, pid_t pid, uint32_t ring,
		     int32_t null_status)
{
	int st = 0;

	while (waitpid(pid, &st, WNOHANG) == 0)
		serve_one(c, ring, null_status, 100);
	return st;
}

/* A child's result reported as -errno: it exits with the errno (0: done). */
int child_errno(int st)
{
	return WIFEXITED(st) ? -WEXITSTATUS(st) : -EINTR;
}

/* ip link set IF up|down as an ioctl: 0 or -errno. */
static int set_up(const char *ifname, int up)
{
	struct ifreq ifr;
	int s = if_socket(ifname, &ifr), err = 0;

	if (s < 0)
		return s;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags = up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			err = -errno;
	} else {
		err = -errno;
	}
	close(s);
	return err;
}

/*
 * A second thread of a u-driver resets the device while the kernel brings
 * its rings up: after the ring registers are written and before the rings
 * go live, a reset would zero them (e1000: SDM 14.9; the RTL8139 also
 * leaves C+ mode) and the enable that follows would point DMA at address 0.  The k-driver's test hook
 * test_setup_delay_ms holds bring-up in that window; the reset must be
 * refused there, and bring-up complete.
 */
static void reset_during_bringup_case(struct mbu_chan *c, uint32_t handle,
				      const char *device)
{
	char ifname[IF_NAMESIZE], path[160];
	unsigned int delay = 0;
	FILE *f;
	pid_t pid;

	snprintf(path, sizeof(path),
		 "/sys/bus/pci/devices/%.32s/driver/module/parameters/test_setup_delay_ms",
		 device);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%u", &delay) != 1)
			delay = 0;
		fclose(f);
	}
	if (delay < 200 || netdev_of(device, ifname, sizeof(ifname))) {
		skip("reset-during-bring-up", "test_setup_delay_ms-below-200-or-no-netdev");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(-set_up(ifname, 1));
	usleep(delay * 500);	/* half-way through the held window */
	report("reset-during-bring-up", -EPERM, drv->reset(c, handle));
	report("bring-up-after-refused-reset", 0,
	       child_errno(serve_until_exit(c, pid, 0, 0)));
	/* down again, as it was: we only said "done" to the kernel's steps */
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(-set_up(ifname, 0));
	serve_until_exit(c, pid, 0, 0);
}

/*
 * A u-driver answers the bench's null upcall with a positive status: the
 * bench ioctl must fail (EPROTO), never hand the number to its caller.
 */
static void bench_status_case(struct mbu_chan *c, uint32_t handle)
{
	pid_t pid;
	int st, got;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct mb_ioc_bench b = { .handle = handle, .count = 1 };
		int fd = open("/dev/microbed", O_RDWR), r;

		if (fd < 0)
			_exit(errno);
		r = ioctl(fd, MB_IOC_BENCH, &b);
		_exit(r < 0 ? errno : r ? 250 : 0);
	}
	st = serve_until_exit(c, pid, 0, 5);
	got = WIFEXITED(st) && WEXITSTATUS(st) == 250 ? 5 : child_errno(st);
	report("bench-reply-status-positive", -EPROTO, got);
}

/*
 * A process that attaches and detaches in a loop and never reads: each
 * attach schedules a replay and each detach an outage that control
 * operations wait on.  The kernel stops taking its attaches (EAGAIN) and
 * queues one GONE notice for the handle, however many detaches.
 */
static void churn_case(struct mbu_chan *c, uint32_t handle)
{
	static uint64_t buf[MB_MSG_MAX / 8];
	const struct mb_hdr *h = (const void *)buf;
	struct pollfd p = { .fd = mbu_fd(c), .events = POLLIN };
	int i, err = 0, gone = 0;

	for (i = 0; i < 3 * MB_ATTACH_MAX_BURST && !err; i++) {
		err = mbu_attach(c, handle, drv->name, drv->layout);
		if (!err)
			mbu_detach(c, handle);
	}
	report("attach-churn-refused", -EAGAIN, err);
	while (poll(&p, 1, 0) > 0 && read(mbu_fd(c), buf, sizeof(buf)) > 0)
		gone += h->kind == MB_KIND_NOTICE && h->op == MB_NOTICE_GONE &&
			h->handle == handle;
	printf("case=gone-notice-once want=1 got=%d result=%s\n", gone,
	       gone == 1 ? "PASS" : "FAIL");
	failures += gone != 1;
}

/* Cases on an instance we attached to ourselves: the driver's register
 * policy, then what every instance refuses. */
static void instance_cases(struct mbu_chan *c, uint32_t handle,
			   const char *device, int live)
{
	struct mb_dc_reg r = { 0 };
	uint32_t v;
	int err;

	drv->cases(c, handle, device, live);
	if (!live)
		reset_during_bringup_case(c, handle, device);	/* leaves it up */
	bench_status_case(c, handle);
	report("downcall-unknown-op", -EINVAL,
	       mbu_downcall(c, handle, 250, &r, sizeof(r)));
	report("downcall-rd32-short-payload", -EINVAL,
	       mbu_downcall(c, handle, MB_DC_RD32, &r, 2));
	report("downcall-wr8-value-wider-than-the-register", -EINVAL,
	       mbu_downcall(c, handle, MB_DC_WR8,
			    &(struct mb_dc_reg){ drv->allowed_rd32, 0x100 }, sizeof(r)));
	report("link-downcall-bad-value", -EINVAL,
	       mbu_downcall(c, handle, MB_DC_LINK,
			    &(struct mb_dc_link){ 7, 0, 0 }, sizeof(struct mb_dc_link)));
	report("link-downcall-speed-not-this-nic", -EINVAL,
	       mbu_downcall(c, handle, MB_DC_LINK,
			    &(struct mb_dc_link){ 1, 999, 1 }, sizeof(struct mb_dc_link)));

	err = mbu_detach(c, handle);
	report("detach", 0, err);
	report("stale-handle-downcall", -ENOENT,
	       mbu_rd32(c, handle, drv->allowed_rd32, &v));
	if (!live)	/* last: the instance takes no attach for a while */
		churn_case(c, handle);
}

/* Reply to one real upcall with a state that fails the range checks. */
static void bad_state_case(struct mbu_chan *c, uint32_t handle)
{
	static uint64_t buf[MB_MSG_MAX / 8], rep[MB_MSG_MAX / 8];
	const struct mb_hdr *q = (const void *)buf;
	struct pollfd p = { .fd = mbu_fd(c), .events = POLLIN };
	/* as long as a reply to an op without results (watchdog, the usual
	 * upcall here); to any other op the length alone is refused */
	const uint32_t len = drv->rep_state_end;
	ssize_t n;

	if (poll(&p, 1, 5000) <= 0) {
		skip("reply-out-of-range-mtu", "no-upcall-within-5s");
		return;
	}
	n = read(mbu_fd(c), buf, sizeof(buf));
	if (n < (ssize_t)sizeof(struct mb_hdr) || q->kind != MB_KIND_UPCALL) {
		skip("reply-out-of-range-mtu", "no-upcall");
		return;
	}
	reply_begin(rep, sizeof(rep), q, n);
	reply_hdr((struct mb_hdr *)rep, q, len);
	drv->corrupt((uint8_t *)rep + sizeof(*q));
	/* accepted by the channel, refused by the tracker (log: range) */
	report("reply-out-of-range-mtu-delivered", 0,
	       wr(mbu_fd(c), rep, len));
	/* a second reply to the same upcall is stale; with no upcall in flight
	 * it is only refused (with one in flight it would be a protocol
	 * violation and cost us the instance: the garbage-udriver scenario).
	 * The upcalls the kernel sends next (operations held back while no
	 * u-driver served, the watchdog) are answered first, until it has been
	 * quiet for 300 ms: the next watchdog is 2 s away. */
	while (serve_one(c, 0, 0, 300))
		;
	report("reply-duplicate-stale-seq", -EINVAL,
	       wr(mbu_fd(c), rep, len));
}

static int poke(struct mbu_chan *c, uint32_t handle, uint32_t reg, uint32_t val)
{
	int err = mbu_attach(c, handle, drv->name, drv->layout);

	if (!err) {
		err = mbu_wr32(c, handle, reg, val);
		mbu_detach(c, handle);
	}
	printf("poke reg=0x%05x val=0x%08x: %s\n", reg, val,
	       err ? strerror(-err) : "ok");
	return err ? 1 : 0;
}

static const struct hostile_drv *const drivers[] = { &hostile_e1000, &hostile_rtl8139 };

int main(int argc, char **argv)
{
	struct mb_ioc_list l;
	struct mbu_chan *c;
	const char *device = "", *other;
	uint32_t handle = 0, k;
	int err = 0, found = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	drv = drivers[0];
	if (argc >= 3 && !strcmp(argv[1], "-D")) {
		for (k = 0, drv = NULL; k < sizeof(drivers) / sizeof(drivers[0]); k++)
			if (!strcmp(drivers[k]->name, argv[2]))
				drv = drivers[k];
		if (!drv) {
			fprintf(stderr, "mb-hostile: no cases for driver \"%s\" (e1000, rtl8139)\n", argv[2]);
			return 100;
		}
		argc -= 2;
		argv += 2;
	}
	other = drv == drivers[0] ? drivers[1]->name : drivers[0]->name;
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
		if (!strcmp(l.inst[k].driver, drv->name)) {
			handle = l.inst[k].handle;
			device = l.inst[k].device;
			found = 1;
		}
	if (!found) {
		fprintf(stderr, "mb-hostile: no %s instance registered\n", drv->name);
		return 100;
	}
	if (argc == 4 && !strcmp(argv[1], "poke"))
		return poke(c, handle, strtoul(argv[2], NULL, 0),
			    strtoul(argv[3], NULL, 0));
	channel_cases(c, handle);

	err = mbu_attach(c, handle, other, drv->layout);
	report("attach-wrong-driver", -EINVAL, err);
	/* a driver name that would end the kernel's log line and forge one:
	 * refused, and logged escaped */
	err = mbu_attach(c, handle, "x\nmicrobed: event=forged", drv->layout);
	report("attach-driver-name-forging-a-log-line", -EINVAL, err);
	/* a u-driver built from another spec: refused before it serves */
	err = mbu_attach(c, handle, drv->name, drv->layout ^ 1);
	report("attach-other-build-layout", -EPROTO, err);
	err = mbu_attach(c, handle, drv->name, drv->layout);
	if (err == -EBUSY) {
		report("second-attach-refused", -EBUSY, err);
		skip("register-policy", "instance-served-by-a-u-driver");
	} else if (err) {
		report("attach", 0, err);
	} else {
		int live = drv->live(c, handle);

		if (live)
			bad_state_case(c, handle);
		instance_cases(c, handle, device, live);
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
