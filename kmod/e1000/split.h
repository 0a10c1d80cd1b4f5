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
 * object tracker (ctl_upcall.c: lifecycle, replay; gen_ctl_upcall.c: the
 * upcall stubs). */
struct mb_split {
	struct mb_adapter *a;
	struct mb_inst *inst;
	struct e1000_state st;		/* the kernel's copy */
	struct e1000_state scratch;	/* candidate copy being checked */
	bool initialized;		/* INIT succeeded: OUT_INIT fields held */
	bool outage;			/* u-driver gone, replay not done yet */
	bool retired;			/* crash loop: no replay until a cool-down */
	bool quiesced;			/* unloading: nobody waits any more */
	wait_queue_head_t served_wq;	/* woken when an outage ends */
	struct work_struct replay_work;
	struct work_struct retire_work;
	struct mb_e1000_req req;	/* used under ctl_lock only */
	struct mb_e1000_rep rep;
};

#endif /* MB_E1000_SPLIT_H */
