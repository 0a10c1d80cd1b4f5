/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the files of the `split` variant only. */
#ifndef MB_E1000_SPLIT_H
#define MB_E1000_SPLIT_H

#include "../core/mb_core.h"
#include "mb_e1000.h"

extern const struct mb_reg_window mb_e1000_map[];	/* reg_policy.c */
extern const u32 mb_e1000_n_map;
extern const struct mb_reg_rule mb_e1000_rules[];
extern const u32 mb_e1000_n_rules;

/* Per-NIC state of the split control path: the kernel's half of the
 * object tracker (the state and the messages it travels in).  Recovery
 * is the runtime's (kmod/core/shadow.c); this driver gives it a replay. */
struct mb_split {
	struct mb_adapter *a;
	struct mb_inst *inst;
	bool resyncing;			/* mb_split_resync in progress */
	struct e1000_state st;		/* the kernel's copy */
	struct e1000_state scratch;	/* candidate copy being checked */
	struct mb_e1000_req req;	/* used under ctl_lock only */
	struct mb_e1000_rep rep;
};

/* After a refused reply: the tracked state to the u-driver again (ctl_upcall.c). ctl_lock held. */
void mb_split_resync(struct mb_split *s, u16 op);

static inline struct mb_split *split_of(struct mb_adapter *a)
{
	return a->ctl_priv;
}

#endif /* MB_E1000_SPLIT_H */
