// SPDX-License-Identifier: GPL-2.0
/*
 * The channel: /dev/microbed.  One open file per u-driver process.
 * read() hands out upcalls and notices, write() takes replies, ioctl()
 * lists instances, attaches, detaches and carries downcalls.  Closing the
 * file (including the process dying) detaches everything it served.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "core_internal.h"

static int mb_open(struct inode *inode, struct file *f)
{
	struct mb_chan *chan;

	if (!capable(CAP_NET_ADMIN)) {
		mb_chan_event(NULL, "refuse", "reason=unprivileged op=open");
		return -EPERM;
	}
	chan = kzalloc(sizeof(*chan), GFP_KERNEL_ACCOUNT);
	if (!chan)
		return -ENOMEM;
	INIT_LIST_HEAD(&chan->queue);
	INIT_LIST_HEAD(&chan->insts);
	init_waitqueue_head(&chan->wq);
	chan->pid = task_tgid_nr(current);
	chan->tgid = get_pid(task_tgid(current));
	f->private_data = chan;
	mutex_lock(&mb_lock);
	list_add_tail(&chan->node, &mb_chans);
	mutex_unlock(&mb_lock);
	return 0;
}

static int mb_release(struct inode *inode, struct file *f)
{
	struct mb_chan *chan = f->private_data;
	struct mb_inst *inst, *itmp;
	struct mb_qmsg *m, *mtmp;

	mutex_lock(&mb_lock);
	list_del(&chan->node);
	list_for_each_entry_safe(inst, itmp, &chan->insts, chan_node)
		mb_detach_locked(inst, "closed", true);
	list_for_each_entry_safe(m, mtmp, &chan->queue, node) {
		mb_unqueue(chan, m);
		kfree(m);
	}
	mutex_unlock(&mb_lock);
	put_pid(chan->tgid);
	kfree(chan);
	return 0;
}

static ssize_t mb_read(struct file *f, char __user *buf, size_t count,
		       loff_t *ppos)
{
	struct mb_chan *chan = f->private_data;
	struct mb_qmsg *m;
	ssize_t ret;

	for (;;) {
		mutex_lock(&mb_lock);
		m = list_first_entry_or_null(&chan->queue, struct mb_qmsg, node);
		if (m && m->len > count) {
			mutex_unlock(&mb_lock);
			return -EMSGSIZE;	/* stays queued */
		}
		if (m)
			mb_unqueue(chan, m);
		mutex_unlock(&mb_lock);
		if (m)
			break;
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(chan->wq,
					       !list_empty_careful(&chan->queue));
		if (ret)
			return ret;
	}
	ret = m->len;
	if (copy_to_user(buf, &m->hdr, m->len)) {
		mutex_lock(&mb_lock);	/* give it back for the next read */
		list_add(&m->node, &chan->queue);
		chan->queued++;
		mutex_unlock(&mb_lock);
		return -EFAULT;
	}
	kfree(m);
	return ret;
}

static ssize_t mb_write(struct file *f, const char __user *buf, size_t count,
			loff_t *ppos)
{
	struct mb_chan *chan = f->private_data;
	void *msg;
	int err;

	if (count < sizeof(struct mb_hdr) || count > MB_MSG_MAX) {
		mb_chan_event(chan, "refuse", "reason=length op=reply len=%zu",
			      count);
		return -EINVAL;
	}
	msg = kmalloc(count, GFP_KERNEL_ACCOUNT);
	if (!msg)
		return -ENOMEM;
	if (copy_from_user(msg, buf, count)) {
		kfree(msg);
		return -EFAULT;
	}
	err = mb_reply(chan, msg, count);
	kfree(msg);
	return err ? err : count;
}

static __poll_t mb_poll(struct file *f, poll_table *wait)
{
	struct mb_chan *chan = f->private_data;

	poll_wait(f, &chan->wq, wait);
	return EPOLLOUT | EPOLLWRNORM |
	       (list_empty_careful(&chan->queue) ? 0 : EPOLLIN | EPOLLRDNORM);
}

static long mb_ioc_list(struct mb_chan *chan, void __user *u)
{
	struct mb_ioc_list *l;
	struct mb_inst *inst;
	u32 h;
	long err = 0;

	l = kzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);
	if (!l)
		return -ENOMEM;
	mutex_lock(&mb_lock);
	/* in handle order, wherever the cyclic allocation has got to */
	for (h = 1; l->count < MB_LIST_MAX && (inst = mb_inst_next(&h)); ) {
		l->inst[l->count].handle = inst->handle;
		l->inst[l->count].attached = inst->chan != NULL;
		l->inst[l->count].layout = inst->desc.layout;
		strscpy(l->inst[l->count].driver, inst->driver, MB_NAME_LEN);
		strscpy(l->inst[l->count].device, inst->device, MB_NAME_LEN);
		l->count++;
	}
	mutex_unlock(&mb_lock);
	if (copy_to_user(u, l, sizeof(*l)))
		err = -EFAULT;
	kfree(l);
	return err;
}

