// SPDX-License-Identifier: GPL-2.0
/*
 * The portable control path, compiled into the module as one unit.
 * Including the sources (rather than naming ../../udriver objects in
 * Kbuild) keeps kbuild's output inside kmod/e1000: the same files are also
 * built for user space by udriver/Makefile and must not share objects.
 */
#include "../../udriver/e1000/e1000_hw.c"
#include "../../udriver/e1000/e1000_rxmode.c"
#include "../../udriver/e1000/e1000_phy.c"
#include "../../udriver/e1000/e1000_fc.c"
#include "../../udriver/e1000/e1000_eeprom.c"
#include "../../udriver/e1000/e1000_stats.c"
#include "../../udriver/e1000/e1000_ethtool.c"
#include "../../udriver/e1000/e1000_diag.c"
#include "../../udriver/e1000/e1000_vlan.c"
