// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow layer: recovery from a dead u-driver, the runtime's duty
 * rather than a driver's (as shadow drivers do it).  When the u-driver of
 * an initialized instance goes (its file closes, an upcall times out, a
 * protocol violation), the instance is in an outage: the data path keeps
 * running, and a control operation that arrives waits, bounded, for the
 * next u-driver.  That one, once attached, is given the kernel's tracked
 * state and the configuration in force through the k-driver's replay
 * callback; then the outage ends and the k-driver's resume callback runs.
 * Past the crash-loop limit (core.c) the instance is retired for a
 * cool-down: the data path keeps running exactly as it was, nobody waits
 * any more (a control operation fails at once with -ENOTCONN, and the
 * first one of each retirement is logged with the time left), and the
 * k-driver's retire callback runs.  The first u-driver admitted after the
 * cool-down is replayed to like any other.  A control operation whose
 * u-driver was lost while it ran (the upcall in flight failed because the
 * u-driver died, timed out or broke the protocol) is tried once more on
 * the next u-driver, after its replay, as shadow drivers retry the
 * requests in flight: the caller sees the answer, not the crash.
 */
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/sched/signal.h>

#include "core_internal.h"

unsigned int mb_attach_timeout_s = 60;
module_param_named(attach_timeout_s, mb_attach_timeout_s, uint, 0644);
MODULE_PARM_DESC(attach_timeout_s,
		 "seconds device init waits for a u-driver to attach (default 60)");

static bool retry_lost = true;
module_param(retry_lost, bool, 0644);
MODULE_PARM_DESC(retry_lost,
		 "a control operation whose u-driver was lost while it ran is tried once more on the next one, after its replay (default Y; N: it fails with the loss's error)");

static unsigned int outage_wait_ms = 3000;
module_param(outage_wait_ms, uint, 0644);
MODULE_PARM_DESC(outage_wait_ms,
		 "ms a control operation waits for a restarted u-driver before failing with -ENOTCONN (default 3000, 0: fail at once)");

/*
 * A new u-driver took an instance that was running: replay, then resume.
 * The outage ends when the replay is over, whatever its result, as long
 * as that u-driver is still the one attached: a u-driver that fails its
 * replay (a bug, or on purpose) then serves control operations as it
 * answers them, rather than making each wait outage_wait_ms under RTNL.
 * Only a replay that succeeded resumes the data path.
 */
static void mb_shadow_replay_work(struct work_struct *w)
{
	struct mb_inst *inst = container_of(w, struct mb_inst, replay_work);
	const struct mb_kdrv_ops *ops = inst->desc.ops;
	char desc[192] = "";
	u32 gen;
	int err;

	mutex_lock(&mb_lock);
	gen = inst->attaches;
	mutex_unlock(&mb_lock);
	err = ops->replay ? ops->replay(inst->desc.priv, desc, sizeof(desc)) : 0;
	mb_core_event(inst, "replay", "result=%d%s%s", err, desc[0] ? " " : "",
		      desc);
	/* Before resume: an operation waiting under RTNL must not wait for
	 * a step that needs RTNL.  A detach since the replay began opened a
	 * new outage, which is not this replay's to end. */
	mutex_lock(&mb_lock);
	if (inst->chan && inst->attaches == gen)
		WRITE_ONCE(inst->outage, false);
	mutex_unlock(&mb_lock);
	wake_up_all(&inst->served_wq);
	if (!err && ops->resume)
		ops->resume(inst->desc.priv);
}

static void mb_shadow_retire_work(struct work_struct *w)
{
	struct mb_inst *inst = container_of(w, struct mb_inst, retire_work);

	if (inst->desc.ops->retire)
		inst->desc.ops->retire(inst->desc.priv);
}

void mb_shadow_init(struct mb_inst *inst)
{
	init_waitqueue_head(&inst->served_wq);
	INIT_WORK(&inst->replay_work, mb_shadow_replay_work);
	INIT_WORK(&inst->retire_work, mb_shadow_retire_work);
}

void mb_shadow_attached_locked(struct mb_inst *inst)
{
	lockdep_assert_held(&mb_lock);
	if (inst->initialized)
		schedule_work(&inst->replay_work);
}

void mb_shadow_detached_locked(struct mb_inst *inst)
{
	lockdep_assert_held(&mb_lock);
	if (inst->initialized)
		WRITE_ONCE(inst->outage, true);
	if (inst->retired) {
		/* Nobody is coming back soon: waiting would only delay the
		 * -ENOTCONN of every operation during the cool-down. */
		wake_up_all(&inst->served_wq);
		schedule_work(&inst->retire_work);
	}
}

void mb_core_set_initialized(struct mb_inst *inst)
{
	mutex_lock(&mb_lock);
	inst->initialized = true;
	mutex_unlock(&mb_lock);
}
EXPORT_SYMBOL_GPL(mb_core_set_initialized);

static bool mb_outage_over(struct mb_inst *inst)
{
	return !READ_ONCE(inst->outage) || READ_ONCE(inst->retired) ||
	       READ_ONCE(inst->quiesced);
}

void mb_core_await_served(struct mb_inst *inst)
{
	u32 refused = 0, left;

	if (READ_ONCE(inst->retired)) {
		mutex_lock(&mb_lock);
		if (inst->retired && !inst->chan)
			refused = ++inst->retired_refused;
		left = mb_retire_left_s(inst);
		mutex_unlock(&mb_lock);
		if (refused == 1)
			mb_core_event(inst, "refuse",
				      "reason=retired what=control-operation error=ENOTCONN cooldown_left_s=%u",
				      left);
		return;
	}
	/* checks the condition first; a 0 timeout never sleeps */
	wait_event_interruptible_timeout(inst->served_wq, mb_outage_over(inst),
					 msecs_to_jiffies(outage_wait_ms));
}
EXPORT_SYMBOL_GPL(mb_core_await_served);

u32 mb_core_generation(struct mb_inst *inst)
{
	return READ_ONCE(inst->detaches);
}
EXPORT_SYMBOL_GPL(mb_core_generation);

bool mb_core_retry(struct mb_inst *inst, int err, u32 gen, const char *op)
{
	const char *why = NULL;
	bool again;
	/* lost: a detach during the call; or the call began just before the
	 * outage it then ran into (it passed await_served while the last
	 * u-driver was still there, e.g. behind the watchdog's upcall that
	 * timed out) and found nobody: it waits for the next one too */
	bool lost = READ_ONCE(inst->detaches) != gen;
	bool early = err == -ENOTCONN && !mb_outage_over(inst) &&
		     !READ_ONCE(inst->closing);

	if (!retry_lost || err >= 0 || !(lost || early))
		return false;
	if (signal_pending(current))
		return false;	/* the caller gave up (e.g. Ctrl-C): its error stands */
	if (READ_ONCE(inst->retired) || READ_ONCE(inst->quiesced) ||
	    READ_ONCE(inst->closing))
		why = "retired-or-unloading";
	else
		wait_event_interruptible_timeout(inst->served_wq,
						 mb_outage_over(inst),
						 msecs_to_jiffies(outage_wait_ms));
	mutex_lock(&mb_lock);
	again = !why && inst->chan && !inst->outage && !inst->retired &&
		!inst->closing && !inst->quiesced;
	if (!why && !again)
		why = inst->chan ? "not-replayed" : "no-u-driver";
	mutex_unlock(&mb_lock);
	mb_core_event(inst, "retry", "op=%s err=%d result=%s%s%s", op, err,
		      again ? "retried" : "failed", why ? " reason=" : "",
		      why ?: "");
	return again;
}
EXPORT_SYMBOL_GPL(mb_core_retry);
