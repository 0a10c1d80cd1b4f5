# SPDX-License-Identifier: GPL-2.0
# The e1000 u-driver, for udriver/Makefile (which includes every */driver.mk).
# E1000_CTL: the portable control path, the same sources the monolithic
# module compiles in (kmod/e1000/ctlpath.c) and what `npm run split-stats`
# counts as the driver's user-space lines.
E1000_CTL := e1000/e1000_hw.c e1000/e1000_rxmode.c e1000/e1000_phy.c \
	     e1000/e1000_fc.c e1000/e1000_eeprom.c e1000/e1000_stats.c \
	     e1000/e1000_ethtool.c e1000/e1000_diag.c e1000/e1000_vlan.c
# gen/ is generated from orchestrator/slicer/specs/e1000.spec.ts (npm run generate)
E1000_GEN := e1000/gen/decode.c e1000/gen/dispatch.c e1000/gen/ops.c
DRIVER_SRCS += $(E1000_CTL) $(E1000_GEN) e1000/e1000_udrv.c
