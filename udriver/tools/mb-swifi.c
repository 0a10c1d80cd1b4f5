// SPDX-License-Identifier: GPL-2.0
/*
 * mb-swifi -p PID -s SEED [-r text|data|heap|stack] [-n BITS] [-x COMM]:
 * software-
 * implemented fault injection into a running process, as SWIFI tools do
 * (Nooks' and MINIX 3's campaigns flip bits in a driver's memory).  From
 * the seed it picks a region of PID's memory (unless -r names one), an
 * address in it and a bit, and flips that bit through /proc/PID/mem
 * (root may write even read-only text: the kernel copies the page on
 * write, as for a debugger's breakpoint).  Regions, from /proc/PID/maps:
 *   text   executable mappings of PID's own program file
 *   data   its writable file mappings and the anonymous mapping right
 *          after them (.data, .bss)
 *   heap   [heap] (malloc's main arena)
 *   stack  the live frames of one of PID's threads, chosen from the seed:
 *          up to 1 KiB above the stack pointer the kernel reports for a
 *          blocked thread in /proc/PID/task/TID/syscall; -x leaves out the
 *          threads named COMM (the test harness's own, e.g. mb-udriver's
 *          arming thread "mb-arm")
 * Each flip is said on stdout and in the kernel log, exactly what changed:
 *   microbed: event=swifi-fired kind=bitflip region=R pid=P tid=T seed=S
 *   addr=0x... map=LO-HI perms=.... file=... bit=B old=0x.. new=0x..
 * The same seed on the same binary and process state flips the same bit.
 * The read and the write are two accesses: a thread that writes the same
 * byte in between loses the flip (the target is normally idle, blocked in
 * the kernel).  Exit status: 0 flipped, 1 could not (said why), 2 usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MAPS	512
#define MAX_TASKS	256
#define STACK_SPAN	1024	/* bytes above the stack pointer: the live frames */

static const char *const regions[] = { "text", "data", "heap", "stack" };
#define NREGIONS (sizeof(regions) / sizeof(regions[0]))

struct map {
	uint64_t lo, hi;
	char perms[5];
	char path[256];
};

static struct map maps[MAX_MAPS];
static int nmaps;

static void usage(void)
{
	fprintf(stderr, "usage: mb-swifi -p PID -s SEED [-r text|data|heap|stack] [-n BITS] [-x COMM]\n"
			"  flips BITS (default 1) bits, chosen from SEED, in PID's memory\n"
			"  (the region too, unless -r names one); says each on stdout and\n"
			"  in the kernel log; -x: no stack flips in threads named COMM\n");
	exit(2);
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "mb-swifi: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

/* splitmix64: the whole campaign's randomness comes from the seed. */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void read_maps(int pid)
{
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		die("cannot read the memory map: %s (is the PID right, and are we root?)", strerror(errno));
	while (nmaps < MAX_MAPS && fgets(line, sizeof(line), f)) {
		struct map *m = &maps[nmaps];
		int n = 0;

		m->path[0] = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %*s %*s %*s %n", &m->lo, &m->hi, m->perms, &n) < 3)
			continue;
		if (n > 0)
			sscanf(line + n, "%255[^\n]", m->path);
		nmaps++;
	}
	fclose(f);
}

static int is_exe(const struct map *m, const char *exe)
{
	return m->path[0] && !strcmp(m->path, exe);
}

/* The mappings of a region, as indices into maps[]; their count. */
static int region_maps(const char *region, const char *exe, int *idx)
{
	int i, n = 0;

	for (i = 0; i < nmaps; i++) {
		const struct map *m = &maps[i];
		int take = 0;

		if (!strcmp(region, "text"))
			take = is_exe(m, exe) && m->perms[2] == 'x';
		else if (!strcmp(region, "data"))
			take = m->perms[0] == 'r' && m->perms[1] == 'w' &&
			       (is_exe(m, exe) || (!m->path[0] && i > 0 && is_exe(&maps[i - 1], exe)));
		else if (!strcmp(region, "heap"))
			take = !strcmp(m->path, "[heap]");
		if (take)
			idx[n++] = i;
	}
	return n;
}

static int map_of(uint64_t addr)
{
	int i;

	for (i = 0; i < nmaps; i++)
		if (addr >= maps[i].lo && addr < maps[i].hi)
			return i;
	return -1;
}

/* Is thread tid named comm (its /proc comm)? */
static int thread_named(int pid, int tid, const char *comm)
{
	char path[96], buf[64];
	int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return !strcmp(buf, comm);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The stack pointer of blocked thread tid (0 while it runs, or unknown). */
static uint64_t thread_sp(int pid, int tid)
{
	char path[96], buf[512], *last, *prev;
	int fd, i;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	for (i = 0; i < 200; i++) {	/* a running thread blocks again soon */
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return 0;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			if (strncmp(buf, "running", 7)) {
				/* "NR ARGS... SP PC" (or "-1 SP PC" outside a syscall) */
				buf[strcspn(buf, "\n")] = 0;
				last = strrchr(buf, ' ');
				if (!last)
					return 0;
				*last = 0;
				prev = strrchr(buf, ' ');
				return prev ? strtoull(prev + 1, NULL, 16) : 0;
			}
		}
		usleep(1000);
	}
	return 0;
}

static void say(const char *line)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	fputs(line, stdout);
	fflush(stdout);
	if (fd >= 0) {
		ssize_t w = write(fd, line, strlen(line));

		(void)w;	/* stdout has it anyway */
		close(fd);
	}
}

