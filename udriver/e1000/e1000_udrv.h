/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MB_E1000_UDRV_H
#define MB_E1000_UDRV_H

#include "../lib/mbu.h"

extern const struct mbu_driver e1000_udriver;

/* Arm one fault point (fault.h): by spec (KIND[.SUB][:OP[:N]]) or, when
 * seed is set, chosen from the seed.  once: a file that, when it exists,
 * keeps the fault disarmed, and that firing creates (so a supervised
 * daemon fires it once, not on every restart).  0 or -EINVAL. */
int e1000_u_fault_arm(const char *spec, const char *seed, const char *once);

#endif
