// SPDX-License-Identifier: GPL-2.0
/*
 * mb-hostile's RTL8139 cases: what its register policy (kmod/rtl8139/
 * reg_policy.c) must refuse, with the rings live and not.  QEMU decodes
 * the BAR as bytes, so each forbidden register is also tried at a width
 * that reaches it from a neighbour.
 */
#include <errno.h>
#include <stdio.h>

#include "hostile.h"
#include "../rtl8139/gen/rtl8139_proto.h"

static uint32_t results(uint16_t op, void *p, uint32_t ring)
{
	return 0;	/* no ring sizes to lie about: the rings are fixed */
}

static int live(struct mbu_chan *c, uint32_t handle)
{
	uint32_t cr = 0;

	mbu_rd(c, handle, 1, RTL_CR, &cr);
	return !!(cr & RTL_CR_RE);
}

static int reset(struct mbu_chan *c, uint32_t handle)
{
	return mbu_wr(c, handle, 1, RTL_CR, RTL_CR_RST);
}

static void corrupt(void *p)
{
	struct rtl8139_state *st = p;

	st->mtu = 1;		/* below any legal MTU */
	st->speed = 1000;	/* a 10/100 chip */
}

/* Clock one bit into the 93C46 (programming mode, chip selected). */
static int ee_bit(struct mbu_chan *c, uint32_t handle, int bit)
{
	uint32_t di = bit ? RTL_9346_EEDI : 0;
	int err = mbu_wr(c, handle, 1, RTL_9346CR, RTL_9346_PROGRAM | RTL_9346_EECS | di);

	return err ? err : mbu_wr(c, handle, 1, RTL_9346CR,
				  RTL_9346_PROGRAM | RTL_9346_EECS | di | RTL_9346_EESK);
}

/* A command to the EEPROM: start bit and opcode (the address and data
 * would follow); the error of the edge that completes the opcode. */
static int ee_command(struct mbu_chan *c, uint32_t handle, int op)
{
	int err;

	mbu_wr(c, handle, 1, RTL_9346CR, RTL_9346_PROGRAM);
	mbu_wr(c, handle, 1, RTL_9346CR, RTL_9346_PROGRAM | RTL_9346_EECS);
	err = ee_bit(c, handle, 1);
	if (!err)
		err = ee_bit(c, handle, op >> 1 & 1);
	if (!err)
		err = ee_bit(c, handle, op & 1);
	mbu_wr(c, handle, 1, RTL_9346CR, RTL_9346_PROGRAM);
	mbu_wr(c, handle, 1, RTL_9346CR, RTL_9346_NORMAL);
	return err;
}

