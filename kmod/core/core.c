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
#include <linux/timekeeping.h>

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

static unsigned int retire_cooldown_s = 10;
module_param(retire_cooldown_s, uint, 0644);
MODULE_PARM_DESC(retire_cooldown_s,
		 "seconds a retired instance refuses u-drivers after its first crash-loop giveup; doubles with each giveup in a row (default 10, at least 1)");

static unsigned int retire_cooldown_max_s = 300;
module_param(retire_cooldown_max_s, uint, 0644);
MODULE_PARM_DESC(retire_cooldown_max_s,
		 "the longest cool-down of the growing backoff, in seconds; a giveup this long after the last unretire starts the backoff afresh (default 300)");

static unsigned int attach_burst = 10;
module_param(attach_burst, uint, 0644);
MODULE_PARM_DESC(attach_burst,
		 "attaches an instance takes per attach_window_s; more are refused with -EAGAIN (default 10, at most 32)");

static unsigned int attach_window_s = 10;
module_param(attach_window_s, uint, 0644);
MODULE_PARM_DESC(attach_window_s, "window of the attach churn limit in seconds (default 10)");

static unsigned int handle_base = 1;
module_param(handle_base, uint, 0444);
MODULE_PARM_DESC(handle_base,
		 "first instance handle (default 1); handles then grow cyclically up to INT_MAX");

DEFINE_MUTEX(mb_lock);
LIST_HEAD(mb_chans);
DECLARE_WAIT_QUEUE_HEAD(mb_attach_wq);
static DEFINE_IDR(mb_idr);
/* refusals: anyone privileged can cause them at any rate, one budget */
static DEFINE_RATELIMIT_STATE(mb_refuse_rs, 5 * HZ, 50);

/*
 * Every refusal counted by its reason, before the log's rate limit drops
 * any line: /sys/module/mb_core/parameters/refusals (read-only).  The
 * reasons are those of the refuse lines (kmod/README.md); a reason not in
 * the table counts as other.
 */
static const char *const mb_refuse_reasons[] = {
	"bad-header", "length", "unknown-handle", "stale-seq", "oversized",
	"bad-downcall", "bounds", "policy", "range", "busy", "wrong-driver",
	"crash-loop", "churn", "bad-attach", "layout-mismatch",
	"unknown-ioctl", "bad-reply", "unprivileged", "atomic-upcall",
	"retired", "other",
};
#define MB_N_REFUSE	ARRAY_SIZE(mb_refuse_reasons)
static atomic_long_t mb_refusals[MB_N_REFUSE];

static void mb_count_refusal(const char *fmt, va_list args)
{
	char buf[48];
	const char *r;
	va_list aq;
	size_t i, n;

	va_copy(aq, args);
	vsnprintf(buf, sizeof(buf), fmt, aq);
	va_end(aq);
	r = strstr(buf, "reason=");
	r = r ? r + strlen("reason=") : "";
	n = strcspn(r, " ");
	for (i = 0; i < MB_N_REFUSE - 1; i++)
		if (strlen(mb_refuse_reasons[i]) == n &&
		    !strncmp(mb_refuse_reasons[i], r, n))
			break;
	atomic_long_inc(&mb_refusals[i]);
}

static int mb_refusals_get(char *buf, const struct kernel_param *kp)
{
	long total = 0, v;
	int len = 0;
	size_t i;

	for (i = 0; i < MB_N_REFUSE; i++) {
		v = atomic_long_read(&mb_refusals[i]);
		total += v;
		len += sysfs_emit_at(buf, len, "%s=%ld ", mb_refuse_reasons[i], v);
	}
	len += sysfs_emit_at(buf, len, "total=%ld\n", total);
	return len;
}

static const struct kernel_param_ops mb_refusals_ops = {
	.get = mb_refusals_get,
};
module_param_cb(refusals, &mb_refusals_ops, NULL, 0444);
MODULE_PARM_DESC(refusals,
		 "read-only: every refusal since load by its reason (counted before the log's rate limit)");

#define MB_EVENT_BURST		100	/* lines per instance per interval */
#define MB_EVENT_INTERVAL_S	10

/*
 * Every other line a u-driver can cause (attach, detach, replay, ...) is
 * bounded per instance; the first line after a suppression says how many
 * were dropped.  True: print; *missed: lines dropped before it.
 */
static bool mb_evlimit_ok(struct mb_evlimit *l, u32 *missed)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&l->lock, flags);
	*missed = 0;
	if (!l->begin || time_after(jiffies, l->begin + MB_EVENT_INTERVAL_S * HZ)) {
		*missed = l->suppressed;
		l->begin = jiffies ?: 1;
		l->printed = 0;
		l->suppressed = 0;
	}
	ok = l->printed < MB_EVENT_BURST;
	if (ok)
		l->printed++;
	else
		l->suppressed++;
	spin_unlock_irqrestore(&l->lock, flags);
	return ok;
}

