// SPDX-License-Identifier: GPL-2.0
/*
 * The dispatch loop: attach to every instance of every driver in our
 * table that no u-driver serves (rescanned every second, so load order
 * does not matter), then read messages and hand each upcall to its
 * instance's worker thread.  Every instance has its own worker, which
 * serves that instance's upcalls one at a time (the kernel never has more
 * than one in flight per instance) and writes the replies itself, so an
 * upcall that hangs or loops in one device's handling stalls only that
 * device: the reader and the other instances' workers go on.
 *
 * When the kernel drops an instance (NOTICE_GONE: a timeout, a protocol
 * violation, an unload) its worker is told to finish.  A worker that is
 * busy at that moment is abandoned: the instance is attached afresh with a
 * new worker at once, the old one may no longer reply or make downcalls
 * (mb_dev.gone, checked under its lock).  A worker busy in one upcall for
 * more than MBU_DEMOTE_MS is moved to SCHED_IDLE by the reader (and back
 * when it is done), so that a loop in one device's handling cannot take
 * the CPU from the others' workers.  More than MBU_WEDGED_MAX such
 * workers at once and the process exits (status 3) so that its supervisor
 * starts a clean one and the kernel replays every instance.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mbu.h"

#define MBU_WEDGED_MAX	4	/* abandoned busy workers before we restart */
#define MBU_DEMOTE_MS	500	/* a worker busy this long in one upcall yields */
#define MBU_MAILBOX_MAX	4	/* queued upcalls per instance (the kernel sends one) */

int mbu_verbose;
int mbu_stall_op, mbu_stall_ms;

/* A message waiting for its instance's worker. */
struct mbu_msg {
	struct mbu_msg *next;
	uint32_t len;
	uint64_t buf[];		/* the message, 8-byte aligned */
};

/* A worker: one per attached instance, owner of the instance's state once
 * it has started (it frees both when it finishes). */
struct mbu_worker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct mbu_msg *head, **tail;
	unsigned int queued;
	bool dying;		/* the kernel dropped the instance: finish */
	bool busy;		/* serving an upcall now */
	bool demoted;		/* moved to SCHED_IDLE while busy */
	uint32_t busy_op;
	struct timespec busy_since;
	pid_t tid;
	uint64_t rep[MB_MSG_MAX / 8];
};

static struct mbu_inst *insts;		/* attached, served (reader's list) */
static pthread_mutex_t wedged_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t workers_cv = PTHREAD_COND_INITIALIZER;
static unsigned int wedged, workers;

void mbu_log(const char *fmt, ...)
{
	va_list ap;

	flockfile(stderr);
	fprintf(stderr, "mb-udriver[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	funlockfile(stderr);
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

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Serve one upcall of i (worker thread).  The reply is written under the
 * worker's lock, after a last look at `dying`: once the reader has told us
 * the instance is gone, nothing of ours reaches the kernel under its
 * handle (a fresh attach of the same handle has its own worker). */
static void serve(struct mbu_inst *i, const struct mbu_msg *m)
{
	struct mbu_worker *w = i->worker;
	const struct mb_hdr *h = (const void *)m->buf;
	uint32_t len = sizeof(struct mb_hdr);
	int status;

	if (mbu_stall_ms && h->op == mbu_stall_op) {
		mbu_log("stalling op %u of %s for %d ms (-z)\n", h->op,
			i->device, mbu_stall_ms);
		usleep(mbu_stall_ms * 1000);
	}
	memset(w->rep, 0, sizeof(w->rep));
	/* the null upcall takes the path of every upcall, minus the handler */
	status = h->op == MB_OP_NULL ? 0 :
		 i->drv->upcall(i, m->buf, m->len, w->rep, &len);
	if (len < sizeof(struct mb_hdr) || len > sizeof(w->rep))
		len = sizeof(struct mb_hdr);
	if (status == MBU_NO_REPLY) {
		mbu_log("upcall op %u handle %u: no reply sent\n", h->op,
			h->handle);
		return;
	}
	if (mbu_verbose > 1)
		mbu_log("upcall op %u handle %u -> %d\n", h->op, h->handle,
			status);
	pthread_mutex_lock(&w->mu);
	if (w->dying)
		mbu_log("%s: op %u done after the kernel dropped the instance (%ld ms): reply discarded\n",
			i->device, h->op, ms_since(&w->busy_since));
	else
		reply(i->dev.chan, h, w->rep, len, status);
	pthread_mutex_unlock(&w->mu);
}

static void worker_free(struct mbu_inst *i)
{
	struct mbu_worker *w = i->worker;
	struct mbu_msg *m;

	while ((m = w->head)) {
		w->head = m->next;
		free(m);
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
	free(i);
}

static void *worker_main(void *arg)
{
	struct mbu_inst *i = arg;
	struct mbu_worker *w = i->worker;
	struct mbu_msg *m;
	bool was_wedged;

	w->tid = (pid_t)syscall(SYS_gettid);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->dying)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->dying)
			break;
		m = w->head;
		w->head = m->next;
		if (!w->head)
			w->tail = &w->head;
		w->queued--;
		w->busy = true;
		w->busy_op = ((const struct mb_hdr *)(const void *)m->buf)->op;
		clock_gettime(CLOCK_MONOTONIC, &w->busy_since);
		pthread_mutex_unlock(&w->mu);
		serve(i, m);
		free(m);
		pthread_mutex_lock(&w->mu);
		w->busy = false;
		if (w->demoted) {
			struct sched_param sp = { 0 };

			sched_setscheduler(0, SCHED_OTHER, &sp);
			w->demoted = false;
		}
	}
	was_wedged = w->busy_op == UINT32_MAX;	/* set by abandon() */
	pthread_mutex_unlock(&w->mu);
	if (i->drv->gone)
		i->drv->gone(i);
	worker_free(i);
	pthread_mutex_lock(&wedged_mu);
	if (was_wedged)
		wedged--;
	workers--;
	pthread_cond_broadcast(&workers_cv);
	pthread_mutex_unlock(&wedged_mu);
	return NULL;
}

