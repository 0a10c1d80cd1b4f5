// SPDX-License-Identifier: GPL-2.0
/*
 * mb-hostile's e1000 cases: what its register policy (kmod/e1000/
 * reg_policy.c) must refuse, with the rings live and not.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "hostile.h"
#include "../e1000/gen/e1000_proto.h"

static uint32_t results(uint16_t op, void *p, uint32_t ring)
{
	union { struct mb_e1000_r_ring_sizes rs; struct mb_e1000_r_get_ring_counts rc; } *r = p;

	switch (op) {
	case MB_E1000_RING_SIZES:
		r->rs.tx = r->rs.rx = ring ? ring : E1000_RING_DEFAULT;
		return sizeof(r->rs);
	case MB_E1000_GET_RING_COUNTS:
		r->rc.tx = r->rc.rx = E1000_RING_DEFAULT;
		return sizeof(r->rc);
	}
	return 0;
}

/* Are the rings live (interface up)?  RCTL.EN tells. */
static int live(struct mbu_chan *c, uint32_t handle)
{
	uint32_t rctl = 0;

	mbu_rd32(c, handle, E1000_RCTL, &rctl);
	return !!(rctl & E1000_RCTL_EN);
}

static int reset(struct mbu_chan *c, uint32_t handle)
{
	return mbu_wr32(c, handle, E1000_CTRL, E1000_CTRL_RST);
}

static void corrupt(void *p)
{
	struct e1000_state *st = p;

	st->mtu = 1;		/* below any legal MTU */
	st->rx_buf_len = 1 << 20;
}

/*
 * ethtool -G answered with a ring size the device cannot take: TDLEN/
 * RDLEN count in 128-byte units, so 81 descriptors would become 80 in the
 * device while the kernel walked 81 (duplicate and stale transmits, RX
 * into slots already handed to the stack).  The kernel must refuse the
 * answer (EINVAL) before it touches a ring.
 */
static void unaligned_ring_case(struct mbu_chan *c, const char *device)
{
	char ifname[32];
	pid_t pid;

	if (netdev_of(device, ifname, sizeof(ifname))) {
		skip("ring-sizes-unaligned", "no-netdev");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(-set_rings(ifname, E1000_RING_MIN + E1000_RING_ALIGN));
	report("ring-sizes-unaligned", -EINVAL,
	       child_errno(serve_until_exit(c, pid, E1000_RING_MIN + 1, 0)));
}

static void cases(struct mbu_chan *c, uint32_t handle, const char *device,
		  int live)
{
	static const struct { const char *name; uint32_t reg, val; } deny[] = {
		{ "write-tdbal", 0x03800, 0x1000 },
		{ "write-tdbah", 0x03804, 0 },
		{ "write-tdlen", 0x03808, 4096 },
		{ "write-tdt", 0x03818, 5 },
		{ "write-rdbal", 0x02800, 0x1000 },
		{ "write-rdbah", 0x02804, 0x1 },
		{ "write-rdlen", 0x02808, 4096 },
		{ "write-rdh", 0x02810, 0 },
		{ "write-rdt", 0x02818, 7 },
		/* the 82542's offsets of the ring registers: not in the map */
		{ "write-82542-alias-rdbal", 0x00110, 0x1000 },
		{ "write-82542-alias-tdbal", 0x00420, 0x1000 },
		{ "write-82542-alias-tdlen", 0x00428, 4096 },
		/* no interrupt is ever raised or unmasked by the u-driver */
		{ "write-ics", 0x000C8, 0x4 },
		{ "write-ims", 0x000D0, 0x4 },
		/* the EEPROM is read through EERD, never bit-banged */
		{ "write-eecd", 0x00010, 0x0 },
		/* a PHY cycle that ends in an interrupt (MDIC.INT_EN) */
		{ "write-mdic-int-en", 0x00020, (1u << 29) | (2u << 26) | (1u << 21) },
	};
	static const struct { const char *name; uint32_t reg; } hidden[] = {
		{ "read-tdbal", 0x03800 }, { "read-tdbah", 0x03804 },
		{ "read-rdbal", 0x02800 }, { "read-rdbah", 0x02804 },
		{ "read-82542-alias-rdbal", 0x00110 },
	};
	struct mb_dc_reg r = { 0 };
	uint32_t v, rctl = 0, i;

	if (live)	/* first: its refusal is logged before the others */
		unaligned_ring_case(c, device);
	for (i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		report(deny[i].name, -EPERM,
		       mbu_wr32(c, handle, deny[i].reg, deny[i].val));
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		report(hidden[i].name, -EPERM,
		       mbu_rd32(c, handle, hidden[i].reg, &v));
	report("read-status-allowed", 0, mbu_rd32(c, handle, 0x8, &v));
	report("read-tdlen-allowed", 0, mbu_rd32(c, handle, 0x03808, &v));
	report("read-out-of-bar", -EINVAL, mbu_rd32(c, handle, 0x40000, &v));
	report("read-unaligned", -EINVAL, mbu_rd32(c, handle, 0x6, &v));
	/* 32-bit registers only: a byte write into RDBAL's would be a way in */
	report("write8-not-this-nic", -EINVAL, mbu_wr(c, handle, 1, 0x02800, 0x10));

	mbu_rd32(c, handle, 0x100, &rctl);
	if (live) {
		/* 16 KB buffers over the posted 2 KB ones: DMA overflow */
		report("rctl-oversized-buffers", -EPERM,
		       mbu_wr32(c, handle, 0x100, rctl | (1u << 25) | (1u << 16)));
		report("rctl-82542-reset-bit", -EPERM,
		       mbu_wr32(c, handle, 0x100, rctl | 1));
		report("reset-while-live", -EPERM,
		       mbu_wr32(c, handle, 0x0, (1u << 26) | (1u << 6)));
		report("eeprom-reload-while-live", -EPERM,
		       mbu_wr32(c, handle, 0x18, 1u << 13));
		report("mask-irqs-while-live", -EPERM,
		       mbu_wr32(c, handle, 0xD8, ~0u));
		report("read-icr-while-live", -EPERM,
		       mbu_rd32(c, handle, 0xC0, &v));
	} else {
		report("rx-enable-without-rings", -EPERM,
		       mbu_wr32(c, handle, 0x100, 2));
		report("tx-enable-without-rings", -EPERM,
		       mbu_wr32(c, handle, 0x400, 2));
	}
	report("driver-downcall-none-declared", -EINVAL,
	       mbu_downcall(c, handle, MB_DC_DRIVER_BASE, &r, sizeof(r)));
}

const struct hostile_drv hostile_e1000 = {
	.name = MB_E1000_DRIVER,
	.layout = MB_E1000_LAYOUT,
	.req_state_end = offsetof(struct mb_e1000_req, a),
	.rep_state_end = offsetof(struct mb_e1000_rep, r),
	.tracked_state = sizeof(struct e1000_state),
	.allowed_rd32 = E1000_STATUS,
	.results = results,
	.live = live,
	.reset = reset,
	.corrupt = corrupt,
	.cases = cases,
};
