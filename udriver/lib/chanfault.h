/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Seeded corruption at the channel boundary (SWIFI at the interface, as
 * fault injectors corrupt a driver's calls into the kernel): once armed,
 * one downcall chosen from the seed has its arguments corrupted on the
 * way in, or its result on the way back, and the change is said in the
 * kernel log (microbed: event=swifi-fired kind=chan-arg|chan-ret ...).
 */
#ifndef MBU_CHANFAULT_H
#define MBU_CHANFAULT_H

/* spec: "arg:SEED", "ret:SEED" or "SEED" (the side chosen from the seed).
 * 0, or -EINVAL (said why) on a bad spec.  Safe to call while other
 * threads make downcalls: the one fault is taken by one downcall. */
int mbu_chanfault_arm(const char *spec);

#endif /* MBU_CHANFAULT_H */