/* Starts i's worker; 0 or -errno.  Workers take no signals: the reader
 * does (SIGTERM/SIGINT stop it; a crash anywhere kills the process). */
static int worker_start(struct mbu_inst *i)
{
	struct mbu_worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	pthread_attr_t a;
	pthread_t t;
	int err;

	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->tail = &w->head;
	i->worker = w;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	err = -pthread_create(&t, &a, worker_main, i);
	pthread_attr_destroy(&a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		i->worker = NULL;
		return err;
	}
	pthread_mutex_lock(&wedged_mu);
	workers++;
	pthread_mutex_unlock(&wedged_mu);
	return 0;
}

/*
 * The kernel dropped i (or we are leaving): take it off the reader's list
 * and tell its worker to finish.  A busy worker is abandoned (see the top
 * of this file).  Returns the number of abandoned workers still busy.
 */
static unsigned int inst_forget(uint32_t handle)
{
	struct mbu_inst **pp, *i;
	struct mbu_worker *w;
	bool busy;
	long ms = 0;
	uint32_t op = 0;
	pid_t tid;
	unsigned int n;

	for (pp = &insts; (i = *pp); pp = &i->next)
		if (i->handle == handle)
			break;
	if (!i)
		return 0;
	*pp = i->next;
	w = i->worker;
	pthread_mutex_lock(&w->mu);
	w->dying = true;
	__atomic_store_n(&i->dev.gone, 1, __ATOMIC_SEQ_CST);
	busy = w->busy;
	if (busy) {
		op = w->busy_op;
		ms = ms_since(&w->busy_since);
		w->busy_op = UINT32_MAX;	/* counted in `wedged` */
	}
	tid = w->tid;
	mbu_log("instance %u (%s) gone%s\n", handle, i->device,
		busy ? "; its worker is still busy" : "");
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	/* i now belongs to its worker alone: no use of it below */
	if (!busy)
		return 0;
	pthread_mutex_lock(&wedged_mu);
	n = ++wedged;
	pthread_mutex_unlock(&wedged_mu);
	{
		struct sched_param sp = { 0 };
		int r = tid ? sched_setscheduler(tid, SCHED_IDLE, &sp) : -1;

		mbu_log("worker of instance %u abandoned in op %u after %ld ms (%s); %u abandoned now, at most %d\n",
			handle, op, ms, r ? "priority unchanged" : "SCHED_IDLE",
			n, MBU_WEDGED_MAX);
	}
	return n;
}

/* Reader: workers busy in one upcall for more than MBU_DEMOTE_MS yield to
 * the others (SCHED_IDLE until they are done). */
