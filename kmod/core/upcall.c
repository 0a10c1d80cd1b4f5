// SPDX-License-Identifier: GPL-2.0
/*
 * Upcalls: a k-driver thread queues a message on the attached u-driver's
 * channel and sleeps (bounded by upcall_timeout_ms) until the matching
 * reply arrives through write().  A reply is matched by handle and
 * sequence number, both checked under mb_lock, so a late, forged or
 * duplicate reply never reaches a waiter that has gone.
 */
#include <linux/bug.h>
#include <linux/hardirq.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "core_internal.h"

static u64 mb_seq;

/*
 * Queue a kernel-to-user message (header fields other than kind/op/handle/
 * seq/status are filled here).  A channel holds at most MB_CHAN_QUEUE_MAX
 * unread messages: an upcall beyond that fails with -ENOBUFS.  The memory
 * is charged to the memory cgroup of whoever caused the message.
 */
int mb_queue_msg(struct mb_chan *chan, const struct mb_hdr *h,
		 const void *payload, u32 len)
{
	struct mb_qmsg *m;

	lockdep_assert_held(&mb_lock);
	if (chan->queued >= MB_CHAN_QUEUE_MAX)
		return -ENOBUFS;
	m = kmalloc(sizeof(*m) + len, GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	m->hdr = *h;
	m->hdr.magic = MB_PROTO_MAGIC;
	m->hdr.version = MB_PROTO_VERSION;
	m->hdr.reserved = 0;
	m->hdr.len = sizeof(m->hdr) + len;
	m->len = m->hdr.len;
	if (len)
		memcpy(&m->hdr + 1, payload, len);
	list_add_tail(&m->node, &chan->queue);
	chan->queued++;
	wake_up_interruptible(&chan->wq);
	return 0;
}

/*
 * A notice only says "list again" (NEW) or "forget this handle" (GONE):
 * one unread of each is enough, so a channel that never reads holds at
 * most one NEW and one GONE per handle, however often instances come or
 * it attaches and detaches.  A notice that cannot be queued is dropped:
 * the u-driver lists the instances every second anyway.
 */
void mb_queue_notice(struct mb_chan *chan, u16 op, u32 handle)
{
	const struct mb_hdr h = {
		.kind = MB_KIND_NOTICE, .op = op, .handle = handle,
	};
	struct mb_qmsg *m;

	lockdep_assert_held(&mb_lock);
	list_for_each_entry(m, &chan->queue, node)
		if (m->hdr.kind == MB_KIND_NOTICE && m->hdr.op == op &&
		    (op == MB_NOTICE_NEW || m->hdr.handle == handle))
			return;
	mb_queue_msg(chan, &h, NULL, 0);
}

/* Unlink a queued message; the caller frees it.  Core lock held. */
void mb_unqueue(struct mb_chan *chan, struct mb_qmsg *m)
{
	lockdep_assert_held(&mb_lock);
	list_del(&m->node);
	chan->queued--;
}

void mb_purge_handle_locked(struct mb_chan *chan, u32 handle)
{
	struct mb_qmsg *m, *tmp;

	list_for_each_entry_safe(m, tmp, &chan->queue, node) {
		if (m->hdr.handle != handle || m->hdr.kind != MB_KIND_UPCALL)
			continue;
		mb_unqueue(chan, m);
		kfree(m);
	}
}

/* Drops upcall seq from the queue; true if it was still there (unread). */
static bool mb_purge_seq_locked(struct mb_chan *chan, u64 seq)
{
	struct mb_qmsg *m, *tmp;
	bool unread = false;

	list_for_each_entry_safe(m, tmp, &chan->queue, node) {
		if (m->hdr.kind == MB_KIND_UPCALL && m->hdr.seq == seq) {
			mb_unqueue(chan, m);
			kfree(m);
			unread = true;
		}
	}
	return unread;
}

/*
 * An upcall of inst timed out.  Its instance is detached; the process
 * behind the channel is killed (so that its supervisor starts a fresh one)
 * unless it is still alive for others: it read this upcall (its reader
 * runs) and it serves other instances.  Then only the one device's
 * handling hung, in a worker of its own, and the other devices keep their
 * u-driver; the process attaches this one afresh and it is replayed.
 * Core lock held.
 */
static void mb_upcall_timed_out(struct mb_inst *inst, u32 op, u64 seq)
{
	struct mb_chan *chan = inst->chan;
	struct mb_inst *other;
	bool unread = false;
	u32 others = 0;

	if (chan) {
		unread = mb_purge_seq_locked(chan, seq);
		list_for_each_entry(other, &chan->insts, chan_node)
			if (other != inst)
				others++;
	}
	mb_core_event(inst, "timeout", "op=%u seq=%llu timeout_ms=%u read=%d others=%u",
		      op, seq, mb_upcall_timeout_ms, !unread, others);
	mb_detach_locked(inst, "timeout", true);
	if (!chan || !chan->tgid)
		return;
	if (!unread && others) {
		mb_core_event(inst, "isolate", "reason=timeout others=%u signal=none",
			      others);
		return;
	}
	/* Declared dead while still running (wedged, looping, stopped):
	 * make it so, so that its supervisor starts a fresh one. */
	if (!kill_pid(chan->tgid, SIGKILL, 1))
		mb_core_event(inst, "kill", "reason=timeout signal=KILL read=%d others=%u",
			      !unread, others);
}

static int mb_upcall_locked(struct mb_inst *inst, void *req, u32 req_len,
			    void *rep, u32 rep_cap)
{
	struct mb_hdr *h = req;
	struct mb_pending p = { .rep = rep, .cap = rep_cap, .status = 0 };
	unsigned long left;
	int err = 0;

	if (req_len < sizeof(*h) || req_len > MB_MSG_MAX ||
	    rep_cap < sizeof(*h))
		return -EINVAL;
	might_sleep();
	init_completion(&p.done);
	h->kind = MB_KIND_UPCALL;
	h->handle = inst->handle;
	h->status = 0;

	mutex_lock(&mb_lock);
	if (inst->closing)
		err = -ESHUTDOWN;
	else if (!inst->chan)
		err = -ENOTCONN;
	else if (inst->cur)
		err = -EBUSY;	/* k-drivers serialize their upcalls */
	if (!err) {
		p.seq = h->seq = ++mb_seq;
		err = mb_queue_msg(inst->chan, h, h + 1, req_len - sizeof(*h));
	}
	if (!err)
		inst->cur = &p;
	mutex_unlock(&mb_lock);
	if (err)
		return err;

	left = wait_for_completion_timeout(&p.done,
				msecs_to_jiffies(mb_upcall_timeout_ms));
	mutex_lock(&mb_lock);
	if (!left && inst->cur == &p) {
		/* No answer in time: the u-driver is dead or wedged. */
		inst->cur = NULL;
		p.status = -ETIMEDOUT;
		mb_upcall_timed_out(inst, h->op, p.seq);
	}
	mutex_unlock(&mb_lock);
	return p.status;
}

/*
 * The splitter's runtime backstop.  An upcall sleeps until the u-driver
 * answers, so a caller in atomic context -- a partition mistake the static
 * analysis (npm run slice) missed -- is refused before anything sleeps:
 * one WARNING for the console scanner and a parseable refusal, never a
 * sleeping-in-atomic hang.  in_atomic() sees spinlocks and BH-off sections
 * because the guest kernel has CONFIG_PREEMPT_COUNT (PREEMPT_DYNAMIC).
 */
static bool mb_upcall_atomic(struct mb_inst *inst, const void *req, u32 req_len)
{
	const struct mb_hdr *h = req;

	if (likely(!in_atomic() && !irqs_disabled()))
		return false;
	mb_core_event(inst, "refuse", "reason=atomic-upcall op=%u in_atomic=%d irqs_disabled=%d in_interrupt=%d",
		      req_len >= sizeof(*h) ? h->op : 0, !!in_atomic(),
		      !!irqs_disabled(), !!in_interrupt());
	WARN_ONCE(1, "microbed: upcall from atomic context refused (a k-driver must defer it to a work item)\n");
	return true;
}

int mb_core_upcall(struct mb_inst *inst, void *req, u32 req_len,
		   void *rep, u32 rep_cap)
{
	int ret;

	if (mb_upcall_atomic(inst, req, req_len))
		return -EWOULDBLOCK;
	might_sleep();
	mutex_lock(&inst->call_lock);
	ret = mb_upcall_locked(inst, req, req_len, rep, rep_cap);
	mutex_unlock(&inst->call_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mb_core_upcall);

/*
 * Test hook (default: unused): writing an instance's handle to
 * /sys/module/mb_core/parameters/test_atomic_upcall makes one null upcall
 * to it with a spinlock held, as a k-driver that upcalls from atomic
 * context would.  The backstop must refuse it (the write fails with
 * EWOULDBLOCK); test/split.test.ts's backstop case drives it.
 */
static DEFINE_SPINLOCK(mb_test_atomic_lock);

static int mb_test_atomic_upcall(const char *val, const struct kernel_param *kp)
{
	struct mb_hdr req = { .op = MB_OP_NULL }, rep;
	struct mb_inst *inst;
	u32 handle;
	int err;

	err = kstrtou32(val, 0, &handle);
	if (err)
		return err;
	mutex_lock(&mb_lock);
	inst = mb_inst_find(handle);
	if (inst)
		inst->users++;
	mutex_unlock(&mb_lock);
	if (!inst)
		return -ENOENT;
	spin_lock_bh(&mb_test_atomic_lock);
	err = mb_core_upcall(inst, &req, sizeof(req), &rep, sizeof(rep));
	spin_unlock_bh(&mb_test_atomic_lock);
	pr_info("microbed: event=test-atomic-upcall driver=%s dev=%s handle=%u pid=- result=%d\n",
		inst->driver, inst->device, inst->handle, err);
	mutex_lock(&mb_lock);
	inst->users--;
	mutex_unlock(&mb_lock);
	wake_up_all(&mb_attach_wq);
	return err < 0 ? err : -EPROTO;
}

static const struct kernel_param_ops mb_test_atomic_ops = {
	.set = mb_test_atomic_upcall,
};
module_param_cb(test_atomic_upcall, &mb_test_atomic_ops, NULL, 0200);
MODULE_PARM_DESC(test_atomic_upcall,
		 "test hook: write an instance handle to make one upcall to it under a spinlock (the atomic-context backstop must refuse it)");

/* MB_IOC_BENCH: null upcalls, for the upcall-latency measurement. */
long mb_bench(struct mb_chan *chan, void __user *u)
{
	struct mb_ioc_bench b;
	struct mb_inst *inst;
	struct mb_hdr req = { .op = MB_OP_NULL }, rep;
	u64 t0;
	u32 i;
	int err = 0;

	if (copy_from_user(&b, u, sizeof(b)))
		return -EFAULT;
	if (!b.count || b.count > 100000)
		return -EINVAL;
	mutex_lock(&mb_lock);
	inst = mb_inst_find(b.handle);
	if (inst)
		inst->users++;
	mutex_unlock(&mb_lock);
	if (!inst)
		return -ENOENT;

	t0 = ktime_get_ns();
	for (i = 0; i < b.count && !err; i++) {
		err = mb_core_upcall(inst, &req, sizeof(req), &rep, sizeof(rep));
		/* a null upcall has nothing to fail: any other answer is a
		 * broken reply, never a status passed on to the caller */
		if (err >= 0)
			err = err == sizeof(rep) && !rep.status ? 0 : -EPROTO;
		if (!err && fatal_signal_pending(current))
			err = -EINTR;
	}
	b.total_ns = ktime_get_ns() - t0;
	b.count = i;

	mutex_lock(&mb_lock);
	inst->users--;
	mutex_unlock(&mb_lock);
	wake_up_all(&mb_attach_wq);
	if (!err && copy_to_user(u, &b, sizeof(b)))
		err = -EFAULT;
	return err;
}

/*
 * A reply that names an instance this channel serves, while an upcall of
 * that instance is in flight, but that fails the channel's checks (header,
 * sequence number, size): the u-driver broke the protocol.  It is declared
 * dead at once instead of after the upcall timeout: the call in flight
 * fails with -EPROTO and the instance is detached (a death for the
 * crash-loop count); the process keeps its channel and gets NOTICE_GONE,
 * so a u-driver that is still sane can attach afresh and be replayed.
 * Core lock held.
 */
static void mb_protocol_violation(struct mb_chan *chan, const struct mb_hdr *h,
				  const char *why)
{
	struct mb_inst *inst = mb_inst_find(h->handle);
	struct mb_pending *p;

	if (!inst || inst->chan != chan || !inst->cur)
		return;
	p = inst->cur;
	mb_core_event(inst, "violation", "reason=%s seq=%llu want_seq=%llu",
		      why, h->seq, p->seq);
	inst->cur = NULL;
	p->status = -EPROTO;
	mb_purge_seq_locked(chan, p->seq);
	complete(&p->done);	/* p lives on the waiter's stack: last use */
	mb_detach_locked(inst, "protocol", true);
}

/* write(): one reply, checked before anything is believed. */
int mb_reply(struct mb_chan *chan, const void *buf, u32 len)
{
	const struct mb_hdr *h = buf;
	struct mb_inst *inst;
	struct mb_pending *p;
	int err = 0;

	if (!mb_hdr_ok(h, len, MB_KIND_REPLY)) {
		mb_chan_event(chan, "refuse", "reason=bad-header len=%u", len);
		mutex_lock(&mb_lock);
		mb_protocol_violation(chan, h, "bad-header");
		mutex_unlock(&mb_lock);
		return -EINVAL;
	}
	mutex_lock(&mb_lock);
	inst = mb_inst_find(h->handle);
	if (!inst || inst->chan != chan) {
		mb_chan_event(chan, "refuse", "reason=unknown-handle handle=%u op=reply",
			      h->handle);
		err = -ENOENT;
		goto out;
	}
	p = inst->cur;
	if (!p || p->seq != h->seq) {
		mb_core_event(inst, "refuse", "reason=stale-seq seq=%llu", h->seq);
		mb_protocol_violation(chan, h, "stale-seq");
		err = -EINVAL;
		goto out;
	}
	if (len > p->cap) {
		mb_core_event(inst, "refuse", "reason=oversized len=%u max=%u",
			      len, p->cap);
		mb_protocol_violation(chan, h, "oversized");
		err = -EINVAL;
		goto out;
	}
	memcpy(p->rep, buf, len);
	p->status = len;
	inst->cur = NULL;
	mb_purge_seq_locked(chan, h->seq);
	complete(&p->done);
out:
	mutex_unlock(&mb_lock);
	return err;
}
