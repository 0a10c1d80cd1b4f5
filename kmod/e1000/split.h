/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the files of the `split` variant only. */
#ifndef MB_E1000_SPLIT_H
#define MB_E1000_SPLIT_H

#include "../core/mb_core.h"
#include "mb_e1000.h"

extern const struct mb_reg_rule mb_e1000_rules[];	/* reg_policy.c */
extern const u32 mb_e1000_n_rules;

#endif /* MB_E1000_SPLIT_H */