static void demote_slow(void)
{
	struct sched_param sp = { 0 };
	struct mbu_inst *i;
	struct mbu_worker *w;
	long ms;

	for (i = insts; i; i = i->next) {
		w = i->worker;
		pthread_mutex_lock(&w->mu);
		ms = w->busy && !w->demoted ? ms_since(&w->busy_since) : 0;
		if (ms > MBU_DEMOTE_MS && w->tid &&
		    !sched_setscheduler(w->tid, SCHED_IDLE, &sp)) {
			w->demoted = true;
			mbu_log("%s: op %u busy for %ld ms: its worker yields to the others (SCHED_IDLE) until it is done\n",
				i->device, w->busy_op, ms);
		}
		pthread_mutex_unlock(&w->mu);
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
		err = worker_start(i);
		if (err) {
			mbu_log("attach %u (%s): no worker thread: %s\n",
				i->handle, i->device, strerror(-err));
			mbu_detach(c, e->handle);
			if (drv->gone)
				drv->gone(i);
			free(i);
			continue;
		}
		i->next = insts;
		insts = i;
		mbu_log("attached to %s instance %u (%s)\n", drv->name,
			i->handle, i->device);
	}
}

/* Reader: one message from the kernel.  Returns -1 when too many workers
 * are wedged and the process should restart. */
static int dispatch(struct mbu_chan *c, const void *buf, uint32_t n)
{
	static uint64_t null_rep[sizeof(struct mb_hdr) / 8 + 1];
	const struct mb_hdr *h = buf;
	struct mbu_inst *i;
	struct mbu_worker *w;
	struct mbu_msg *m;

	if (n < sizeof(*h) || h->magic != MB_PROTO_MAGIC ||
	    h->version != MB_PROTO_VERSION || h->len != n) {
		mbu_log("dropping malformed message (%u bytes)\n", n);
		return 0;
	}
	if (h->kind == MB_KIND_NOTICE) {
		/* GONE: attach afresh at once if we may; NEW: a k-driver
		 * registered an instance, waiting for us */
		if (h->op == MB_NOTICE_GONE && inst_forget(h->handle) > MBU_WEDGED_MAX)
			return -1;
		if (h->op == MB_NOTICE_GONE || h->op == MB_NOTICE_NEW)
			rescan_now = 1;
		return 0;
	}
	if (h->kind != MB_KIND_UPCALL)
		return 0;
	i = inst_find(h->handle);
	/* An upcall for an instance we do not serve is answered here (the
	 * null upcall of one too: it only asks whether anyone listens). */
	if (!i) {
		reply(c, h, null_rep, sizeof(struct mb_hdr),
		      h->op == MB_OP_NULL ? 0 : -ENODEV);
		return 0;
	}
	w = i->worker;
	m = malloc(sizeof(*m) + ((n + 7) & ~7u));
	if (!m) {
		mbu_log("upcall op %u of %s dropped: out of memory\n", h->op,
			i->device);
		return 0;
	}
	m->next = NULL;
	m->len = n;
	memcpy(m->buf, buf, n);
	pthread_mutex_lock(&w->mu);
	if (w->queued >= MBU_MAILBOX_MAX) {
		pthread_mutex_unlock(&w->mu);
		mbu_log("upcall op %u of %s dropped: %u already queued for its worker\n",
			h->op, i->device, MBU_MAILBOX_MAX);
		free(m);
		return 0;
	}
	*w->tail = m;
	w->tail = &m->next;
	w->queued++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int mbu_run(struct mbu_chan *c, const struct mbu_driver *const *drivers,
	    volatile int *stop)
{
	static uint64_t buf[MB_MSG_MAX / 8];
	struct pollfd p = { .fd = mbu_fd(c), .events = POLLIN };
	struct timespec until;
	time_t last_scan = 0;
	ssize_t n;
	int ret = 0;

	while (!*stop) {
		if (rescan_now || time(NULL) != last_scan) {
			rescan_now = 0;
			scan(c, drivers);
			last_scan = time(NULL);
		}
		demote_slow();
		if (poll(&p, 1, MBU_DEMOTE_MS / 2) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (!(p.revents & POLLIN))
			continue;
		n = read(mbu_fd(c), buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			ret = -errno;
			break;
		}
		if (dispatch(c, buf, (uint32_t)n)) {
			mbu_log("more than %d workers wedged: exiting so that a fresh u-driver takes over\n",
				MBU_WEDGED_MAX);
			return MBU_RUN_WEDGED;
		}
	}
	/* A clean exit detaches explicitly, so the kernel does not count it
	 * as a crash (closing the file is what a crash looks like). */
	while (insts) {
		uint32_t handle = insts->handle;

		mbu_detach(c, handle);
		inst_forget(handle);
	}
	/* Let idle workers finish (1 s at most: a wedged one never will). */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	pthread_mutex_lock(&wedged_mu);
	while (workers > wedged)
		if (pthread_cond_timedwait(&workers_cv, &wedged_mu, &until))
			break;
	pthread_mutex_unlock(&wedged_mu);
	return ret;
}
