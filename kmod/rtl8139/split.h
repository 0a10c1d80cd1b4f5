/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the files of the `split` variant only. */
#ifndef MB_RTL8139_SPLIT_H
#define MB_RTL8139_SPLIT_H

#include "../core/mb_core.h"
#include "mb_rtl8139.h"

extern const struct mb_reg_window mb_rtl8139_map[];	/* reg_policy.c */
extern const u32 mb_rtl8139_n_map;
extern const struct mb_reg_rule mb_rtl8139_rules[];
extern const u32 mb_rtl8139_n_rules;

/* What the policy has seen of the 93C46's pins (reg_policy.c): enough of
 * its serial protocol to know which command is being clocked in. */
struct mb_ee_guard {
	u8 cs, sk;		/* the pins as last written in programming mode */
	u8 phase;		/* MB_EE_* */
	u8 bits;		/* bits of the current phase so far */
	u8 opcode;
};

/* Per-NIC state of the split control path: the kernel's half of the
 * object tracker (the state and the messages it travels in).  Recovery
 * is the runtime's (kmod/core/shadow.c); this driver gives it a replay. */
struct mb_split {
	struct mb_adapter *a;
	struct mb_inst *inst;
	bool resyncing;			/* mb_split_resync in progress */
	struct mb_ee_guard ee;		/* under the core's lock */
	struct rtl8139_state st;	/* the kernel's copy */
	struct rtl8139_state scratch;	/* candidate copy being checked */
	struct mb_rtl8139_req req;	/* used under ctl_lock only */
	struct mb_rtl8139_rep rep;
};

/* After a refused reply: the tracked state to the u-driver again (ctl_upcall.c). ctl_lock held. */
void mb_split_resync(struct mb_split *s, u16 op);

static inline struct mb_split *split_of(struct mb_adapter *a)
{
	return a->ctl_priv;
}

#endif /* MB_RTL8139_SPLIT_H */
