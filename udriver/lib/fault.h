/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault points of a control path, for fault injection.  One fault is armed
 * per process (split: mb-udriver -f/-S) or per module load (monolithic:
 * the driver's module parameters fault=/fault_seed=).  It fires on the Nth call of one
 * control operation, named as the driver's generated operation table says
 * (udriver/<driver>/gen/ops.c: SET_MTU, WATCHDOG, ...).  This file and
 * fault.c are freestanding (no libc, no kernel headers besides drvapi.h's
 * types) so that the same parser, the same seeded choice and the same
 * trigger serve both variants of every driver; what a fault *does* is each
 * variant's own code (the driver's u-driver in udriver/<driver>/, its
 * kmod/<driver>/fault_direct.c).  It lives in lib/ (outside the driver-line
 * count of `npm run split-stats`) because it is test instrumentation, not
 * driver code.
 *
 * Spec: KIND[.SUB][:OP[:N]]   e.g. crash:SET_MTU:1, range.speed:WATCHDOG,
 *       late, garbage.seq:GET_STATS:2.   OP defaults to the driver's
 *       periodic operation, N to 1.
 */
#ifndef MB_FAULT_H
#define MB_FAULT_H

#include "drvapi.h"

/* A driver's operations, generated from its spec (udriver/<driver>/gen/ops.c). */
struct mb_op_table {
	const char *driver;
	int first;			/* op numbers first .. end - 1 */
	int end;
	int periodic;			/* the op the runtime issues regularly: the default */
	const char *const *names;	/* by op - first, upper case; NULL: no such op */
	const char *const *range_subs;	/* the driver's range faults, NULL-terminated */
};

enum mb_fault_kind {
	MB_FAULT_NONE = 0,
	MB_FAULT_CRASH,		/* NULL write inside the operation */
	MB_FAULT_RETVAL,	/* the operation returns a wrong value */
	MB_FAULT_RANGE,		/* out-of-range value in the tracked state */
	MB_FAULT_LATE,		/* answer later than the upcall timeout */
	MB_FAULT_GARBAGE,	/* malformed reply (split only) */
	MB_FAULT_LOOP,		/* never return */
	MB_FAULT_LEAK,		/* leak memory on every call from then on */
	MB_FAULT_KINDS
};

/* Sub-kinds (0 is each kind's default); range's are the driver's
 * (its table's range_subs, numbered MB_<DRIVER>_RANGE_FAULT_*). */
enum { MB_FAULT_RETVAL_EIO, MB_FAULT_RETVAL_POSITIVE, MB_FAULT_RETVAL_NONERRNO };
enum { MB_FAULT_GARBAGE_RANDOM, MB_FAULT_GARBAGE_LENGTH, MB_FAULT_GARBAGE_SEQ };

#define MB_FAULT_LATE_EXTRA_MS	3000	/* late = upcall timeout + this */
#define MB_FAULT_LEAK_BYTES	(16u << 20)	/* leaked per call once fired */

struct mb_fault {
	const struct mb_op_table *ops;	/* the driver's operations */
	int kind;		/* enum mb_fault_kind; NONE: nothing armed */
	int sub;
	int op;			/* one of ops */
	uint32_t nth;		/* fires on this call of op (1-based) */
	uint32_t calls;		/* calls of op seen so far */
	bool fired;
	uint64_t rnd;		/* PRNG state for garbage bytes */
};

/* Parse spec into f (armed) for the driver of ops.  Returns 0, or
 * -MB_EINVAL with *why set. */
int mb_fault_parse(struct mb_fault *f, const char *spec,
		   const struct mb_op_table *ops, const char **why);
/* Pick kind, sub, op (any of ops) and N (1..3) from seed: deterministic. */
void mb_fault_pick(struct mb_fault *f, uint64_t seed,
		   const struct mb_op_table *ops);
/* Called on every control operation: true when the armed fault fires now
 * (exactly once; MB_FAULT_LEAK then keeps returning true via
 * mb_fault_leaking()). */
bool mb_fault_hit(struct mb_fault *f, int op);
bool mb_fault_leaking(const struct mb_fault *f);
uint64_t mb_fault_rand(struct mb_fault *f);

const char *mb_fault_kind_name(int kind);
const char *mb_fault_sub_name(const struct mb_fault *f);	/* "-" when none */
const char *mb_fault_op_name(const struct mb_op_table *ops, int op);	/* "?" when unknown */
/* "kind=K sub=S op=NAME(num) nth=N" into buf (always terminated). */
void mb_fault_describe(const struct mb_fault *f, char *buf, size_t cap);

#endif /* MB_FAULT_H */
