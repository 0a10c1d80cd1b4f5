// SPDX-License-Identifier: GPL-2.0
/*
 * What an armed fault point (fault.h, mb-udriver -f/-S/-D) does in a
 * u-driver, the same for every driver: each driver's upcall handler hands
 * its upcalls here with its hooks (name, operations, dispatcher, range
 * corruption), and this decides whether the fault fires and how.  One
 * fault per process, armed in one driver's instances: the other drivers'
 * instances never see it (their op numbers overlap), and since every
 * instance has its own worker thread the trigger is counted under a lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbu.h"
#include "fault.h"
#include "udrv_fault.h"

static struct mb_fault fault;
static pthread_mutex_t fault_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *fault_once;	/* -o FILE: fire at most once across restarts */
static int *volatile fault_null;	/* the NULL the crash writes through */

/* Fault lines go to stderr (the daemon log) and, best effort, to the
 * kernel log in the runtime's fixed form, so a scenario sees them in dmesg
 * next to the kernel's own events. */
static void fault_say(const struct mbu_fault_hooks *h, const char *event,
		      const struct mbu_inst *inst, const char *extra)
{
	char desc[128], line[320];
	int fd, n;

	mb_fault_describe(&fault, desc, sizeof(desc));
	mbu_log("fault %s: %s%s\n", event, desc, extra);
	if (inst)
		n = snprintf(line, sizeof(line), "microbed: event=fault-%s driver=%s dev=%s handle=%u pid=%d prog=mb-udriver %s%s\n",
			     event, h->name, inst->device, inst->handle,
			     (int)getpid(), desc, extra);
	else
		n = snprintf(line, sizeof(line), "microbed: event=fault-%s driver=%s dev=- handle=- pid=%d prog=mb-udriver %s%s\n",
			     event, h->name, (int)getpid(), desc, extra);
	if (n < 0 || n >= (int)sizeof(line))
		return;
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t w = write(fd, line, (size_t)n);

		(void)w;	/* the daemon log has it anyway */
		close(fd);
	}
}

int mbu_fault_arm(const struct mbu_fault_hooks *h, const char *spec,
		  const char *seed, const char *once)
{
	const char *why = "";
	char extra[64] = "";

	fault_once = once;
	if (seed) {
		char *end;
		unsigned long long s = strtoull(seed, &end, 0);

		if (!*seed || *end) {
			mbu_log("fault: -S wants a number, not \"%s\"\n", seed);
			return -EINVAL;
		}
		mb_fault_pick(&fault, s, h->ops);
		snprintf(extra, sizeof(extra), " seed=%llu", s);
	} else if (mb_fault_parse(&fault, spec, h->ops, &why)) {
		mbu_log("fault: bad spec \"%s\": %s\n", spec, why);
		return -EINVAL;
	}
	if (once && access(once, F_OK) == 0) {
		fault_say(h, "skipped", NULL, " reason=once-file-exists");
		fault.kind = MB_FAULT_NONE;
		return 0;
	}
	fault_say(h, "armed", NULL, extra);
	return 0;
}

/* The kernel's upcall timeout, from mb_core's parameter (default 5000). */
static unsigned int upcall_timeout_ms(void)
{
	FILE *fp = fopen("/sys/module/mb_core/parameters/upcall_timeout_ms", "r");
	unsigned int ms = 5000;

	if (fp) {
		if (fscanf(fp, "%u", &ms) != 1)
			ms = 5000;
		fclose(fp);
	}
	return ms;
}

static void leak(void)
{
	static void *volatile chain;	/* keeps the compiler from eliding it */
	static size_t total;
	void **p = malloc(MB_FAULT_LEAK_BYTES);

	if (!p)
		return;
	memset(p, 0xa5, MB_FAULT_LEAK_BYTES);	/* touched: really resident */
	*p = chain;
	chain = p;
	total += MB_FAULT_LEAK_BYTES;
	mbu_log("fault leak: %zu MiB leaked so far\n", total >> 20);
}

