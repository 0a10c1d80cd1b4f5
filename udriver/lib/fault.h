/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal fault points of the e1000 control path, for fault injection.
 * One fault is armed per process (split: mb-udriver -f/-S) or per module
 * load (monolithic: mb_e1000.ko fault=/fault_seed=).  It fires on the Nth
 * call of one control operation, named by its upcall name (SET_MTU,
 * WATCHDOG, ...; see gen_e1000_proto.h).  This file and fault.c are
 * freestanding (no libc, no kernel headers besides drvapi.h's types) so
 * that the same parser, the same seeded choice and the same trigger serve
 * both variants; what a fault *does* is each variant's own code
 * (udriver/e1000/e1000_udrv.c, kmod/e1000/fault_direct.c).  It lives
 * in lib/ (outside the driver-line count of `npm run split-stats`) because
 * it is test instrumentation, not driver code; its operation names are
 * e1000's, the only driver so far.
 *
 * Spec: KIND[.SUB][:OP[:N]]   e.g. crash:SET_MTU:1, range.speed:WATCHDOG,
 *       late, garbage.seq:GET_STATS:2.   OP defaults to WATCHDOG, N to 1.
 */
#ifndef MB_E1000_FAULT_H
#define MB_E1000_FAULT_H

#include "../e1000/drvapi.h"

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

/* Sub-kinds (0 is each kind's default). */
enum { MB_FAULT_RETVAL_EIO, MB_FAULT_RETVAL_POSITIVE, MB_FAULT_RETVAL_NONERRNO };
enum { MB_FAULT_RANGE_MTU, MB_FAULT_RANGE_SPEED, MB_FAULT_RANGE_RXBUF };
enum { MB_FAULT_GARBAGE_RANDOM, MB_FAULT_GARBAGE_LENGTH, MB_FAULT_GARBAGE_SEQ };

#define MB_FAULT_DEFAULT_OP	19	/* MB_E1000_WATCHDOG: runs every 2 s once up */
#define MB_FAULT_LATE_EXTRA_MS	3000	/* late = upcall timeout + this */
#define MB_FAULT_LEAK_BYTES	(16u << 20)	/* leaked per call once fired */

struct mb_fault {
	int kind;		/* enum mb_fault_kind; NONE: nothing armed */
	int sub;
	int op;			/* MB_E1000_* */
	uint32_t nth;		/* fires on this call of op (1-based) */
	uint32_t calls;		/* calls of op seen so far */
	bool fired;
	uint64_t rnd;		/* PRNG state for garbage bytes */
};

/* Parse spec into f (armed).  Returns 0, or -MB_EINVAL with *why set. */
int mb_fault_parse(struct mb_fault *f, const char *spec, const char **why);
/* Pick kind, sub, op (INIT..RESTORE) and N (1..3) from seed: deterministic. */
void mb_fault_pick(struct mb_fault *f, uint64_t seed);
/* Called on every control operation: true when the armed fault fires now
 * (exactly once; MB_FAULT_LEAK then keeps returning true via
 * mb_fault_leaking()). */
bool mb_fault_hit(struct mb_fault *f, int op);
bool mb_fault_leaking(const struct mb_fault *f);
uint64_t mb_fault_rand(struct mb_fault *f);

const char *mb_fault_kind_name(int kind);
const char *mb_fault_sub_name(int kind, int sub);	/* "-" when none */
const char *mb_fault_op_name(int op);			/* "?" when unknown */
/* "kind=K sub=S op=NAME(num) nth=N" into buf (always terminated). */
void mb_fault_describe(const struct mb_fault *f, char *buf, size_t cap);

#endif /* MB_E1000_FAULT_H */