void mb_core_event(struct mb_inst *inst, const char *event,
		   const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;
	u32 missed = 0;
	bool refuse = !strcmp(event, "refuse");

	if (refuse) {
		va_start(args, fmt);
		mb_count_refusal(fmt, args);
		va_end(args);
	}
	if (refuse ? !__ratelimit(&mb_refuse_rs) :
	    !mb_evlimit_ok(&inst->ev, &missed))
		return;
	if (missed)
		pr_info("microbed: event=suppressed driver=%s dev=%s handle=%u pid=%d lines=%u interval_s=%u\n",
			inst->driver, inst->device, inst->handle, inst->pid,
			missed, MB_EVENT_INTERVAL_S);
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

	/* only refusals come without an instance; others share their budget */
	va_start(args, fmt);
	mb_count_refusal(fmt, args);
	va_end(args);
	if (!__ratelimit(&mb_refuse_rs))
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
	inst = handle && handle <= INT_MAX ? idr_find(&mb_idr, handle) : NULL;
	return inst && !inst->closing ? inst : NULL;
}

/* The first live instance whose handle is >= *handle, in handle order;
 * *handle moves past it.  NULL at the end.  Core lock held. */
struct mb_inst *mb_inst_next(u32 *handle)
{
	struct mb_inst *inst;
	int id;

	lockdep_assert_held(&mb_lock);
	if (*handle > INT_MAX)
		return NULL;
	for (id = max_t(u32, *handle, 1); (inst = idr_get_next(&mb_idr, &id)); id++) {
		if (inst->closing)
			continue;
		*handle = (u32)id + 1;
		return inst;
	}
	*handle = (u32)INT_MAX + 1;
	return NULL;
}

/*
 * Attach churn: true (refuse) when attach_burst attaches were taken within
 * attach_window_s already.  Each attach schedules a replay and each detach
 * opens an outage that control operations wait on: a process that loops
 * attach/detach would otherwise keep them waiting.  Core lock held.
 */
