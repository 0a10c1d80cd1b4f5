// SPDX-License-Identifier: GPL-2.0
/*
 * Variant `monolithic`: fault points (kmod/include/mb_fault_direct.c has
 * the parameters and what each kind does), and what the RTL8139's range
 * faults corrupt: mtu=1 / speed=7 in the tracked state.
 */
#include "mb_rtl8139.h"
#include "../../udriver/rtl8139/gen/ops.c"	/* the operations' names */

#define MB_FD_DRIVER	"rtl8139"
#define MB_FD_OPS	mb_rtl8139_op_table
#include "../include/mb_fault_direct.c"

static void mb_fault_range(struct mb_adapter *a, int sub)
{
	struct rtl8139_hw *hw = a->ctl_priv;

	if (sub == MB_RTL8139_RANGE_FAULT_SPEED)
		hw->st.speed = 7;
	else
		hw->st.mtu = 1;
}
