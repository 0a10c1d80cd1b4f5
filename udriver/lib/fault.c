// SPDX-License-Identifier: GPL-2.0
/*
 * Fault points (fault.h), the portable part: the spec parser, the seeded choice and
 * the trigger.  Built into mb-udriver by udriver/Makefile and
 * into mb_e1000.ko by kmod/e1000/fault_direct.c including this file.
 */
#include "fault.h"
#include "../../kmod/core/mb_proto.h"

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

/* Sub-kinds per kind, index = sub; NULL-terminated. */
static const char *const retval_subs[] = { "eio", "positive", "nonerrno", NULL };
static const char *const range_subs[] = { "mtu", "speed", "rxbuf", NULL };
static const char *const garbage_subs[] = { "random", "length", "seq", NULL };

static const char *const *fl_subs_of(int kind)
{
	switch (kind) {
	case MB_FAULT_RETVAL:	return retval_subs;
	case MB_FAULT_RANGE:	return range_subs;
	case MB_FAULT_GARBAGE:	return garbage_subs;
	default:		return NULL;
	}
}

static int fl_nsubs(int kind)
{
	const char *const *s = fl_subs_of(kind);
	int n = 0;

	while (s && s[n])
		n++;
	return n;
}

#define OPN(x) [MB_E1000_##x - MB_E1000_INIT] = #x
static const char *const op_names[MB_E1000_OP_END - MB_E1000_INIT] = {
	OPN(INIT), OPN(UP), OPN(DOWN), OPN(WATCHDOG), OPN(TX_TIMEOUT),
	OPN(SET_MTU), OPN(SET_MAC), OPN(SET_RX_MODE), OPN(GET_LINK_KSETTINGS),
	OPN(SET_LINK_KSETTINGS), OPN(RESTART_AUTONEG), OPN(GET_LINK),
	OPN(SET_MSGLEVEL), OPN(GET_REGS), OPN(GET_RING_COUNTS),
	OPN(GET_STATS), OPN(GET_STAT_NAMES), OPN(STATS_COUNT),
	OPN(REGS_COUNT), OPN(RESTORE), OPN(GET_PAUSE), OPN(SET_PAUSE),
	OPN(GET_COALESCE), OPN(SET_COALESCE), OPN(GET_WOL), OPN(SET_WOL),
	OPN(SET_LED), OPN(TEST_COUNT), OPN(GET_TEST_NAMES),
	OPN(SELF_TEST_ONLINE), OPN(SELF_TEST_OFFLINE), OPN(RING_SIZES),
	OPN(SET_VLAN), OPN(SET_VLAN_STRIP),
};
#undef OPN
#define NOPS ((int)(sizeof(op_names) / sizeof(op_names[0])))

const char *mb_fault_kind_name(int kind)
{
	return kind >= 0 && kind < MB_FAULT_KINDS ? kind_names[kind] : "?";
}

const char *mb_fault_sub_name(int kind, int sub)
{
	const char *const *s = fl_subs_of(kind);

	return s && sub >= 0 && sub < fl_nsubs(kind) ? s[sub] : "-";
}

const char *mb_fault_op_name(int op)
{
	int i = op - MB_E1000_INIT;

	return i >= 0 && i < NOPS && op_names[i] ? op_names[i] : "?";
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

int mb_fault_parse(struct mb_fault *f, const char *spec, const char **why)
{
	const char *const *subs;
	size_t n;
	uint32_t v;
	int i;

	*f = (struct mb_fault){ .op = MB_FAULT_DEFAULT_OP, .nth = 1, .rnd = 1 };
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
		subs = fl_subs_of(f->kind);
		f->sub = -1;
		for (i = 0; subs && subs[i]; i++)
			if (fl_eq(spec, n, subs[i]))
				f->sub = i;
		if (f->sub < 0) {
			*why = "unknown sub-kind (retval.eio|positive|nonerrno, range.mtu|speed|rxbuf, garbage.random|length|seq)";
			return -MB_EINVAL;
		}
		spec += n;
	}
	if (*spec == ':') {
		spec++;
		n = fl_tok(spec, ":\n");
		f->op = 0;
		if (fl_num(spec, n, &v) && v >= MB_E1000_INIT && v < MB_E1000_OP_END)
			f->op = (int)v;
		for (i = 0; i < NOPS; i++)
			if (fl_eq(spec, n, op_names[i]))
				f->op = MB_E1000_INIT + i;
		if (!f->op) {
			*why = "unknown operation (INIT..RESTORE or 16..35, see gen_e1000_proto.h)";
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

void mb_fault_pick(struct mb_fault *f, uint64_t seed)
{
	uint64_t s = seed;
	int ns;

	*f = (struct mb_fault){ 0 };
	f->kind = 1 + (int)(fl_mix(&s) % (MB_FAULT_KINDS - 1));
	ns = fl_nsubs(f->kind);
	f->sub = ns ? (int)(fl_mix(&s) % (uint64_t)ns) : 0;
	f->op = MB_E1000_INIT + (int)(fl_mix(&s) % NOPS);
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
	at = fl_put(buf, cap, at, mb_fault_sub_name(f->kind, f->sub));
	at = fl_put(buf, cap, at, " op=");
	at = fl_put(buf, cap, at, mb_fault_op_name(f->op));
	at = fl_put(buf, cap, at, "(");
	at = fl_put_u(buf, cap, at, (uint32_t)f->op);
	at = fl_put(buf, cap, at, ") nth=");
	at = fl_put_u(buf, cap, at, f->nth);
}
