/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Variant `monolithic`, every driver: the internal fault points of
 * mb-udriver -f/-S (udriver/lib/fault.h), here running in the kernel, to
 * contrast with `split`.  A driver's fault_direct.c defines MB_FD_DRIVER
 * (its name), MB_FD_OPS (its generated operation table) and
 * mb_fault_range() (what its range faults corrupt), then includes this.
 * Off unless a parameter is given at load time:
 *
 *   insmod <module>.ko fault=KIND[.SUB][:OP[:N]]     e.g. fault=crash:SET_MTU:1
 *   insmod <module>.ko fault_seed=S                  same choice as mb-udriver -S S
 *
 * When armed, probe points a->ctl at a copy of the ops table whose control
 * operations are wrapped (gen/fault_direct.c); unarmed, nothing changes
 * (a->ctl stays &mb_ctl_ops).  What each kind does here:
 *   crash    a NULL write: a real kernel oops (the expected outcome)
 *   retval   the operation returns -EIO / 0x12345 / -100000
 *   range    the driver's corruption of the tracked state, which under
 *            monolithic is the kernel's own (no checks)
 *   late     the operation sleeps 8 s (split's default timeout + 3 s)
 *   loop     a real infinite loop, under ctl_lock (soft lockup)
 *   leak     16 MiB vmalloc'ed, touched and never freed on every call
 *   garbage  not applicable: there is no channel; armed as nothing
 * RESTORE is never called in this variant, so a fault on it never fires.
 */
#include <linux/delay.h>
#include <linux/moduleparam.h>
#include <linux/vmalloc.h>

#include "../../udriver/lib/fault.c"

static void mb_fault_range(struct mb_adapter *a, int sub);

static char *fault_spec;
module_param_named(fault, fault_spec, charp, 0444);
MODULE_PARM_DESC(fault, "fault injection: KIND[.SUB][:OP[:N]] (see kmod/README.md), off when unset");
static char *fault_seed;
module_param(fault_seed, charp, 0444);
MODULE_PARM_DESC(fault_seed, "fault injection: one fault chosen from this seed, as mb-udriver -S");

static struct mb_fault fault;
static bool fault_parsed;
static int *fault_null;		/* the NULL the crash writes through */
static struct mb_ctl_ops fault_ops;

static void fault_say(struct mb_adapter *a, const char *event, const char *extra)
{
	char desc[128];

	mb_fault_describe(&fault, desc, sizeof(desc));
	pr_warn("microbed: event=fault-%s driver=%s dev=%s handle=- pid=%d prog=%s %s%s\n",
		event, MB_FD_DRIVER, pci_name(a->pdev), task_pid_nr(current), MB_DRV_NAME, desc, extra);
}

static void fault_leak(struct mb_adapter *a)
{
	static unsigned long total;
	void *p = vmalloc(MB_FAULT_LEAK_BYTES);

	if (!p)
		return;
	memset(p, 0xa5, MB_FAULT_LEAK_BYTES);
	total += MB_FAULT_LEAK_BYTES;
	pr_warn("microbed: event=fault-leak driver=%s dev=%s total_mib=%lu\n",
		MB_FD_DRIVER, pci_name(a->pdev), total >> 20);
}

/* The wrappers that call the two below around every control operation
 * are generated from the interface spec (gen/fault_direct.c). */

/* Before the operation: true when the fault fires on this call. */
bool mb_fault_direct_pre(struct mb_adapter *a, int op)
{
	char at[32];

	if (mb_fault_leaking(&fault))
		fault_leak(a);
	if (!mb_fault_hit(&fault, op))
		return false;
	snprintf(at, sizeof(at), " call=%u", fault.calls);
	fault_say(a, "fired", at);
	switch (fault.kind) {
	case MB_FAULT_CRASH:
		*READ_ONCE(fault_null) = 1;	/* oops */
		break;
	case MB_FAULT_LOOP:
		for (;;)
			cpu_relax();
	case MB_FAULT_LEAK:
		fault_leak(a);
		break;
	}
	return true;
}

/* After the operation that fired: its result as the fault makes it. */
int mb_fault_direct_post(struct mb_adapter *a, int ret)
{
	switch (fault.kind) {
	case MB_FAULT_RETVAL:
		ret = fault.sub == MB_FAULT_RETVAL_POSITIVE ? 0x12345 :
		      fault.sub == MB_FAULT_RETVAL_NONERRNO ? -100000 : -EIO;
		break;
	case MB_FAULT_RANGE:
		mb_fault_range(a, fault.sub);
		break;
	case MB_FAULT_LATE:
		msleep(5000 + MB_FAULT_LATE_EXTRA_MS);
		break;
	}
	return ret;
}

/* Called by mb_direct_attach: arm the fault named by the parameters, if
 * any, and put the wrapped table in place.  -EINVAL for a bad parameter
 * (probe fails, loudly), 0 otherwise. */
int mb_fault_direct_install(struct mb_adapter *a)
{
	const char *why = "";
	char extra[48] = "";

	if (!fault_spec && !fault_seed)
		return 0;
	if (!fault_parsed) {
		fault_parsed = true;
		if (fault_spec && fault_seed) {
			dev_err(&a->pdev->dev, "fault= and fault_seed= exclude each other\n");
			return -EINVAL;
		}
		if (fault_seed) {
			u64 s;

			if (kstrtou64(fault_seed, 0, &s)) {
				dev_err(&a->pdev->dev, "fault_seed=%s: not a number\n", fault_seed);
				return -EINVAL;
			}
			mb_fault_pick(&fault, s, &MB_FD_OPS);
			snprintf(extra, sizeof(extra), " seed=%llu", s);
		} else if (mb_fault_parse(&fault, fault_spec, &MB_FD_OPS, &why)) {
			dev_err(&a->pdev->dev, "fault=%s: %s\n", fault_spec, why);
			return -EINVAL;
		}
		if (fault.kind == MB_FAULT_GARBAGE) {
			fault_say(a, "skipped", " reason=not-applicable-monolithic");
			fault.kind = MB_FAULT_NONE;
			return 0;
		}
		fault_say(a, "armed", extra);
	}
	if (fault.kind == MB_FAULT_NONE)
		return 0;
	fault_ops = mb_ctl_ops;
	mb_fault_direct_wrap(&fault_ops);
	a->ctl = &fault_ops;
	return 0;
}
