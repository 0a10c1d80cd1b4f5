/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mb_core internals shared by its files.  One mutex, mb_lock, guards the
 * instance table, every channel's queue and every attach binding; it is
 * never held while sleeping for user space.
 */
#ifndef MB_CORE_INTERNAL_H
#define MB_CORE_INTERNAL_H

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mb_core.h"

#define MB_CRASH_HISTORY	16
#define MB_ATTACH_HISTORY	32	/* bounds attach_burst */
#define MB_CHAN_QUEUE_MAX	256	/* messages one channel may have unread */

/* Lines of the fixed form one instance may log per interval (its own
 * budget, so one instance's churn cannot silence another's). */
struct mb_evlimit {
	spinlock_t lock;
	unsigned long begin;	/* jiffies the interval began, 0: never */
	u32 printed;
	u32 suppressed;
};

/* An upcall in flight; lives on the calling thread's stack. */
struct mb_pending {
	u64 seq;
	void *rep;
	u32 cap;
	int status;		/* reply length or -errno */
	struct completion done;
};

/* A queued kernel-to-user message; whoever unlinks it frees it. */
struct mb_qmsg {
	struct list_head node;
	u32 len;
	struct mb_hdr hdr;	/* followed by the payload */
};

/* One open of /dev/microbed: one u-driver process. */
struct mb_chan {
	struct list_head node;		/* in mb_chans */
	struct list_head queue;		/* struct mb_qmsg */
	u32 queued;			/* messages on queue */
	struct list_head insts;		/* attached struct mb_inst */
	wait_queue_head_t wq;
	pid_t pid;
	struct pid *tgid;		/* the opener, to kill it when declared dead */
};

struct mb_inst {
	u32 handle;
	struct mb_kdrv_desc desc;
	char driver[MB_NAME_LEN];
	char device[MB_NAME_LEN];
	struct mb_chan *chan;		/* NULL: no u-driver */
	struct list_head chan_node;
	struct mb_pending *cur;		/* upcall in flight */
	struct mutex call_lock;		/* one upcall at a time */
	u32 users;			/* benches running; unregister waits */
	pid_t pid;			/* of the attached u-driver */
	enum mb_rings rings;		/* what the register policy allows */
	bool closing;
	bool retired;			/* crash loop: no attaches until the cool-down */
	unsigned long retired_at;	/* jiffies of the giveup */
	unsigned long retired_until;	/* jiffies the cool-down ends */
	unsigned long unretired_at;	/* jiffies of the last unretire, 0: never */
	u32 retirements;		/* giveups in a row: the backoff's exponent */
	u32 retired_refused;		/* control operations refused this retirement */
	unsigned long crash_at[MB_CRASH_HISTORY];
	u32 crashes;
	unsigned long attach_at[MB_ATTACH_HISTORY];	/* churn limit */
	u32 attaches;			/* ever taken: also the attach generation */
	u32 detaches;			/* ever: a control operation's generation */
	struct mb_evlimit ev;

	/* shadow.c: recovery */
	bool initialized;		/* device init succeeded: replay to new u-drivers */
	bool outage;			/* u-driver gone, replay not done yet */
	bool quiesced;			/* unloading: nobody waits any more */
	wait_queue_head_t served_wq;	/* woken when an outage ends */
	struct work_struct replay_work;
	struct work_struct retire_work;
};

extern struct mutex mb_lock;
extern struct list_head mb_chans;	/* every open channel */
extern wait_queue_head_t mb_attach_wq;
extern unsigned int mb_upcall_timeout_ms;

/* core.c */
struct mb_inst *mb_inst_find(u32 handle);
struct mb_inst *mb_inst_next(u32 *handle);
bool mb_attach_churn_locked(struct mb_inst *inst, u32 *recent);
void mb_detach_locked(struct mb_inst *inst, const char *reason, bool crash);
bool mb_retire_expired(struct mb_inst *inst);
u32 mb_retire_left_s(struct mb_inst *inst);
void mb_chan_event(struct mb_chan *chan, const char *event,
		   const char *fmt, ...) __printf(3, 4);
bool mb_hdr_ok(const struct mb_hdr *h, u32 len, u16 kind);

/* upcall.c */
int mb_queue_msg(struct mb_chan *chan, const struct mb_hdr *h,
		 const void *payload, u32 len);
void mb_queue_notice(struct mb_chan *chan, u16 op, u32 handle);
void mb_unqueue(struct mb_chan *chan, struct mb_qmsg *m);
void mb_purge_handle_locked(struct mb_chan *chan, u32 handle);
int mb_reply(struct mb_chan *chan, const void *buf, u32 len);

long mb_bench(struct mb_chan *chan, void __user *u);

/* policy.c */
long mb_downcall(struct mb_chan *chan, struct mb_downcall __user *u);

/* shadow.c: what the core tells the shadow layer, core lock held */
extern unsigned int mb_attach_timeout_s;
void mb_shadow_init(struct mb_inst *inst);
void mb_shadow_attached_locked(struct mb_inst *inst);
void mb_shadow_detached_locked(struct mb_inst *inst);

/* chan.c */
int mb_chan_register(void);
void mb_chan_unregister(void);

#endif /* MB_CORE_INTERNAL_H */