/* A malformed reply to upcall q instead of the real one (rep, len). */
static void garbage(struct mbu_inst *inst, const struct mb_hdr *q, void *rep,
		    uint32_t len)
{
	static uint8_t buf[MB_MSG_MAX + 256];
	struct mb_hdr *h = rep;
	uint32_t n, i;
	ssize_t w;

	*h = (struct mb_hdr){
		.magic = MB_PROTO_MAGIC, .version = MB_PROTO_VERSION,
		.kind = MB_KIND_REPLY, .op = q->op, .handle = q->handle,
		.seq = q->seq, .len = len,
	};
	switch (fault.sub) {
	case MB_FAULT_GARBAGE_RANDOM:	/* random bytes, random length */
		n = 1 + (uint32_t)(mb_fault_rand(&fault) % sizeof(buf));
		for (i = 0; i < n; i++)
			buf[i] = (uint8_t)mb_fault_rand(&fault);
		w = write(mbu_fd(inst->dev.chan), buf, n);
		break;
	case MB_FAULT_GARBAGE_LENGTH:	/* header says more than is written */
		h->len = len + 64;
		n = len;
		w = write(mbu_fd(inst->dev.chan), rep, n);
		break;
	default:			/* a well-formed reply to a wrong seq */
		h->seq = q->seq + 1000;
		n = len;
		w = write(mbu_fd(inst->dev.chan), rep, n);
		break;
	}
	mbu_log("fault garbage: wrote %u bytes -> %s\n", n,
		w < 0 ? strerror(errno) : "accepted");
}

int mbu_fault_upcall(const struct mbu_fault_hooks *h, struct mbu_inst *inst,
		     const void *msg, uint32_t len, void *rep, uint32_t *rep_len)
{
	const struct mb_hdr *q = msg;
	unsigned int ms;
	int status;
	bool hit;

	if (fault.ops != h->ops)	/* armed in another driver, or not at all */
		return h->dispatch(inst->priv, msg, len, rep, rep_len);
	pthread_mutex_lock(&fault_mu);
	if (mb_fault_leaking(&fault))
		leak();
	hit = mb_fault_hit(&fault, q->op);
	pthread_mutex_unlock(&fault_mu);
	if (!hit)
		return h->dispatch(inst->priv, msg, len, rep, rep_len);

	if (fault_once) {
		int fd = open(fault_once, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
	}
	{
		char at[32];

		snprintf(at, sizeof(at), " call=%u", fault.calls);
		fault_say(h, "fired", inst, at);
	}
	switch (fault.kind) {
	case MB_FAULT_CRASH:
		*fault_null = 1;	/* SIGSEGV */
		break;
	case MB_FAULT_LOOP:
		for (;;)
			__asm__ volatile("" ::: "memory");
	case MB_FAULT_LEAK:
		leak();
		break;
	default:
		break;
	}
	status = h->dispatch(inst->priv, msg, len, rep, rep_len);
	switch (fault.kind) {
	case MB_FAULT_RETVAL:
		status = fault.sub == MB_FAULT_RETVAL_POSITIVE ? 0x12345 :
			 fault.sub == MB_FAULT_RETVAL_NONERRNO ? -100000 : -MB_EIO;
		mbu_log("fault retval: op %u returns %d\n", q->op, status);
		break;
	case MB_FAULT_RANGE:
		h->range(rep, *rep_len, fault.sub);
		break;
	case MB_FAULT_LATE:
		ms = upcall_timeout_ms() + MB_FAULT_LATE_EXTRA_MS;
		mbu_log("fault late: replying after %u ms\n", ms);
		usleep(ms * 1000u);
		break;
	case MB_FAULT_GARBAGE:
		garbage(inst, q, rep, *rep_len);
		return MBU_NO_REPLY;
	}
	return status;
}
