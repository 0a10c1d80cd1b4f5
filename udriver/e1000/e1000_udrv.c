// SPDX-License-Identifier: GPL-2.0
/*
 * The e1000 u-driver: serves the upcalls of mb_e1000_split.ko by running
 * the portable control path (e1000_hw.c and friends) in user space.  The
 * decoding of each upcall, the object tracker's IN direction and the call
 * of the control-path entry point are generated from the interface spec
 * (gen/decode.c, gen/dispatch.c); armed fault points are the runtime's
 * (../lib/udrv_fault.c).  This file is the lifecycle, plus what the
 * e1000's range faults corrupt.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "../lib/mbu.h"
#include "../lib/udrv_fault.h"
#include "e1000_udrv.h"
#include "gen/e1000_proto.h"

static int dispatch(void *hw, const void *msg, uint32_t len, void *rep,
		    uint32_t *rep_len)
{
	return mb_e1000_dispatch(hw, msg, len, rep, rep_len);
}

static void range(void *rep, uint32_t rep_len, int sub)
{
	struct mb_e1000_rep *r = rep;

	if (rep_len < offsetof(struct mb_e1000_rep, r))
		return;	/* a bare header carries no state */
	if (sub == MB_E1000_RANGE_FAULT_SPEED)
		r->st.speed = 7;
	else if (sub == MB_E1000_RANGE_FAULT_RXBUF)
		r->st.rx_buf_len = 1024;	/* not a size the kernel posts */
	else
		r->st.mtu = 1;
	mbu_log("fault range: reply state mtu=%u speed=%u rx_buf_len=%u\n",
		r->st.mtu, r->st.speed, r->st.rx_buf_len);
}

static const struct mbu_fault_hooks hooks = {
	.name = MB_E1000_DRIVER, .ops = &mb_e1000_op_table,
	.dispatch = dispatch, .range = range,
};

static int e1000_u_upcall(struct mbu_inst *inst, const void *msg, uint32_t len,
			  void *rep, uint32_t *rep_len)
{
	return mbu_fault_upcall(&hooks, inst, msg, len, rep, rep_len);
}

static int e1000_u_fault_arm(const char *spec, const char *seed, const char *once)
{
	return mbu_fault_arm(&hooks, spec, seed, once);
}

static int e1000_u_attach(struct mbu_inst *inst)
{
	struct e1000_hw *hw = calloc(1, sizeof(*hw));

	if (!hw)
		return -ENOMEM;
	e1000_hw_setup(hw, &inst->dev);
	inst->priv = hw;
	return 0;
}

static void e1000_u_gone(struct mbu_inst *inst)
{
	free(inst->priv);
	inst->priv = NULL;
}

const struct mbu_driver e1000_udriver = {
	.name	= MB_E1000_DRIVER,
	.layout	= MB_E1000_LAYOUT,
	.attach	= e1000_u_attach,
	.upcall	= e1000_u_upcall,
	.gone	= e1000_u_gone,
	.fault_arm = e1000_u_fault_arm,
};
