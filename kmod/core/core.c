// SPDX-License-Identifier: GPL-2.0
/*
 * mb_core: instance registry (handles, never pointers), attach/detach,
 * crash-loop accounting, the fixed-form log lines, module parameters.
 */
#include <linux/idr.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/ratelimit.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "core_internal.h"

unsigned int mb_upcall_timeout_ms = 5000;
module_param_named(upcall_timeout_ms, mb_upcall_timeout_ms, uint, 0644);
MODULE_PARM_DESC(upcall_timeout_ms,
		 "ms an upcall waits for its reply before the u-driver is declared dead (default 5000)");

static unsigned int max_restarts = 5;
module_param(max_restarts, uint, 0644);
MODULE_PARM_DESC(max_restarts,
		 "u-driver deaths tolerated per instance within restart_window_s before it is retired (default 5)");

static unsigned int restart_window_s = 60;
module_param(restart_window_s, uint, 0644);
MODULE_PARM_DESC(restart_window_s, "crash-loop window in seconds (default 60)");

DEFINE_MUTEX(mb_lock);
LIST_HEAD(mb_chans);
DECLARE_WAIT_QUEUE_HEAD(mb_attach_wq);
static DEFINE_IDR(mb_idr);
static DEFINE_RATELIMIT_STATE(mb_refuse_rs, 5 * HZ, 50);

static bool mb_event_allowed(const char *event)
{
	return strcmp(event, "refuse") || __ratelimit(&mb_refuse_rs);
}

void mb_core_event(struct mb_inst *inst, const char *event,
		   const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (!mb_event_allowed(event))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info("microbed: event=%s driver=%s dev=%s handle=%u pid=%d %pV\n",
		event, inst->driver, inst->device, inst->handle, inst->pid,
		&vaf);
	va_end(args);
}
EXPORT_SYMBOL_GPL(mb_core_event);

/* Same form for events that concern a channel but no known instance. */
void mb_chan_event(struct mb_chan *chan, const char *event,
		   const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (!mb_event_allowed(event))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info("microbed: event=%s driver=- dev=- handle=- pid=%d %pV\n",
		event, chan ? chan->pid : task_tgid_nr(current), &vaf);
	va_end(args);
}

bool mb_hdr_ok(const struct mb_hdr *h, u32 len, u16 kind)
{
	return h->magic == MB_PROTO_MAGIC && h->version == MB_PROTO_VERSION &&
	       h->kind == kind && h->reserved == 0 && h->len == len;
}

struct mb_inst *mb_inst_find(u32 handle)
{
	struct mb_inst *inst;

	lockdep_assert_held(&mb_lock);
	inst = handle ? idr_find(&mb_idr, handle) : NULL;
	return inst && !inst->closing ? inst : NULL;
}

/* True when this death makes more than max_restarts in the window. */
static bool mb_crash_loop(struct mb_inst *inst)
{
	unsigned long now = jiffies, window = restart_window_s * HZ;
	u32 i, n = min_t(u32, inst->crashes + 1, MB_CRASH_HISTORY), recent = 0;

	inst->crash_at[inst->crashes % MB_CRASH_HISTORY] = now;
	inst->crashes++;
	for (i = 0; i < n; i++)
		if (time_before_eq(now - window, inst->crash_at[i]))
			recent++;
	return recent > max_restarts;
}

/*
 * A retired instance takes a u-driver again once restart_window_s has passed
 * since the giveup: the crash history starts afresh.  Core lock held.
 */
bool mb_retire_expired(struct mb_inst *inst)
{
	if (!time_after(jiffies, inst->retired_at + restart_window_s * HZ))
		return false;
	inst->retired = false;
	inst->crashes = 0;
	memset(inst->crash_at, 0, sizeof(inst->crash_at));
	mb_core_event(inst, "unretire", "after_s=%u",
		      jiffies_to_msecs(jiffies - inst->retired_at) / 1000);
	return true;
}

/*
 * Unbind the instance from its u-driver: fail the upcall in flight, drop
 * its queued messages, tell the u-driver (if its channel stays open) and
 * the k-driver.  `crash` counts towards the crash-loop limit.
 */
void mb_detach_locked(struct mb_inst *inst, const char *reason, bool crash)
{
	struct mb_chan *chan = inst->chan;
	struct mb_hdr gone = {
		.kind = MB_KIND_NOTICE, .op = MB_NOTICE_GONE,
		.handle = inst->handle,
	};

	lockdep_assert_held(&mb_lock);
	if (!chan)
		return;
	if (inst->cur) {
		inst->cur->status = -ENOTCONN;
		complete(&inst->cur->done);
		inst->cur = NULL;
	}
	mb_purge_handle_locked(chan, inst->handle);
	list_del_init(&inst->chan_node);
	inst->chan = NULL;
	mb_core_event(inst, "detach", "reason=%s", reason);
	/* Declared dead while still running (wedged, looping, stopped): make
	 * it so, so that its supervisor starts a fresh one. */
	if (!strcmp(reason, "timeout") && chan->tgid &&
	    !kill_pid(chan->tgid, SIGKILL, 1))
		mb_core_event(inst, "kill", "reason=%s signal=KILL", reason);
	if (strcmp(reason, "closed"))
		mb_queue_msg(chan, &gone, NULL, 0);
	if (crash && mb_crash_loop(inst)) {
		inst->retired = true;
		inst->retired_at = jiffies;
		mb_core_event(inst, "giveup", "reason=crash-loop deaths=%u window_s=%u",
			      inst->crashes, restart_window_s);
	}
	inst->pid = 0;
	if (inst->desc.ops && inst->desc.ops->detached && !inst->closing)
		inst->desc.ops->detached(inst->desc.priv, inst->retired);
}

