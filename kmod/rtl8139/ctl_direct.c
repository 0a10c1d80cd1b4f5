// SPDX-License-Identifier: GPL-2.0
/*
 * Variant `monolithic`, the hand-written part: the lifecycle of the
 * control path compiled into this module (ctlpath.c).  The tracked state
 * is the control path's own, so a->st points straight at it.  The direct
 * calls for every control operation and the ops table are generated from
 * the interface spec (gen/ctl_direct.c).
 */
#include <linux/slab.h>

#include "mb_rtl8139.h"

int mb_direct_attach(struct mb_adapter *a)
{
	struct rtl8139_hw *hw = kzalloc(sizeof(*hw), GFP_KERNEL);
	int err;

	if (!hw)
		return -ENOMEM;
	rtl8139_hw_setup(hw, &a->dev);
	a->ctl_priv = hw;
	a->st = &hw->st;
	err = mb_fault_direct_install(a);	/* no-op unless fault= is given */
	if (err) {
		kfree(hw);
		a->ctl_priv = NULL;
	}
	return err;
}

void mb_direct_detach(struct mb_adapter *a)
{
	kfree(a->ctl_priv);
	a->ctl_priv = NULL;
}
