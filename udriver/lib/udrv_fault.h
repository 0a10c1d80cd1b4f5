/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MBU_UDRV_FAULT_H
#define MBU_UDRV_FAULT_H

#include <stdint.h>

#include "mbu.h"
#include "fault.h"

/* What a driver gives the fault glue (udrv_fault.c). */
struct mbu_fault_hooks {
	const char *name;			/* MB_<DRIVER>_DRIVER */
	const struct mb_op_table *ops;		/* its generated operation table */
	/* its generated dispatcher, on the instance's control-path state */
	int (*dispatch)(void *hw, const void *msg, uint32_t len, void *rep,
			uint32_t *rep_len);
	/* range fault `sub` (MB_<DRIVER>_RANGE_FAULT_*): corrupt the tracked
	 * state in reply rep of rep_len bytes, if it carries one */
	void (*range)(void *rep, uint32_t rep_len, int sub);
};

/* mbu_driver.fault_arm, for the driver of h. */
int mbu_fault_arm(const struct mbu_fault_hooks *h, const char *spec,
		  const char *seed, const char *once);
/* mbu_driver.upcall: serves the upcall through h->dispatch, firing the
 * armed fault when it hits. */
int mbu_fault_upcall(const struct mbu_fault_hooks *h, struct mbu_inst *inst,
		     const void *msg, uint32_t len, void *rep, uint32_t *rep_len);

#endif /* MBU_UDRV_FAULT_H */
