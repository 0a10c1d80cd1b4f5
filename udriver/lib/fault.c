// SPDX-License-Identifier: GPL-2.0
/*
 * Fault points (fault.h), the portable part: the spec parser, the seeded choice and
 * the trigger.  Built into mb-udriver by udriver/Makefile and into a
 * monolithic module by its fault_direct.c including this file.
 */
#include "fault.h"

static const char *const kind_names[MB_FAULT_KINDS] = {
	[MB_FAULT_NONE]		= "none",
	[MB_FAULT_CRASH]	= "crash",
	[MB_FAULT_RETVAL]	= "retval",
	[MB_FAULT_RANGE]	= "range",
	[MB_FAULT_LATE]		= "late",
	[MB_FAULT_GARBAGE]	= "garbage",
	[MB_FAULT_LOOP]		= "loop",
	[MB_FAULT_LEAK]		= "leak",
};

/* Sub-kinds per kind, index = sub; NULL-terminated.  range's are the
 * driver's. */
static const char *const retval_subs[] = { "eio", "positive", "nonerrno", NULL };
static const char *const garbage_subs[] = { "random", "length", "seq", NULL };

static const char *const *fl_subs_of(const struct mb_op_table *ops, int kind)
{
	switch (kind) {
	case MB_FAULT_RETVAL:	return retval_subs;
	case MB_FAULT_RANGE:	return ops->range_subs;
	case MB_FAULT_GARBAGE:	return garbage_subs;
	default:		return NULL;
	}
}

static int fl_nsubs(const struct mb_op_table *ops, int kind)
{
	const char *const *s = fl_subs_of(ops, kind);
	int n = 0;

	while (s && s[n])
		n++;
	return n;
}

const char *mb_fault_kind_name(int kind)
{
	return kind >= 0 && kind < MB_FAULT_KINDS ? kind_names[kind] : "?";
}

const char *mb_fault_sub_name(const struct mb_fault *f)
{
	const char *const *s = f->ops ? fl_subs_of(f->ops, f->kind) : NULL;

	return s && f->sub >= 0 && f->sub < fl_nsubs(f->ops, f->kind) ? s[f->sub] : "-";
}

const char *mb_fault_op_name(const struct mb_op_table *ops, int op)
{
	int i = op - ops->first;

	return i >= 0 && op < ops->end && ops->names[i] ? ops->names[i] : "?";
}

static int fl_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive: does [s, s+n) equal the whole of name? */
static bool fl_eq(const char *s, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!name[i] || fl_lower(s[i]) != fl_lower(name[i]))
			return false;
	return name[n] == 0;
}

/* Decimal in [s, s+n) into *v (at most 9 digits); false if not a number. */
static bool fl_num(const char *s, size_t n, uint32_t *v)
{
	size_t i;

	if (!n || n > 9)
		return false;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (uint32_t)(s[i] - '0');
	}
	return true;
}

/* Length of the token at s up to one of the stop characters or the end. */
static size_t fl_tok(const char *s, const char *stops)
{
	size_t n = 0;
	const char *p;

	for (; s[n]; n++)
		for (p = stops; *p; p++)
			if (s[n] == *p)
				return n;
	return n;
}