static void cases(struct mbu_chan *c, uint32_t handle, const char *device,
		  int live)
{
	static const struct { const char *name; uint32_t width, reg, val; } deny[] = {
		/* the DMA addresses: C+ rings, tally dump, C mode receive buffer */
		{ "write-tnpds", 4, RTL_TNPDS, 0x1000 },
		{ "write-tnpds-high", 4, RTL_TNPDS + 4, 1 },
		{ "write-thpds", 4, RTL_THPDS, 0x1000 },
		{ "write-rdsar", 4, RTL_RDSAR, 0x1000 },
		{ "write-rdsar-high", 4, RTL_RDSAR + 4, 1 },
		{ "write-dtccr-dump", 4, RTL_DTCCR, 0x1000 | RTL_DTCCR_DUMP },
		{ "write-rbstart", 4, RTL_RBSTART, 0x1000 },
		/* a C mode transmit status write starts a DMA from TSAD */
		{ "write-tsd2", 4, RTL_TSD2, 0x100 },
		/* the C+ command: C+ receive off means C mode, into RBSTART */
		{ "write-cpcr", 2, RTL_CPCR, RTL_CPCR_TXEN },
		{ "write-cpcr-as-dword", 4, RTL_CPCR, 0 },
		/* interrupts and the transmit poll are the data path's */
		{ "write-imr", 2, RTL_IMR, 0xFFFF },
		{ "write-timerint", 4, RTL_TIMERINT, 1000 },
		{ "write-tppoll", 1, RTL_TPPOLL, RTL_TPPOLL_NPQ },
		{ "write-tppoll-via-config5-word", 2, RTL_CONFIG5, RTL_TPPOLL_NPQ << 8 },
		{ "write-capr", 2, RTL_CAPR, 0 },
		/* CR reached from the word below it (the dword case is above):
		 * QEMU splits such an access into bytes */
		{ "write-cr-via-word-at-0x36", 2, 0x36, RTL_CR_RST << 8 },
	};
	static const struct { const char *name; uint32_t width, reg; } hidden[] = {
		{ "read-tnpds", 4, RTL_TNPDS }, { "read-rdsar", 4, RTL_RDSAR },
		{ "read-dtccr", 4, RTL_DTCCR }, { "read-rbstart", 4, RTL_RBSTART },
		{ "read-rdsar-byte", 1, RTL_RDSAR + 1 },
	};
	struct mb_rtl8139_dc_tally t;
	uint32_t v, i;

	/* first, so that their refusals are among the lines the kernel's
	 * rate limit lets through (50 per 5 s) */
	report("write-cr-via-dword-at-0x34", -EPERM, mbu_wr(c, handle, 4, 0x34, RTL_CR_RE << 24));
	/* only READ goes to the EEPROM: write (01), erase (11), EWEN (00) */
	report("eeprom-write-command", -EPERM, ee_command(c, handle, 1));
	report("eeprom-erase-command", -EPERM, ee_command(c, handle, 3));
	report("eeprom-write-enable-command", -EPERM, ee_command(c, handle, 0));
	report("eeprom-read-command-allowed", 0, ee_command(c, handle, 2));
	for (i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		report(deny[i].name, -EPERM,
		       mbu_wr(c, handle, deny[i].width, deny[i].reg, deny[i].val));
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		report(hidden[i].name, -EPERM,
		       mbu_rd(c, handle, hidden[i].width, hidden[i].reg, &v));
	report("read-tcr-allowed", 0, mbu_rd32(c, handle, RTL_TCR, &v));
	report("read-bmsr-allowed", 0, mbu_rd(c, handle, 2, RTL_BMSR, &v));
	report("read-out-of-bar", -EINVAL, mbu_rd32(c, handle, RTL_REGS_LEN, &v));
	report("read-unaligned", -EINVAL, mbu_rd(c, handle, 2, RTL_BMSR + 1, &v));
	report("read-undocumented", -EPERM, mbu_rd(c, handle, 1, 0x80, &v));
	/* the tally dump is the kernel's to aim; only its exact size is served */
	report("tally-downcall-served", 0,
	       mbu_downcall(c, handle, MB_RTL8139_DC_TALLY, &t, sizeof(t)));
	report("tally-downcall-short", -EINVAL,
	       mbu_downcall(c, handle, MB_RTL8139_DC_TALLY, &t, sizeof(t) - 8));
	report("driver-downcall-undeclared", -EINVAL,
	       mbu_downcall(c, handle, MB_RTL8139_DC_TALLY + 1, &t, 8));
	if (live) {
		report("reset-while-live", -EPERM, reset(c, handle));
		report("autoload-reset-while-live", -EPERM,
		       mbu_wr(c, handle, 1, RTL_9346CR, RTL_9346_AUTOLOAD));
		report("ack-irqs-while-live", -EPERM,
		       mbu_wr(c, handle, 2, RTL_ISR, 0xFFFF));
	} else {
		report("rx-enable-without-rings", -EPERM,
		       mbu_wr(c, handle, 1, RTL_CR, RTL_CR_RE));
		report("tx-enable-without-rings", -EPERM,
		       mbu_wr(c, handle, 1, RTL_CR, RTL_CR_TE));
	}
}

const struct hostile_drv hostile_rtl8139 = {
	.name = MB_RTL8139_DRIVER,
	.layout = MB_RTL8139_LAYOUT,
	.req_state_end = offsetof(struct mb_rtl8139_req, a),
	.rep_state_end = offsetof(struct mb_rtl8139_rep, r),
	.tracked_state = sizeof(struct rtl8139_state),
	.allowed_rd32 = RTL_TCR,
	.results = results,
	.live = live,
	.reset = reset,
	.corrupt = corrupt,
	.cases = cases,
};