bool mb_attach_churn_locked(struct mb_inst *inst, u32 *recent)
{
	unsigned long now = jiffies, window = attach_window_s * HZ;
	u32 burst = clamp_t(u32, attach_burst, 1, MB_ATTACH_HISTORY);
	u32 i, n = min_t(u32, inst->attaches, MB_ATTACH_HISTORY);

	*recent = 0;
	for (i = 0; i < n; i++)
		if (time_before_eq(now - window, inst->attach_at[i]))
			(*recent)++;
	if (*recent >= burst)
		return true;
	inst->attach_at[inst->attaches % MB_ATTACH_HISTORY] = now;
	inst->attaches++;
	return false;
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
 * The crash-loop giveup: the data path keeps running as it was (the
 * k-driver's retire callback leaves the interface alone), control
 * operations fail at once, and attaches are refused for a cool-down that
 * doubles with each giveup in a row: retire_cooldown_s, 2x, 4x, ... up to
 * retire_cooldown_max_s.  A giveup longer than retire_cooldown_max_s after
 * the last unretire starts the backoff afresh.  Core lock held.
 */
static void mb_retire_locked(struct mb_inst *inst)
{
	unsigned long now = jiffies;
	u32 base = max_t(u32, retire_cooldown_s, 1);
	u32 cap = max_t(u32, retire_cooldown_max_s, base), cool = base, i;

	if (inst->unretired_at &&
	    time_after(now, inst->unretired_at + (unsigned long)cap * HZ))
		inst->retirements = 0;
	inst->retirements++;
	for (i = 1; i < inst->retirements && cool < cap; i++)
		cool = min_t(u32, cool * 2, cap);
	inst->retired = true;
	inst->retired_at = now;
	inst->retired_until = now + (unsigned long)cool * HZ;
	inst->retired_refused = 0;
	mb_core_event(inst, "giveup",
		      "reason=crash-loop deaths=%u window_s=%u retirement=%u cooldown_s=%u until_s=%llu data_path=kept control=refused",
		      inst->crashes, restart_window_s, inst->retirements, cool,
		      (unsigned long long)(ktime_get_boottime_seconds() + cool));
}

/* Seconds of cool-down left (0: over).  Core lock held or a racy read. */
u32 mb_retire_left_s(struct mb_inst *inst)
{
	unsigned long until = READ_ONCE(inst->retired_until);

	if (!READ_ONCE(inst->retired) || !time_before(jiffies, until))
		return 0;
	return DIV_ROUND_UP(until - jiffies, HZ);
}

/*
 * A retired instance takes a u-driver again once its cool-down is over:
 * the crash history starts afresh, and the attach that follows replays
 * the configuration in force.  Core lock held.
 */
bool mb_retire_expired(struct mb_inst *inst)
{
	if (time_before(jiffies, inst->retired_until))
		return false;
	inst->retired = false;
	inst->crashes = 0;
	inst->unretired_at = jiffies ?: 1;
	memset(inst->crash_at, 0, sizeof(inst->crash_at));
	mb_core_event(inst, "unretire", "after_s=%u retirement=%u refused=%u",
		      jiffies_to_msecs(jiffies - inst->retired_at) / 1000,
		      inst->retirements, inst->retired_refused);
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
	WRITE_ONCE(inst->detaches, inst->detaches + 1);
	mb_core_event(inst, "detach", "reason=%s", reason);
	if (strcmp(reason, "closed"))
		mb_queue_notice(chan, MB_NOTICE_GONE, inst->handle);
	if (crash && !inst->retired && mb_crash_loop(inst))
		mb_retire_locked(inst);
	inst->pid = 0;
	if (!inst->closing)
		mb_shadow_detached_locked(inst);
}

/*
 * Tell every open channel that an instance registered, so that a waiting
 * u-driver attaches now rather than at its next periodic scan.  One unread
 * NEW per channel is enough (it only says "list again"): a channel that
 * never reads holds one, however many instances come.
 */
static void mb_announce_locked(u32 handle)
{
	struct mb_chan *chan;

	lockdep_assert_held(&mb_lock);
	list_for_each_entry(chan, &mb_chans, node)
		mb_queue_notice(chan, MB_NOTICE_NEW, handle);
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
	spin_lock_init(&inst->ev.lock);
	mb_shadow_init(inst);

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
	WRITE_ONCE(inst->quiesced, true);
	wake_up_all(&inst->served_wq);
	wake_up_all(&mb_attach_wq);
	/* a replay re-arms the k-driver's timers, a retirement closes its
	 * interface: both are over before the k-driver tears them down */
	cancel_work_sync(&inst->replay_work);
	cancel_work_sync(&inst->retire_work);
}
EXPORT_SYMBOL_GPL(mb_core_quiesce);

void mb_core_unregister(struct mb_inst *inst)
{
	if (!inst)
		return;
	mb_core_quiesce(inst);
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

int mb_core_wait_attached(struct mb_inst *inst)
{
	/* TASK_IDLE: a long wait in a worker is not a hung task */
	wait_event_idle_timeout(mb_attach_wq,
				READ_ONCE(inst->chan) || READ_ONCE(inst->closing),
				mb_attach_timeout_s * HZ);
	if (READ_ONCE(inst->closing))
		return -ESHUTDOWN;
	return READ_ONCE(inst->chan) ? 0 : -ETIMEDOUT;
}
EXPORT_SYMBOL_GPL(mb_core_wait_attached);

void mb_core_set_rings(struct mb_inst *inst, enum mb_rings rings)
{
	mutex_lock(&mb_lock);	/* no policy check is half-way through */
	inst->rings = rings;
	mutex_unlock(&mb_lock);
}
EXPORT_SYMBOL_GPL(mb_core_set_rings);

/*
 * The runtime's own objects and messages, for leak checks (the soak
 * scenario reads them before and after many u-driver deaths):
 * /sys/module/mb_core/parameters/counts, read-only, one line of key=value.
 * instances/channels/queued are the live allocations (struct mb_inst,
 * struct mb_chan, struct mb_qmsg: every queued message is one allocation,
 * and an unqueued one is freed at once); pending is upcalls in flight;
 * the rest are totals since load.
 */
static int mb_counts_get(char *buf, const struct kernel_param *kp)
{
	u32 n_inst = 0, attached = 0, retired = 0, outage = 0, pending = 0;
	u32 n_chan = 0, queued = 0, handle = 1;
	u64 attaches = 0, crashes = 0;
	struct mb_inst *inst;
	struct mb_chan *chan;

	mutex_lock(&mb_lock);
	while ((inst = mb_inst_next(&handle))) {
		n_inst++;
		attached += !!inst->chan;
		retired += inst->retired;
		outage += READ_ONCE(inst->outage);
		pending += !!inst->cur;
		attaches += inst->attaches;
		crashes += inst->crashes;
	}
	list_for_each_entry(chan, &mb_chans, node) {
		n_chan++;
		queued += chan->queued;
	}
	mutex_unlock(&mb_lock);
	return sysfs_emit(buf, "instances=%u attached=%u retired=%u outage=%u channels=%u queued=%u pending=%u attaches=%llu crashes=%llu\n",
			  n_inst, attached, retired, outage, n_chan, queued,
			  pending, attaches, crashes);
}

static const struct kernel_param_ops mb_counts_ops = {
	.get = mb_counts_get,
};
module_param_cb(counts, &mb_counts_ops, NULL, 0444);
MODULE_PARM_DESC(counts,
		 "read-only: the runtime's live objects and messages (instances, channels, queued messages, upcalls in flight) and attach totals, for leak checks");

static int __init mb_core_init(void)
{
	int err;

	idr_set_cursor(&mb_idr, clamp_t(u32, handle_base, 1, INT_MAX));
	err = mb_chan_register();

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
