/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MB_RTL8139_UDRV_H
#define MB_RTL8139_UDRV_H

#include "../lib/mbu.h"

/* The RTL8139's entry in mb-udriver's table of drivers. */
extern const struct mbu_driver rtl8139_udriver;

#endif
