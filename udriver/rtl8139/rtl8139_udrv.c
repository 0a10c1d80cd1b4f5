// SPDX-License-Identifier: GPL-2.0
/*
 * The RTL8139 u-driver: serves the upcalls of mb_rtl8139_split.ko by
 * running the portable control path (rtl8139_hw.c and friends) in user
 * space.  Decoding, the object tracker's IN direction and the calls of the
 * control-path entry points are generated from the interface spec
 * (gen/decode.c, gen/dispatch.c); armed fault points are the runtime's
 * (../lib/udrv_fault.c).  This file is the lifecycle, plus what the
 * RTL8139's range faults corrupt.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "../lib/mbu.h"
#include "../lib/udrv_fault.h"
#include "rtl8139_udrv.h"
#include "gen/rtl8139_proto.h"

static int dispatch(void *hw, const void *msg, uint32_t len, void *rep,
		    uint32_t *rep_len)
{
	return mb_rtl8139_dispatch(hw, msg, len, rep, rep_len);
}

static void range(void *rep, uint32_t rep_len, int sub)
{
	struct mb_rtl8139_rep *r = rep;

	if (rep_len < offsetof(struct mb_rtl8139_rep, r))
		return;	/* a bare header carries no state */
	if (sub == MB_RTL8139_RANGE_FAULT_SPEED)
		r->st.speed = 7;
	else
		r->st.mtu = 1;
	mbu_log("fault range: reply state mtu=%u speed=%u\n", r->st.mtu,
		r->st.speed);
}

static const struct mbu_fault_hooks hooks = {
	.name = MB_RTL8139_DRIVER, .ops = &mb_rtl8139_op_table,
	.dispatch = dispatch, .range = range,
};

static int rtl8139_u_upcall(struct mbu_inst *inst, const void *msg,
			    uint32_t len, void *rep, uint32_t *rep_len)
{
	return mbu_fault_upcall(&hooks, inst, msg, len, rep, rep_len);
}

static int rtl8139_u_fault_arm(const char *spec, const char *seed,
			       const char *once)
{
	return mbu_fault_arm(&hooks, spec, seed, once);
}

static int rtl8139_u_attach(struct mbu_inst *inst)
{
	struct rtl8139_hw *hw = calloc(1, sizeof(*hw));

	if (!hw)
		return -ENOMEM;
	rtl8139_hw_setup(hw, &inst->dev);
	inst->priv = hw;
	return 0;
}

static void rtl8139_u_gone(struct mbu_inst *inst)
{
	free(inst->priv);
	inst->priv = NULL;
}

const struct mbu_driver rtl8139_udriver = {
	.name	= MB_RTL8139_DRIVER,
	.layout	= MB_RTL8139_LAYOUT,
	.attach	= rtl8139_u_attach,
	.upcall	= rtl8139_u_upcall,
	.gone	= rtl8139_u_gone,
	.fault_arm = rtl8139_u_fault_arm,
};