/*
 * Tell every open channel that an instance registered, so that a waiting
 * u-driver attaches now rather than at its next periodic scan.  One unread
 * NEW per channel is enough (it only says "list again"): a channel that
 * never reads holds one, however many instances come.
 */
static void mb_announce_locked(u32 handle)
{
	const struct mb_hdr new = {
		.kind = MB_KIND_NOTICE, .op = MB_NOTICE_NEW, .handle = handle,
	};
	struct mb_chan *chan;
	struct mb_qmsg *m;
	bool queued;

	lockdep_assert_held(&mb_lock);
	list_for_each_entry(chan, &mb_chans, node) {
		queued = false;
		list_for_each_entry(m, &chan->queue, node)
			queued |= m->hdr.kind == MB_KIND_NOTICE &&
				  m->hdr.op == MB_NOTICE_NEW;
		if (!queued)
			mb_queue_msg(chan, &new, NULL, 0);
	}
}

struct mb_inst *mb_core_register(const struct mb_kdrv_desc *desc)
{
	struct mb_inst *inst;
	int id;

	if (!desc->driver || !desc->device || !desc->ops || desc->mmio_len < 4)
		return ERR_PTR(-EINVAL);
	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst)
		return ERR_PTR(-ENOMEM);
	inst->desc = *desc;
	strscpy(inst->driver, desc->driver, sizeof(inst->driver));
	strscpy(inst->device, desc->device, sizeof(inst->device));
	INIT_LIST_HEAD(&inst->chan_node);
	mutex_init(&inst->call_lock);

	mutex_lock(&mb_lock);
	/* cyclic: a stale handle is not soon reused by another instance */
	id = idr_alloc_cyclic(&mb_idr, inst, 1, INT_MAX, GFP_KERNEL);
	if (id > 0) {
		inst->handle = id;
		mb_announce_locked(id);
	}
	mutex_unlock(&mb_lock);
	if (id < 0) {
		kfree(inst);
		return ERR_PTR(id);
	}
	mb_core_event(inst, "register", "mmio_len=%u rules=%u", desc->mmio_len,
		      desc->n_rules);
	return inst;
}
EXPORT_SYMBOL_GPL(mb_core_register);

void mb_core_quiesce(struct mb_inst *inst)
{
	mutex_lock(&mb_lock);
	inst->closing = true;
	if (inst->cur) {
		inst->cur->status = -ESHUTDOWN;
		complete(&inst->cur->done);
		inst->cur = NULL;
	}
	mutex_unlock(&mb_lock);
	wake_up_all(&mb_attach_wq);
}
EXPORT_SYMBOL_GPL(mb_core_quiesce);

void mb_core_unregister(struct mb_inst *inst)
{
	if (!inst)
		return;
	mutex_lock(&mb_lock);
	inst->closing = true;
	mb_detach_locked(inst, "unregister", false);
	idr_remove(&mb_idr, inst->handle);
	mb_core_event(inst, "unregister", "crashes=%u", inst->crashes);
	mutex_unlock(&mb_lock);
	wake_up_all(&mb_attach_wq);
	/* a bench may still hold the instance; it fails fast once closing */
	wait_event(mb_attach_wq, !READ_ONCE(inst->users));
	kfree(inst);
}
EXPORT_SYMBOL_GPL(mb_core_unregister);

bool mb_core_attached(struct mb_inst *inst)
{
	return READ_ONCE(inst->chan) != NULL;
}
EXPORT_SYMBOL_GPL(mb_core_attached);

int mb_core_wait_attached(struct mb_inst *inst, unsigned long timeout)
{
	/* TASK_IDLE: a long wait in a worker is not a hung task */
	wait_event_idle_timeout(mb_attach_wq,
				READ_ONCE(inst->chan) || READ_ONCE(inst->closing),
				timeout);
	if (READ_ONCE(inst->closing))
		return -ESHUTDOWN;
	return READ_ONCE(inst->chan) ? 0 : -ETIMEDOUT;
}
EXPORT_SYMBOL_GPL(mb_core_wait_attached);

void mb_core_set_live(struct mb_inst *inst, bool live)
{
	mutex_lock(&mb_lock);	/* no policy check is half-way through */
	inst->live = live;
	mutex_unlock(&mb_lock);
}
EXPORT_SYMBOL_GPL(mb_core_set_live);

static int __init mb_core_init(void)
{
	int err = mb_chan_register();

	if (!err)
		pr_info("microbed: event=load driver=- dev=- handle=- pid=%d proto=%u upcall_timeout_ms=%u\n",
			task_tgid_nr(current), MB_PROTO_VERSION,
			mb_upcall_timeout_ms);
	return err;
}

static void __exit mb_core_exit(void)
{
	mb_chan_unregister();
	idr_destroy(&mb_idr);
}

module_init(mb_core_init);
module_exit(mb_core_exit);
MODULE_DESCRIPTION("microbed runtime: kernel side of the microdriver channel");
MODULE_LICENSE("GPL");
