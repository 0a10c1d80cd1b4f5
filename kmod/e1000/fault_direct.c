// SPDX-License-Identifier: GPL-2.0
/*
 * Variant `monolithic`: fault points (kmod/include/mb_fault_direct.c has
 * the parameters and what each kind does), and what the e1000's range
 * faults corrupt: mtu=1 / speed=7 / rx_buf_len=1024 in the tracked state.
 */
#include "mb_e1000.h"
#include "../../udriver/e1000/gen/ops.c"	/* the operations' names */

#define MB_FD_DRIVER	"e1000"
#define MB_FD_OPS	mb_e1000_op_table
#include "../include/mb_fault_direct.c"

static void mb_fault_range(struct mb_adapter *a, int sub)
{
	struct e1000_hw *hw = a->ctl_priv;

	if (sub == MB_E1000_RANGE_FAULT_SPEED)
		hw->st.speed = 7;
	else if (sub == MB_E1000_RANGE_FAULT_RXBUF)
		hw->st.rx_buf_len = 1024;
	else
		hw->st.mtu = 1;
}