int mb_fault_parse(struct mb_fault *f, const char *spec,
		   const struct mb_op_table *ops, const char **why)
{
	const char *const *subs;
	size_t n;
	uint32_t v;
	int i;

	*f = (struct mb_fault){ .ops = ops, .op = ops->periodic, .nth = 1, .rnd = 1 };
	n = fl_tok(spec, ".:\n");
	for (i = 1; i < MB_FAULT_KINDS; i++)
		if (fl_eq(spec, n, kind_names[i]))
			f->kind = i;
	if (!f->kind) {
		*why = "unknown kind (crash, retval, range, late, garbage, loop, leak)";
		return -MB_EINVAL;
	}
	spec += n;
	if (*spec == '.') {
		spec++;
		n = fl_tok(spec, ":\n");
		subs = fl_subs_of(ops, f->kind);
		f->sub = -1;
		for (i = 0; subs && subs[i]; i++)
			if (fl_eq(spec, n, subs[i]))
				f->sub = i;
		if (f->sub < 0) {
			*why = "unknown sub-kind (retval.eio|positive|nonerrno, garbage.random|length|seq, range.<one of the driver's range faults>)";
			return -MB_EINVAL;
		}
		spec += n;
	}
	if (*spec == ':') {
		spec++;
		n = fl_tok(spec, ":\n");
		f->op = 0;
		if (fl_num(spec, n, &v) && (int)v >= ops->first && (int)v < ops->end &&
		    ops->names[v - ops->first])
			f->op = (int)v;
		for (i = 0; i < ops->end - ops->first; i++)
			if (ops->names[i] && fl_eq(spec, n, ops->names[i]))
				f->op = ops->first + i;
		if (!f->op) {
			*why = "unknown operation (a name or number of the driver's operation table, udriver/<driver>/gen/ops.c)";
			return -MB_EINVAL;
		}
		spec += n;
		if (*spec == ':') {
			spec++;
			n = fl_tok(spec, "\n");
			if (!fl_num(spec, n, &f->nth) || !f->nth) {
				*why = "N must be a number >= 1";
				return -MB_EINVAL;
			}
			spec += n;
		}
	}
	if (*spec == '\n')	/* a sysfs write ends with one */
		spec++;
	if (*spec) {
		*why = "trailing characters (KIND[.SUB][:OP[:N]])";
		return -MB_EINVAL;
	}
	return 0;
}

/* splitmix64: small, good enough, the same on both sides */
static uint64_t fl_mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void mb_fault_pick(struct mb_fault *f, uint64_t seed,
		   const struct mb_op_table *ops)
{
	uint64_t s = seed;
	int ns;

	*f = (struct mb_fault){ .ops = ops };
	f->kind = 1 + (int)(fl_mix(&s) % (MB_FAULT_KINDS - 1));
	ns = fl_nsubs(ops, f->kind);
	f->sub = ns ? (int)(fl_mix(&s) % (uint64_t)ns) : 0;
	f->op = ops->first + (int)(fl_mix(&s) % (uint64_t)(ops->end - ops->first));
	f->nth = 1 + (uint32_t)(fl_mix(&s) % 3);
	f->rnd = fl_mix(&s) | 1;
}

uint64_t mb_fault_rand(struct mb_fault *f)
{
	return fl_mix(&f->rnd);
}

bool mb_fault_hit(struct mb_fault *f, int op)
{
	if (f->kind == MB_FAULT_NONE || f->fired || op != f->op)
		return false;
	if (++f->calls < f->nth)
		return false;
	f->fired = true;
	return true;
}

bool mb_fault_leaking(const struct mb_fault *f)
{
	return f->kind == MB_FAULT_LEAK && f->fired;
}

static size_t fl_put(char *buf, size_t cap, size_t at, const char *s)
{
	while (*s && at + 1 < cap)
		buf[at++] = *s++;
	buf[at < cap ? at : cap - 1] = 0;
	return at;
}

static size_t fl_put_u(char *buf, size_t cap, size_t at, uint32_t v)
{
	char d[12];
	int i = 11;

	d[i] = 0;
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return fl_put(buf, cap, at, d + i);
}

void mb_fault_describe(const struct mb_fault *f, char *buf, size_t cap)
{
	size_t at = 0;

	if (!cap)
		return;
	buf[0] = 0;
	at = fl_put(buf, cap, at, "kind=");
	at = fl_put(buf, cap, at, mb_fault_kind_name(f->kind));
	at = fl_put(buf, cap, at, " sub=");
	at = fl_put(buf, cap, at, mb_fault_sub_name(f));
	at = fl_put(buf, cap, at, " op=");
	at = fl_put(buf, cap, at, f->ops ? mb_fault_op_name(f->ops, f->op) : "?");
	at = fl_put(buf, cap, at, "(");
	at = fl_put_u(buf, cap, at, (uint32_t)f->op);
	at = fl_put(buf, cap, at, ") nth=");
	at = fl_put_u(buf, cap, at, f->nth);
}