int main(int argc, char **argv)
{
	const char *region = NULL, *seed_arg = NULL, *skip_comm = NULL;
	int pid = 0, bits = 1, opt, i, mem;
	char exe[256], path[64], line[768];
	uint64_t seed, s;
	ssize_t n;

	while ((opt = getopt(argc, argv, "p:s:r:n:x:")) != -1) {
		if (opt == 'p')
			pid = atoi(optarg);
		else if (opt == 's')
			seed_arg = optarg;
		else if (opt == 'r')
			region = optarg;
		else if (opt == 'n')
			bits = atoi(optarg);
		else if (opt == 'x')
			skip_comm = optarg;
		else
			usage();
	}
	if (pid <= 0 || !seed_arg || bits < 1 || bits > 64 || optind != argc)
		usage();
	if (region) {
		for (i = 0; i < (int)NREGIONS && strcmp(region, regions[i]); i++)
			;
		if (i == (int)NREGIONS)
			die("-r %s: not a region (text, data, heap or stack)", region);
	}
	{
		char *end;

		seed = strtoull(seed_arg, &end, 0);
		if (!*seed_arg || *end)
			die("-s wants a number, not \"%s\"", seed_arg);
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		die("no process to inject into: %s", strerror(errno));
	exe[n] = 0;
	read_maps(pid);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDWR | O_CLOEXEC);
	if (mem < 0)
		die("cannot open its memory: %s (root is needed)", strerror(errno));

	s = seed;
	for (int b = 0; b < bits; b++) {
		const char *r = region ? region : regions[next(&s) % NREGIONS];
		uint64_t addr, sp = 0;
		int idx[MAX_MAPS], nm, tid = pid, m, bit;
		unsigned char old, neu;

		if (!strcmp(r, "stack")) {
			int tids[MAX_TASKS], nt = 0;
			struct dirent *de;
			DIR *d;

			snprintf(path, sizeof(path), "/proc/%d/task", pid);
			d = opendir(path);
			if (!d)
				die("cannot list its threads: %s", strerror(errno));
			while (nt < MAX_TASKS && (de = readdir(d)))
				if (de->d_name[0] != '.' &&
				    !(skip_comm && thread_named(pid, atoi(de->d_name), skip_comm)))
					tids[nt++] = atoi(de->d_name);
			closedir(d);
			if (!nt)
				die("%s", "it has no threads left");
			qsort(tids, nt, sizeof(tids[0]), cmp_int);
			tid = tids[next(&s) % nt];
			sp = thread_sp(pid, tid);
			m = sp ? map_of(sp) : -1;
			if (m < 0)
				die("%s", "no stack pointer for the chosen thread (it kept running for 200 ms, or is gone)");
			addr = sp + next(&s) % STACK_SPAN;
			if (addr >= maps[m].hi)
				addr = maps[m].hi - 1 - next(&s) % (maps[m].hi - sp);
		} else {
			uint64_t total = 0, off;

			nm = region_maps(r, exe, idx);
			for (i = 0; i < nm; i++)
				total += maps[idx[i]].hi - maps[idx[i]].lo;
			if (!total)
				die("it has no %s region", r);
			off = next(&s) % total;
			for (i = 0; off >= maps[idx[i]].hi - maps[idx[i]].lo; i++)
				off -= maps[idx[i]].hi - maps[idx[i]].lo;
			m = idx[i];
			addr = maps[m].lo + off;
		}
		bit = (int)(next(&s) % 8);
		if (pread(mem, &old, 1, (off_t)addr) != 1)
			die("cannot read the chosen byte: %s", strerror(errno));
		neu = old ^ (unsigned char)(1u << bit);
		if (pwrite(mem, &neu, 1, (off_t)addr) != 1)
			die("cannot write the chosen byte: %s", strerror(errno));
		snprintf(line, sizeof(line),
			 "microbed: event=swifi-fired kind=bitflip region=%s pid=%d tid=%d seed=%" PRIu64
			 " flip=%d addr=0x%" PRIx64 " map=%" PRIx64 "-%" PRIx64 " perms=%s file=%s bit=%d old=0x%02x new=0x%02x\n",
			 r, pid, tid, seed, b + 1, addr, maps[m].lo, maps[m].hi, maps[m].perms,
			 maps[m].path[0] ? maps[m].path : "-", bit, old, neu);
		if (sp) {
			char extra[48];

			snprintf(extra, sizeof(extra), " sp=0x%" PRIx64 "\n", sp);
			line[strlen(line) - 1] = 0;
			strncat(line, extra, sizeof(line) - strlen(line) - 1);
		}
		say(line);
	}
	close(mem);
	return 0;
}
