# SPDX-License-Identifier: GPL-2.0
# The RTL8139 u-driver, for udriver/Makefile (which includes every */driver.mk).
# RTL8139_CTL: the portable control path, the same sources the monolithic
# module compiles in (kmod/rtl8139/ctlpath.c) and what `npm run split-stats`
# counts as the driver's user-space lines.
RTL8139_CTL := rtl8139/rtl8139_hw.c rtl8139/rtl8139_eeprom.c \
	       rtl8139/rtl8139_rxmode.c rtl8139/rtl8139_link.c \
	       rtl8139/rtl8139_stats.c rtl8139/rtl8139_diag.c
# gen/ is generated from orchestrator/slicer/specs/rtl8139.spec.ts (npm run generate)
RTL8139_GEN := rtl8139/gen/decode.c rtl8139/gen/dispatch.c rtl8139/gen/ops.c
DRIVER_SRCS += $(RTL8139_CTL) $(RTL8139_GEN) rtl8139/rtl8139_udrv.c
