// SPDX-License-Identifier: GPL-2.0
/*
 * Variant `monolithic`: the internal fault points of mb-udriver -f/-S
 * (udriver/lib/fault.h), here running in the kernel, to contrast with
 * `split`.  Off unless a parameter is given at load time:
 *
 *   insmod mb_e1000.ko fault=KIND[.SUB][:OP[:N]]     e.g. fault=crash:SET_MTU:1
 *   insmod mb_e1000.ko fault_seed=S                  same choice as mb-udriver -S S
 *
 * When armed, probe points a->ctl at a copy of the ops table whose control
 * operations are wrapped; unarmed, nothing changes (a->ctl stays
 * &mb_ctl_ops).  What each kind does here:
 *   crash    a NULL write: a real kernel oops (the expected outcome)
 *   retval   the operation returns -EIO / 0x12345 / -100000
 *   range    mtu=1 / speed=7 / rx_buf_len=1024 written into the tracked
 *            state, which under monolithic is the kernel's own (no checks)
 *   late     the operation sleeps 8 s (split's default timeout + 3 s)
 *   loop     a real infinite loop, under ctl_lock (soft lockup)
 *   leak     16 MiB vmalloc'ed, touched and never freed on every call
 *   garbage  not applicable: there is no channel; armed as nothing
 * RESTORE is never called in this variant, so a fault on it never fires.
 */
#include <linux/delay.h>
#include <linux/moduleparam.h>
#include <linux/vmalloc.h>

#include "mb_e1000.h"
#include "../../udriver/lib/fault.c"

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
	pr_warn("microbed: event=fault-%s driver=e1000 dev=%s handle=- pid=%d prog=mb_e1000 %s%s\n",
		event, pci_name(a->pdev), task_pid_nr(current), desc, extra);
}

static void fault_leak(struct mb_adapter *a)
{
	static unsigned long total;
	void *p = vmalloc(MB_FAULT_LEAK_BYTES);

	if (!p)
		return;
	memset(p, 0xa5, MB_FAULT_LEAK_BYTES);
	total += MB_FAULT_LEAK_BYTES;
	pr_warn("microbed: event=fault-leak driver=e1000 dev=%s total_mib=%lu\n",
		pci_name(a->pdev), total >> 20);
}

/* Before the operation: true when the fault fires on this call. */
static bool fault_pre(struct mb_adapter *a, int op)
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
static int fault_post(struct mb_adapter *a, int ret)
{
	struct e1000_hw *hw = a->ctl_priv;

	switch (fault.kind) {
	case MB_FAULT_RETVAL:
		ret = fault.sub == MB_FAULT_RETVAL_POSITIVE ? 0x12345 :
		      fault.sub == MB_FAULT_RETVAL_NONERRNO ? -100000 : -EIO;
		break;
	case MB_FAULT_RANGE:
		if (fault.sub == MB_FAULT_RANGE_SPEED)
			hw->st.speed = 7;
		else if (fault.sub == MB_FAULT_RANGE_RXBUF)
			hw->st.rx_buf_len = 1024;
		else
			hw->st.mtu = 1;
		break;
	case MB_FAULT_LATE:
		msleep(5000 + MB_FAULT_LATE_EXTRA_MS);
		break;
	}
	return ret;
}

#define WRAP(name, OP, params, args)					\
static int f_##name params						\
{									\
	bool hit = fault_pre(a, MB_E1000_##OP);				\
	int r = mb_ctl_ops.name args;					\
									\
	return hit ? fault_post(a, r) : r;				\
}

WRAP(init, INIT, (struct mb_adapter *a), (a))
WRAP(up, UP, (struct mb_adapter *a), (a))
WRAP(down, DOWN, (struct mb_adapter *a), (a))
WRAP(watchdog, WATCHDOG, (struct mb_adapter *a), (a))
WRAP(tx_timeout, TX_TIMEOUT, (struct mb_adapter *a), (a))
WRAP(set_mtu, SET_MTU, (struct mb_adapter *a, u32 mtu), (a, mtu))
WRAP(set_mac, SET_MAC, (struct mb_adapter *a, const u8 *mac), (a, mac))
WRAP(set_rx_mode, SET_RX_MODE,
     (struct mb_adapter *a, u32 flags, const u8 (*mc)[E1000_ETH_ALEN], u32 n,
      const u8 (*uc)[E1000_ETH_ALEN], u32 n_uc), (a, flags, mc, n, uc, n_uc))
WRAP(get_link_ksettings, GET_LINK_KSETTINGS,
     (struct mb_adapter *a, u64 *sup, u64 *adv, u64 *lp, u8 *an, u8 *port,
      u8 *phy, u32 *speed, u8 *duplex),
     (a, sup, adv, lp, an, port, phy, speed, duplex))
WRAP(set_link_ksettings, SET_LINK_KSETTINGS,
     (struct mb_adapter *a, u32 an, u32 speed, u32 duplex, u64 adv),
     (a, an, speed, duplex, adv))
WRAP(restart_autoneg, RESTART_AUTONEG, (struct mb_adapter *a), (a))
WRAP(get_link, GET_LINK, (struct mb_adapter *a), (a))
WRAP(set_msglevel, SET_MSGLEVEL, (struct mb_adapter *a, u32 level), (a, level))
WRAP(get_regs, GET_REGS, (struct mb_adapter *a, u32 *out, u32 n), (a, out, n))
WRAP(get_ring_counts, GET_RING_COUNTS, (struct mb_adapter *a, u32 *tx, u32 *rx), (a, tx, rx))
WRAP(get_stats, GET_STATS, (struct mb_adapter *a, u64 *out, u32 n), (a, out, n))
WRAP(get_stat_names, GET_STAT_NAMES,
     (struct mb_adapter *a, char (*out)[E1000_STAT_NAME_LEN], u32 n), (a, out, n))
WRAP(stats_count, STATS_COUNT, (struct mb_adapter *a), (a))
WRAP(regs_count, REGS_COUNT, (struct mb_adapter *a), (a))

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
			mb_fault_pick(&fault, s);
			snprintf(extra, sizeof(extra), " seed=%llu", s);
		} else if (mb_fault_parse(&fault, fault_spec, &why)) {
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
	fault_ops.init = f_init;
	fault_ops.up = f_up;
	fault_ops.down = f_down;
	fault_ops.watchdog = f_watchdog;
	fault_ops.tx_timeout = f_tx_timeout;
	fault_ops.set_mtu = f_set_mtu;
	fault_ops.set_mac = f_set_mac;
	fault_ops.set_rx_mode = f_set_rx_mode;
	fault_ops.get_link_ksettings = f_get_link_ksettings;
	fault_ops.set_link_ksettings = f_set_link_ksettings;
	fault_ops.restart_autoneg = f_restart_autoneg;
	fault_ops.get_link = f_get_link;
	fault_ops.set_msglevel = f_set_msglevel;
	fault_ops.get_regs = f_get_regs;
	fault_ops.get_ring_counts = f_get_ring_counts;
	fault_ops.get_stats = f_get_stats;
	fault_ops.get_stat_names = f_get_stat_names;
	fault_ops.stats_count = f_stats_count;
	fault_ops.regs_count = f_regs_count;
	a->ctl = &fault_ops;
	return 0;
}
