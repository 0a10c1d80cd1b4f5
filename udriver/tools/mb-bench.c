// SPDX-License-Identifier: GPL-2.0
/*
 * mb-bench: the upcall-latency measurement.  Round trip of a null upcall
 * (kernel -> u-driver -> kernel, timed in the kernel by MB_IOC_BENCH)
 * against a null ioctl (MB_DC_NULL downcall, timed here), in one run.
 *   mb-bench [-d DEVICE] [count]   default 10000; needs a u-driver attached
 *   -d: the instance of DEVICE (its PCI name, as the kernel lists it);
 *       default the last attached instance
 * Output, one line:
 *   upcall_null_us=<avg> ioctl_null_us=<avg> ratio=<upcall/ioctl> count=<n>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "../lib/mbu.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct mb_ioc_bench b = { 0 };
	struct mb_ioc_list l;
	struct mbu_chan *c;
	uint32_t count = 10000, i, k;
	const char *device = NULL;
	double t0, ioctl_ns, upcall_ns;
	int err = 0;

	if (argc > 2 && !strcmp(argv[1], "-d")) {
		device = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc > 1) {
		char *end;

		count = strtoul(argv[1], &end, 0);
		if (!*argv[1] || *end || !count) {
			fprintf(stderr, "mb-bench: count wants a positive number, not \"%s\"\nusage: mb-bench [-d DEVICE] [count]\n", argv[1]);
			return 2;
		}
	}

	c = mbu_open("/dev/microbed", &err);
	if (!c || mbu_list(c, &l)) {
		fprintf(stderr, "mb-bench: channel: %s\n", strerror(-err));
		return 1;
	}
	for (k = 0; k < l.count && k < MB_LIST_MAX; k++)
		if (l.inst[k].attached && (!device ||
		    !strncmp(l.inst[k].device, device, sizeof(l.inst[k].device))))
			b.handle = l.inst[k].handle;
	if (!b.handle) {
		fprintf(stderr, "mb-bench: no instance%s%s with a u-driver attached\n",
			device ? " of " : "", device ? device : "");
		return 1;
	}
	b.count = count;
	if (ioctl(mbu_fd(c), MB_IOC_BENCH, &b) < 0) {
		fprintf(stderr, "mb-bench: MB_IOC_BENCH: %s\n", strerror(errno));
		return 1;
	}
	upcall_ns = (double)b.total_ns / b.count;

	t0 = now_ns();
	for (i = 0; i < count; i++)
		if (mbu_downcall(c, 0, MB_DC_NULL, &b, 0)) {
			fprintf(stderr, "mb-bench: null downcall failed\n");
			return 1;
		}
	ioctl_ns = (now_ns() - t0) / count;

	printf("upcall_null_us=%.2f ioctl_null_us=%.2f ratio=%.1f count=%u\n",
	       upcall_ns / 1000, ioctl_ns / 1000, upcall_ns / ioctl_ns, count);
	mbu_close(c);
	return 0;
}
