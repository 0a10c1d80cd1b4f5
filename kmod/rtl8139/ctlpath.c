// SPDX-License-Identifier: GPL-2.0
/*
 * The portable control path, compiled into the module as one unit.
 * Including the sources (rather than naming ../../udriver objects in
 * Kbuild) keeps kbuild's output inside kmod/rtl8139: the same files are
 * also built for user space by udriver/Makefile.
 */
#include "../../udriver/rtl8139/rtl8139_hw.c"
#include "../../udriver/rtl8139/rtl8139_eeprom.c"
#include "../../udriver/rtl8139/rtl8139_rxmode.c"
#include "../../udriver/rtl8139/rtl8139_link.c"
#include "../../udriver/rtl8139/rtl8139_stats.c"
#include "../../udriver/rtl8139/rtl8139_diag.c"
