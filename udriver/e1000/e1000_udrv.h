/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MB_E1000_UDRV_H
#define MB_E1000_UDRV_H

#include "../lib/mbu.h"

/* The e1000's entry in mb-udriver's table of drivers. */
extern const struct mbu_driver e1000_udriver;

#endif
