// SPDX-License-Identifier: GPL-2.0
/*
 * The e1000 u-driver: serves the upcalls of mb_e1000_split.ko by running
 * the portable control path (e1000_hw.c and friends) in user space.  The
 * decoding of each upcall, the object tracker's IN direction and the call
 * of the control-path entry point are generated from the interface spec
 * (gen_e1000_decode.c, gen_e1000_dispatch.c); this file is the lifecycle.
 */
#include <errno.h>
#include <stdlib.h>

#include "../lib/mbu.h"
#include "e1000_udrv.h"

static int e1000_u_upcall(struct mbu_inst *inst, const void *msg, uint32_t len,
			  void *rep, uint32_t *rep_len)
{
	return mb_e1000_dispatch(inst->priv, msg, len, rep, rep_len);
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
	.attach	= e1000_u_attach,
	.upcall	= e1000_u_upcall,
	.gone	= e1000_u_gone,
};
