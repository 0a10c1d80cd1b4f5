// SPDX-License-Identifier: GPL-2.0
/*
 * mb-pkt: minimum-size UDP frames out of the guest, for small-packets' tx
 * direction.  iperf3 as the guest's sender paces by polling its clock: under
 * TCG that loop used the whole vCPU at 2000 packets/s and still sent a
 * sixth of them, so the guest's CPU per packet measured iperf3, not the
 * driver.  This sends 18-byte payloads (64-byte frames) in batches of
 * sendmmsg(2), at a fixed rate paced against an absolute clock
 * (clock_nanosleep every TICK_US), or as fast as it goes (rate 0), and
 * samples the guest's CPU (/proc/uptime: busy is time not idle) over the steady part of the run:
 * from 1 s after the start to 1 s before the end.
 *   mb-pkt send IP PORT PPS SECONDS     (PPS 0: as fast as it goes; SECONDS >= 3)
 * Output, one line:
 *   sent=<packets> seconds=<s> cpu_busy=<cs> cpu_total=<cs>   (centiseconds, all CPUs)
 * Exit 1 on a failure (said on stderr), 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 18	/* 14 Ethernet + 20 IPv4 + 8 UDP + 18 + 4 FCS = 64 */
#define BATCH 32
#define TICK_US 1000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The guest's CPU as busy and total centiseconds, from /proc/uptime: the time since boot times
 * the online CPUs, and the idle time summed over them.  Not /proc/stat's user and system
 * columns: those are sampled at the scheduler tick (4 ms), and at a fixed packet rate this
 * program's few microseconds of work per millisecond wake-up fall between ticks, so they read
 * as no CPU at all (0 of 489 ticks at 1000 packets/s under TCG); the kernel measures idle
 * (tickless) by the clock at each idle entry and exit.
 */
static int cpu_sample(unsigned long long *busy, unsigned long long *total)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double up, idle;
	FILE *f = fopen("/proc/uptime", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%lf %lf", &up, &idle);
	fclose(f);
	if (n != 2 || cpus < 1) {
		errno = EINVAL;
		return -1;
	}
	*total = (unsigned long long)(up * cpus * 100 + 0.5);
	idle = idle * 100 + 0.5;
	*busy = *total > idle ? *total - (unsigned long long)idle : 0;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: mb-pkt send IP PORT PPS SECONDS   (PPS 0: as fast as it goes; SECONDS >= 3)\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	char payload[BATCH][PAYLOAD];
	unsigned long long b0 = 0, t0 = 0, b1 = 0, t1 = 0, sent = 0;
	double start, end, pps, secs, t;
	int fd, i, n, sampled = 0;
	struct timespec next;
	char *e;

	if (argc != 6 || strcmp(argv[1], "send"))
		return usage();
	if (inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
		fprintf(stderr, "mb-pkt: %s is not an IPv4 address\n", argv[2]);
		return 2;
	}
	dst.sin_port = htons(atoi(argv[3]));
	pps = strtod(argv[4], &e);
	if (*e || pps < 0) {
		fprintf(stderr, "mb-pkt: PPS must be a number >= 0, not %s\n", argv[4]);
		return 2;
	}
	secs = strtod(argv[5], &e);
	if (*e || secs < 3) {
		fprintf(stderr, "mb-pkt: SECONDS must be at least 3 (the CPU is sampled but for the first and last second), not %s\n", argv[5]);
		return 2;
	}
	/* not connected: an ICMP port unreachable from the host side (nothing listens there;
	 * its tap counts the frames) must not turn into ECONNREFUSED on the next send */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		fprintf(stderr, "mb-pkt: socket: %s\n", strerror(errno));
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		memset(payload[i], 0x6d, PAYLOAD);
		iov[i].iov_base = payload[i];
		iov[i].iov_len = PAYLOAD;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}
	start = now_s();
	end = start + secs;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		unsigned long long due;

		t = now_s();
		if (t >= end)
			break;
		if (sampled == 0 && t >= start + 1) {
			if (cpu_sample(&b0, &t0))
				return fprintf(stderr, "mb-pkt: /proc/uptime: %s\n", strerror(errno)), 1;
			sampled = 1;
		} else if (sampled == 1 && t >= end - 1) {
			if (cpu_sample(&b1, &t1))
				return fprintf(stderr, "mb-pkt: /proc/uptime: %s\n", strerror(errno)), 1;
			sampled = 2;
		}
		/* what the rate says should be out by now, in batches; a full socket buffer
		 * (ENOBUFS) only delays: the next tick sends what is due then */
		due = pps > 0 ? (unsigned long long)((t - start) * pps) : sent + BATCH;
		while (sent < due) {
			n = due - sent < BATCH ? (int)(due - sent) : BATCH;
			n = sendmmsg(fd, msgs, n, 0);
			if (n < 0) {
				if (errno == ENOBUFS || errno == EAGAIN)
					break;
				fprintf(stderr, "mb-pkt: sendmmsg: %s\n", strerror(errno));
				return 1;
			}
			sent += n;
		}
		if (pps > 0) {
			next.tv_nsec += TICK_US * 1000;
			if (next.tv_nsec >= 1000000000) {
				next.tv_sec++;
				next.tv_nsec -= 1000000000;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
	}
	if (sampled != 2) {
		fprintf(stderr, "mb-pkt: the run ended before its CPU window closed\n");
		return 1;
	}
	printf("sent=%llu seconds=%.3f cpu_busy=%llu cpu_total=%llu\n", sent, now_s() - start, b1 - b0, t1 - t0);
	return 0;
}