/*
 * The driver name a caller asked for, fit for a log line: anything but
 * [A-Za-z0-9._-] as \xHH, so it can never end the line or forge a field.
 */
static const char *mb_escape_name(char *out, size_t cap, const char *in)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < MB_NAME_LEN && in[i] && o + 5 <= cap; i++) {
		unsigned char c = in[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') {
			out[o++] = c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = 0;
	return out;
}

static long mb_ioc_attach(struct mb_chan *chan, void __user *u)
{
	char name[MB_NAME_LEN * 4 + 1];
	struct mb_ioc_attach a;
	struct mb_inst *inst;
	u32 recent;
	long err = 0;

	if (copy_from_user(&a, u, sizeof(a)))
		return -EFAULT;
	if (a.version != MB_PROTO_VERSION || a.pad ||
	    strnlen(a.driver, MB_NAME_LEN) == MB_NAME_LEN) {
		mb_chan_event(chan, "refuse", "reason=bad-attach version=%u",
			      a.version);
		return -EINVAL;
	}
	mutex_lock(&mb_lock);
	inst = mb_inst_find(a.handle);
	if (!inst) {
		mb_chan_event(chan, "refuse", "reason=unknown-handle handle=%u op=attach",
			      a.handle);
		err = -ENOENT;
	} else if (strcmp(inst->driver, a.driver)) {
		mb_core_event(inst, "refuse", "reason=wrong-driver asked=%s",
			      mb_escape_name(name, sizeof(name), a.driver));
		err = -EINVAL;
	} else if (a.layout != inst->desc.layout) {
		/* another build's messages: every upcall would be refused */
		mb_core_event(inst, "refuse", "reason=layout-mismatch want=%08x got=%08x by=%d",
			      inst->desc.layout, a.layout, chan->pid);
		err = -EPROTO;
	} else if (inst->retired && !mb_retire_expired(inst)) {
		mb_core_event(inst, "refuse", "reason=crash-loop by=%d", chan->pid);
		err = -EPERM;
	} else if (inst->chan) {
		mb_core_event(inst, "refuse", "reason=busy by=%d", chan->pid);
		err = -EBUSY;
	} else if (mb_attach_churn_locked(inst, &recent)) {
		mb_core_event(inst, "refuse", "reason=churn attaches=%u by=%d",
			      recent, chan->pid);
		err = -EAGAIN;
	} else {
		inst->chan = chan;
		inst->pid = chan->pid;
		list_add_tail(&inst->chan_node, &chan->insts);
		mb_core_event(inst, "attach", "live=%d",
			      inst->rings == MB_RINGS_LIVE);
		mb_shadow_attached_locked(inst);
	}
	mutex_unlock(&mb_lock);
	if (!err)
		wake_up_all(&mb_attach_wq);
	return err;
}

static long mb_ioc_detach(struct mb_chan *chan, u32 __user *u)
{
	struct mb_inst *inst;
	u32 handle;
	long err = 0;

	if (get_user(handle, u))
		return -EFAULT;
	mutex_lock(&mb_lock);
	inst = mb_inst_find(handle);
	if (!inst || inst->chan != chan) {
		mb_chan_event(chan, "refuse", "reason=unknown-handle handle=%u op=detach",
			      handle);
		err = -ENOENT;
	} else {
		mb_detach_locked(inst, "request", false);
	}
	mutex_unlock(&mb_lock);
	return err;
}

static long mb_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct mb_chan *chan = f->private_data;
	void __user *u = (void __user *)arg;

	switch (cmd) {
	case MB_IOC_LIST:
		return mb_ioc_list(chan, u);
	case MB_IOC_ATTACH:
		return mb_ioc_attach(chan, u);
	case MB_IOC_DETACH:
		return mb_ioc_detach(chan, u);
	case MB_IOC_DOWNCALL:
		return mb_downcall(chan, u);
	case MB_IOC_BENCH:
		return mb_bench(chan, u);
	default:
		mb_chan_event(chan, "refuse", "reason=unknown-ioctl cmd=0x%x", cmd);
		return -ENOTTY;
	}
}

static const struct file_operations mb_fops = {
	.owner		= THIS_MODULE,
	.open		= mb_open,
	.release	= mb_release,
	.read		= mb_read,
	.write		= mb_write,
	.poll		= mb_poll,
	.unlocked_ioctl	= mb_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice mb_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "microbed",
	.fops	= &mb_fops,
	.mode	= 0600,
};

int mb_chan_register(void)
{
	return misc_register(&mb_misc);
}

void mb_chan_unregister(void)
{
	misc_deregister(&mb_misc);
}
