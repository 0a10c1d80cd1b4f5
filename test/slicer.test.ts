// DriverSlicer's code generator: the generated C is current with the spec, and the generated
// decoders, the kernel's check of every reply from a u-driver and the u-driver's check of every
// upcall, refuse truncated, oversized, random and out-of-range messages without a memory error
// (built on the host with gcc under AddressSanitizer and UBSan, fed by a seeded harness).
import { expect } from 'chai'
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { banner, generate, layoutFingerprint, ROOT, staleFiles } from '../orchestrator/slicer/generate.ts'
import { e1000 } from '../orchestrator/slicer/e1000.spec.ts'
import { e1000SplitStats, isGenerated } from '../orchestrator/splitstats.ts'

// The harness: every case prints "<name> <expected> <got> <field>". Each message is copied into a
// heap block of exactly its length, so any read past it is an ASan report.
const HARNESS = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "kmod/core/mb_proto.h"

#define HANDLE 7u
static struct e1000_state cur;
static uint64_t rng;
static uint32_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

static void say(const char *name, int want, int got, const char *field)
{
	printf("%s %d %d %s\n", name, want, got, field ? field : "-");
}

/* ---- kernel side: replies ---- */
/* the refused field is known only after the call: no unsequenced read of it */
#define SAY_CHECK(name, want, ...) do { const char *f_; int g_ = check(__VA_ARGS__, &f_); \
	say(name, want, g_, f_); } while (0)
static int check(uint16_t op, uint32_t want, const void *src, uint32_t len, const char **field)
{
	struct e1000_state cand;
	struct mb_e1000_refusal why = { 0, 0 };
	void *b = malloc(len ? len : 1);
	int r;

	memcpy(b, src, len);
	r = mb_e1000_check_reply(op, HANDLE, want, b, len, &cur, &cand, &why);
	free(b);
	*field = why.field;
	return r;
}

static void good_state(struct e1000_state *s)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	uint16_t sum = 0;
	int i;

	memset(s, 0, sizeof(*s));
	memcpy(s->mac, mac, 6);
	memcpy(s->perm_mac, mac, 6);
	for (i = 0; i < E1000_EEPROM_WORDS - 1; i++)
		sum += s->eeprom[i] = (uint16_t)(i * 0x101);
	s->eeprom[E1000_EEPROM_WORDS - 1] = (uint16_t)(E1000_EEPROM_SUM - sum);
	s->link_up = 1; s->full_duplex = 1; s->speed = 1000;
	s->link_cfg.autoneg = 1; s->link_cfg.full_duplex = 1;
	s->link_cfg.advertised = E1000_ADV_ALL; s->link_cfg.speed = 1000;
	s->mtu = 1500; s->rx_buf_len = 2048; s->msg_enable = 7;
	s->fc_autoneg = 1; s->fc_req = s->fc_cur = E1000_FC_RX | E1000_FC_TX;
	s->rx_usecs = 50; s->wol = E1000_WAKE_MAGIC;
}

/* A valid reply to op (want entries for tables); returns its length. */
static uint32_t build(uint16_t op, uint32_t want, struct mb_e1000_rep *r)
{
	uint32_t base = offsetof(struct mb_e1000_rep, r), len = base, i;

	memset(r, 0, sizeof(*r));
	good_state(&r->st);
	switch (op) {
	case MB_E1000_GET_LINK_KSETTINGS:
		r->r.get_link_ksettings.supported = 0xef;
		r->r.get_link_ksettings.advertising = 0xef;
		r->r.get_link_ksettings.autoneg = 1;
		r->r.get_link_ksettings.phy_address = 1;
		r->r.get_link_ksettings.speed = 1000;
		r->r.get_link_ksettings.duplex = E1000_DUPLEX_FULL;
		len += sizeof(r->r.get_link_ksettings);
		break;
	case MB_E1000_GET_PAUSE:
		r->r.get_pause.autoneg = r->r.get_pause.rx = r->r.get_pause.tx = 1;
		len += sizeof(r->r.get_pause);
		break;
	case MB_E1000_GET_COALESCE:
		r->r.get_coalesce.rx_usecs = 50;
		len += sizeof(r->r.get_coalesce);
		break;
	case MB_E1000_GET_WOL:
		r->r.get_wol.supported = E1000_WAKE_ALL;
		r->r.get_wol.wolopts = E1000_WAKE_MAGIC;
		len += sizeof(r->r.get_wol);
		break;
	case MB_E1000_RING_SIZES:
		r->r.ring_sizes.tx = r->r.ring_sizes.rx = E1000_RING_MIN;
		len += sizeof(r->r.ring_sizes);
		break;
	case MB_E1000_TEST_COUNT:
		r->r.test_count.n = E1000_TESTS;
		len += sizeof(r->r.test_count);
		break;
	case MB_E1000_GET_TEST_NAMES:
		r->r.get_test_names.n = want;
		for (i = 0; i < want; i++)
			snprintf(r->r.get_test_names.v[i], E1000_STAT_NAME_LEN, "test_%u", i);
		len += offsetof(struct mb_e1000_r_get_test_names, v) + want * E1000_STAT_NAME_LEN;
		break;
	case MB_E1000_SELF_TEST_ONLINE:
	case MB_E1000_SELF_TEST_OFFLINE:
		r->r.self_test_online.n = want;	/* same layout as offline (asserted below) */
		len += offsetof(struct mb_e1000_r_self_test_online, v) + want * 8;
		break;
	case MB_E1000_GET_RING_COUNTS:
		r->r.get_ring_counts.tx = r->r.get_ring_counts.rx = 256;
		len += sizeof(r->r.get_ring_counts);
		break;
	case MB_E1000_STATS_COUNT:
		r->r.stats_count.n = 54;
		len += sizeof(r->r.stats_count);
		break;
	case MB_E1000_REGS_COUNT:
		r->r.regs_count.n = 32;
		len += sizeof(r->r.regs_count);
		break;
	case MB_E1000_GET_REGS:
		r->r.get_regs.n = want;
		for (i = 0; i < want; i++)
			r->r.get_regs.v[i] = i;
		len += offsetof(struct mb_e1000_r_get_regs, v) + want * 4;
		break;
	case MB_E1000_GET_STATS:
		r->r.get_stats.n = want;
		len += offsetof(struct mb_e1000_r_get_stats, v) + want * 8;
		break;
	case MB_E1000_GET_STAT_NAMES:
		r->r.get_stat_names.n = want;
		for (i = 0; i < want; i++)
			snprintf(r->r.get_stat_names.v[i], E1000_STAT_NAME_LEN, "stat_%u", i);
		len += offsetof(struct mb_e1000_r_get_stat_names, v) + want * E1000_STAT_NAME_LEN;
		break;
	}
	r->hdr.magic = MB_PROTO_MAGIC; r->hdr.version = MB_PROTO_VERSION;
	r->hdr.kind = MB_KIND_REPLY; r->hdr.op = op; r->hdr.len = len;
	r->hdr.handle = HANDLE; r->hdr.seq = 1;
	return len;
}

_Static_assert(sizeof(struct mb_e1000_r_self_test_online) == sizeof(struct mb_e1000_r_self_test_offline), "same tables");

static uint32_t want_of(uint16_t op)
{
	if (op == MB_E1000_GET_TEST_NAMES || op == MB_E1000_SELF_TEST_ONLINE || op == MB_E1000_SELF_TEST_OFFLINE)
		return E1000_TESTS;
	return op == MB_E1000_GET_REGS || op == MB_E1000_GET_STATS || op == MB_E1000_GET_STAT_NAMES ? 20 : 0;
}

/* One field out of range in a valid reply to op. */
#define RANGE(name, op, stmt) do {					\
	static struct mb_e1000_rep r;					\
	uint32_t len = build(op, want_of(op), &r);			\
	stmt;								\
	SAY_CHECK("range:" name, -EINVAL, op, want_of(op), &r, len); \
} while (0)

static void replies(long rounds)
{
	static union { struct mb_e1000_rep r; uint8_t raw[MB_MSG_MAX + 64]; } u;
	static uint8_t junk[MB_MSG_MAX + 64];
	const char *f;
	uint32_t len, l;
	uint16_t op;
	long i, bad = 0, bad_hdr = 0;

	good_state(&cur);
	for (op = MB_OP_DRIVER_BASE; op < MB_E1000_OP_END; op++) {
		char name[64];

		len = build(op, want_of(op), &u.r);
		snprintf(name, sizeof(name), "valid:%u", op);
		SAY_CHECK(name, 0, op, want_of(op), &u.r, len);
		for (l = 0; l < len; l++) {	/* truncated, header len fixed up or not */
			if (check(op, want_of(op), &u.r, l, &f) != -EINVAL)
				bad++;
			u.r.hdr.len = l;
			if (check(op, want_of(op), &u.r, l, &f) != -EINVAL)
				bad++;
			u.r.hdr.len = len;
		}
		for (l = len + 1; l <= sizeof(u) && l < len + 300; l++) {	/* oversized */
			u.r.hdr.len = l;
			if (check(op, want_of(op), &u.r, l, &f) != -EINVAL)
				bad++;
		}
		u.r.hdr.len = len;
		snprintf(name, sizeof(name), "wrong-op:%u", op);
		SAY_CHECK(name, -EINVAL, op == MB_E1000_INIT ? MB_E1000_UP : MB_E1000_INIT, 0, &u.r, len);
	}
	say("truncated-or-oversized", 0, (int)bad, 0);
	for (i = 0; i < rounds; i++) {	/* random bytes, random length */
		l = rnd() % sizeof(junk);
		for (len = 0; len < l; len++)
			junk[len] = (uint8_t)rnd();
		if (check((uint16_t)(MB_OP_DRIVER_BASE + rnd() % (MB_E1000_OP_END - MB_OP_DRIVER_BASE + 1)), rnd() % 70, junk, l, &f) != -EINVAL)
			bad++;
		/* a valid header over a random body */
		op = (uint16_t)(MB_OP_DRIVER_BASE + rnd() % (MB_E1000_OP_END - MB_OP_DRIVER_BASE));
		len = build(op, want_of(op), &u.r);
		for (l = sizeof(struct mb_hdr); l < len; l++)
			((uint8_t *)&u.r)[l] = (uint8_t)rnd();
		if (check(op, want_of(op), &u.r, len, &f) != -EINVAL)
			bad_hdr++;
	}
	say("random", 0, (int)bad, 0);
	say("random-body", 0, (int)bad_hdr, 0);

	RANGE("mac", MB_E1000_UP, r.st.mac[0] |= 1);
	RANGE("mac", MB_E1000_UP, memset(r.st.mac, 0, 6));
	RANGE("perm_mac", MB_E1000_INIT, r.st.perm_mac[0] = 0xff);
	RANGE("eeprom", MB_E1000_INIT, r.st.eeprom[3]++);
	RANGE("link_up", MB_E1000_WATCHDOG, r.st.link_up = 2);
	RANGE("full_duplex", MB_E1000_WATCHDOG, r.st.full_duplex = 255);
	RANGE("speed", MB_E1000_WATCHDOG, r.st.speed = 999);
	RANGE("link_cfg.autoneg", MB_E1000_SET_LINK_KSETTINGS, r.st.link_cfg.autoneg = 2);
	RANGE("link_cfg.full_duplex", MB_E1000_SET_LINK_KSETTINGS, r.st.link_cfg.full_duplex = 7);
	RANGE("link_cfg.advertised", MB_E1000_SET_LINK_KSETTINGS, r.st.link_cfg.advertised = 0x8000);
	RANGE("link_cfg.speed", MB_E1000_SET_LINK_KSETTINGS, r.st.link_cfg.speed = 0);
	RANGE("fc_autoneg", MB_E1000_SET_PAUSE, r.st.fc_autoneg = 2);
	RANGE("fc_req", MB_E1000_SET_PAUSE, r.st.fc_req = 4);
	RANGE("fc_cur", MB_E1000_WATCHDOG, r.st.fc_cur = 0x80);
	RANGE("rx_usecs", MB_E1000_SET_COALESCE, r.st.rx_usecs = E1000_RX_USECS_MAX + 1);
	RANGE("wol", MB_E1000_SET_WOL, r.st.wol = 1);	/* WAKE_PHY: not ours */
	RANGE("mtu", MB_E1000_SET_MTU, r.st.mtu = E1000_MTU_MIN - 1);
	RANGE("mtu", MB_E1000_SET_MTU, r.st.mtu = E1000_MTU_MAX + 1);
	RANGE("rx_buf_len", MB_E1000_SET_MTU, r.st.rx_buf_len = 3000);
	RANGE("rx_flags", MB_E1000_SET_RX_MODE, r.st.rx_flags = 4);
	RANGE("vlan_strip", MB_E1000_SET_VLAN_STRIP, r.st.vlan_strip = 2);
	RANGE("autoneg", MB_E1000_GET_LINK_KSETTINGS, r.r.get_link_ksettings.autoneg = 2);
	RANGE("port", MB_E1000_GET_LINK_KSETTINGS, r.r.get_link_ksettings.port = 3);
	RANGE("phy_address", MB_E1000_GET_LINK_KSETTINGS, r.r.get_link_ksettings.phy_address = 32);
	RANGE("speed", MB_E1000_GET_LINK_KSETTINGS, r.r.get_link_ksettings.speed = 999);
	RANGE("duplex", MB_E1000_GET_LINK_KSETTINGS, r.r.get_link_ksettings.duplex = 2);
	RANGE("rx", MB_E1000_GET_PAUSE, r.r.get_pause.rx = 2);
	RANGE("rx_usecs", MB_E1000_GET_COALESCE, r.r.get_coalesce.rx_usecs = 10001);
	RANGE("supported", MB_E1000_GET_WOL, r.r.get_wol.supported = 0x40);
	RANGE("n", MB_E1000_TEST_COUNT, r.r.test_count.n = E1000_TESTS + 1);
	RANGE("n", MB_E1000_SELF_TEST_OFFLINE, r.r.self_test_offline.n = E1000_TESTS + 1);
	RANGE("tx", MB_E1000_GET_RING_COUNTS, r.r.get_ring_counts.tx = E1000_RING_MAX + 1);
	RANGE("tx", MB_E1000_RING_SIZES, r.r.ring_sizes.tx = E1000_RING_MIN - 1);
	RANGE("rx", MB_E1000_RING_SIZES, r.r.ring_sizes.rx = E1000_RING_MAX + 1);
	/* a count the device would round down (TDLEN/RDLEN in 128-byte units) */
	RANGE("tx", MB_E1000_RING_SIZES, r.r.ring_sizes.tx = E1000_RING_MIN + 1);
	RANGE("rx", MB_E1000_RING_SIZES, r.r.ring_sizes.rx = E1000_RING_MAX - E1000_RING_ALIGN / 2);
	RANGE("rx", MB_E1000_GET_RING_COUNTS, r.r.get_ring_counts.rx = 0xffffffff);
	RANGE("n", MB_E1000_STATS_COUNT, r.r.stats_count.n = E1000_STATS_MAX + 1);
	RANGE("n", MB_E1000_REGS_COUNT, r.r.regs_count.n = 1u << 31);
	RANGE("n", MB_E1000_GET_REGS, r.r.get_regs.n = 21);	/* more than asked */
	RANGE("n", MB_E1000_GET_STATS, (r.r.get_stats.n = 0x40000000, len += 8, r.hdr.len = len));
	RANGE("v", MB_E1000_GET_STAT_NAMES, memset(r.r.get_stat_names.v[5], 'x', E1000_STAT_NAME_LEN));
	RANGE("status", MB_E1000_UP, r.hdr.status = 1);
	RANGE("status", MB_E1000_GET_LINK, r.hdr.status = 2);
	RANGE("status", MB_E1000_UP, r.hdr.status = -4096);
	/* kernel-internal codes, and an errno no operation returns */
	RANGE("status", MB_E1000_UP, r.hdr.status = -512);	/* ERESTARTSYS */
	RANGE("status", MB_E1000_SET_MTU, r.hdr.status = -517);	/* EPROBE_DEFER */
	RANGE("status", MB_E1000_GET_LINK, r.hdr.status = -EPERM);
	RANGE("handle", MB_E1000_UP, r.hdr.handle = HANDLE + 1);
	RANGE("hdr", MB_E1000_UP, r.hdr.magic ^= 1);
	RANGE("hdr", MB_E1000_UP, r.hdr.kind = MB_KIND_UPCALL);
	RANGE("hdr", MB_E1000_UP, r.hdr.reserved = 1);
	RANGE("hdr", MB_E1000_UP, r.hdr.len = len + 4);

	/* OUT_INIT fields are taken from INIT only: elsewhere they are ignored, not refused */
	len = build(MB_E1000_UP, 0, &u.r);
	u.r.st.perm_mac[0] = 0xff;
	u.r.st.eeprom[0]++;
	SAY_CHECK("ignored:perm_mac+eeprom", 0, MB_E1000_UP, 0, &u.r, len);
	len = build(MB_E1000_GET_LINK, 0, &u.r);
	u.r.hdr.status = 1;
	SAY_CHECK("valid:get_link-up", 0, MB_E1000_GET_LINK, 0, &u.r, len);
	len = build(MB_E1000_UP, 0, &u.r);
	u.r.hdr.status = -EIO;
	SAY_CHECK("valid:errno", 0, MB_E1000_UP, 0, &u.r, len);
	len = build(MB_E1000_SET_MTU, 0, &u.r);
	u.r.hdr.status = -EINVAL;
	SAY_CHECK("valid:errno-einval", 0, MB_E1000_SET_MTU, 0, &u.r, len);
	len = build(MB_E1000_RING_SIZES, 0, &u.r);
	u.r.r.ring_sizes.tx = E1000_RING_MIN + E1000_RING_ALIGN;
	u.r.r.ring_sizes.rx = E1000_RING_MAX;
	SAY_CHECK("valid:ring-sizes-aligned", 0, MB_E1000_RING_SIZES, 0, &u.r, len);
}

static void downcalls(long rounds)
{
	struct mb_e1000_dc_link l = { 1, 1000, 1 };
	uint8_t junk[80];
	uint32_t n, k;
	long i, bad = 0;
	void *b;

#define DC(name, want, buf, len) do { b = malloc((len) ? (len) : 1); memcpy(b, buf, len); \
	say(name, want, mb_e1000_check_downcall(MB_E1000_DC_LINK, b, len), 0); free(b); } while (0)
	DC("dc:valid", 0, &l, sizeof(l));
	DC("dc:truncated", -EINVAL, &l, sizeof(l) - 1);
	DC("dc:oversized", -EINVAL, junk, sizeof(l) + 4);
	l.up = 2; DC("dc:range:up", -EINVAL, &l, sizeof(l)); l.up = 1;
	l.speed = 1001; DC("dc:range:speed", -EINVAL, &l, sizeof(l)); l.speed = 0;
	l.full_duplex = 9; DC("dc:range:full_duplex", -EINVAL, &l, sizeof(l));
	say("dc:unknown-op", -EINVAL, mb_e1000_check_downcall(MB_DC_DRIVER_BASE + 1, &l, sizeof(l)), 0);
	for (i = 0; i < rounds; i++) {
		n = rnd() % sizeof(junk);
		for (k = 0; k < n; k++)
			junk[k] = (uint8_t)(rnd() | 0x10);	/* never a valid "up" */
		b = malloc(n ? n : 1);
		memcpy(b, junk, n);
		if (mb_e1000_check_downcall(MB_E1000_DC_LINK, b, n) != -EINVAL)
			bad++;
		free(b);
	}
	say("dc:random", 0, (int)bad, 0);
}

/* ---- user side: upcalls ---- */
static int ucheck(const void *src, uint32_t len)
{
	void *b = malloc(len ? len : 1);
	int r;

	memcpy(b, src, len);
	r = mb_e1000_decode_upcall(b, len);
	if (!r)
		r = mb_e1000_check_args(b);
	free(b);
	return r;
}

static uint32_t ubuild(uint16_t op, struct mb_e1000_req *q)
{
	uint32_t len = offsetof(struct mb_e1000_req, a);

	memset(q, 0, sizeof(*q));
	good_state(&q->st);
	switch (op) {
	case MB_E1000_SET_MTU: q->a.set_mtu.mtu = 9000; len += sizeof(q->a.set_mtu); break;
	case MB_E1000_SET_MAC: len += sizeof(q->a.set_mac); break;
	case MB_E1000_SET_RX_MODE: q->a.set_rx_mode.n = 40; len += sizeof(q->a.set_rx_mode); break;
	case MB_E1000_SET_LINK_KSETTINGS: len += sizeof(q->a.set_link_ksettings); break;
	case MB_E1000_SET_PAUSE: len += sizeof(q->a.set_pause); break;
	case MB_E1000_SET_COALESCE: len += sizeof(q->a.set_coalesce); break;
	case MB_E1000_SET_WOL: len += sizeof(q->a.set_wol); break;
	case MB_E1000_GET_WOL: len += sizeof(q->a.get_wol); break;
	case MB_E1000_RING_SIZES: len += sizeof(q->a.ring_sizes); break;
	case MB_E1000_SET_LED: len += sizeof(q->a.set_led); break;
	case MB_E1000_GET_TEST_NAMES: len += sizeof(q->a.get_test_names); break;
	case MB_E1000_SELF_TEST_ONLINE: len += sizeof(q->a.self_test_online); break;
	case MB_E1000_SELF_TEST_OFFLINE: len += sizeof(q->a.self_test_offline); break;
	case MB_E1000_SET_MSGLEVEL: len += sizeof(q->a.set_msglevel); break;
	case MB_E1000_GET_REGS: q->a.get_regs.n = 1000; len += sizeof(q->a.get_regs); break;
	case MB_E1000_GET_STATS: len += sizeof(q->a.get_stats); break;
	case MB_E1000_GET_STAT_NAMES: len += sizeof(q->a.get_stat_names); break;
	case MB_E1000_SET_VLAN: q->a.set_vlan.vid = 4095; q->a.set_vlan.on = 1; len += sizeof(q->a.set_vlan); break;
	case MB_E1000_SET_VLAN_STRIP: q->a.set_vlan_strip.on = 1; len += sizeof(q->a.set_vlan_strip); break;
	}
	q->hdr.magic = MB_PROTO_MAGIC; q->hdr.version = MB_PROTO_VERSION;
	q->hdr.kind = MB_KIND_UPCALL; q->hdr.op = op; q->hdr.len = len;
	q->hdr.handle = HANDLE; q->hdr.seq = 9;
	return len;
}

static void upcalls(long rounds)
{
	static union { struct mb_e1000_req q; uint8_t raw[MB_MSG_MAX + 64]; } u;
	static uint8_t junk[MB_MSG_MAX + 64];
	uint32_t len, l;
	uint16_t op;
	long i, bad = 0;
	char name[64];

	for (op = MB_OP_DRIVER_BASE; op < MB_E1000_OP_END; op++) {
		len = ubuild(op, &u.q);
		snprintf(name, sizeof(name), "u:valid:%u", op);
		say(name, 0, ucheck(&u.q, len), 0);
		for (l = 0; l < len; l++) {
			if (ucheck(&u.q, l) != -EINVAL)
				bad++;
			u.q.hdr.len = l;
			if (ucheck(&u.q, l) != -EINVAL)
				bad++;
			u.q.hdr.len = len;
		}
		for (l = len + 1; l <= sizeof(u) && l < len + 300; l++) {
			u.q.hdr.len = l;
			if (ucheck(&u.q, l) != -EINVAL)
				bad++;
		}
	}
	say("u:truncated-or-oversized", 0, (int)bad, 0);
	bad = 0;
	for (i = 0; i < rounds; i++) {
		l = rnd() % sizeof(junk);
		for (len = 0; len < l; len++)
			junk[len] = (uint8_t)rnd();
		if (ucheck(junk, l) != -EINVAL)
			bad++;
	}
	say("u:random", 0, (int)bad, 0);
	len = ubuild(MB_E1000_UP, &u.q); u.q.hdr.op = MB_E1000_OP_END;
	say("u:unknown-op", -EINVAL, ucheck(&u.q, len), 0);
	len = ubuild(MB_E1000_UP, &u.q); u.q.hdr.op = MB_OP_NULL;
	say("u:generic-op", -EINVAL, ucheck(&u.q, len), 0);
	len = ubuild(MB_E1000_UP, &u.q); u.q.hdr.kind = MB_KIND_REPLY;
	say("u:wrong-kind", -EINVAL, ucheck(&u.q, len), 0);
	len = ubuild(MB_E1000_SET_MTU, &u.q); u.q.a.set_mtu.mtu = E1000_MTU_MAX + 1;
	say("u:range:mtu", -EINVAL, ucheck(&u.q, len), 0);
	len = ubuild(MB_E1000_SET_RX_MODE, &u.q); u.q.a.set_rx_mode.flags = 8;
	say("u:range:flags", -EINVAL, ucheck(&u.q, len), 0);
	len = ubuild(MB_E1000_SET_VLAN, &u.q); u.q.a.set_vlan.vid = 4096;
	say("u:range:vid", -EINVAL, ucheck(&u.q, len), 0);
	len = ubuild(MB_E1000_SET_VLAN_STRIP, &u.q); u.q.a.set_vlan_strip.on = 2;
	say("u:range:vlan_strip", -EINVAL, ucheck(&u.q, len), 0);
}

int main(int argc, char **argv)
{
	long rounds = argc > 2 ? atol(argv[2]) : 2000;

	rng = argc > 1 ? strtoull(argv[1], 0, 0) : 1;
	if (!rng)
		rng = 1;
	replies(rounds);
	downcalls(rounds);
	upcalls(rounds);
	return 0;
}
`

interface Case { name: string; want: number; got: number; field: string }

describe('slicer: the code generated from the e1000 interface spec', function () {
  this.timeout(180_000)

  it('is current: every generated file on disk is what the spec gives (npm run generate -- --check)', function () {
    expect(staleFiles()).to.deep.equal([])
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'orchestrator/slicer/generate.ts', '--check'], { cwd: ROOT, encoding: 'utf8' })
    expect(r.status, r.stderr).to.equal(0)
  })

  it('is reported stale when a generated file is edited by hand or missing', function () {
    const tmp = mkdtempSync(join(tmpdir(), 'slicer-'))
    try {
      const files = [...generate().keys()]
      for (const f of files) { mkdirSync(dirname(join(tmp, f)), { recursive: true }); cpSync(join(ROOT, f), join(tmp, f)) }
      expect(staleFiles(tmp)).to.deep.equal([])
      const edited = files.find(f => f.endsWith('gen_e1000_reply.c'))!
      writeFileSync(join(tmp, edited), readFileSync(join(tmp, edited), 'utf8').replace('<= 1', '<= 2'))
      rmSync(join(tmp, files[0]!))
      expect(staleFiles(tmp)).to.have.members([edited, files[0]!])
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'orchestrator/slicer/generate.ts'), '--check', '--root', tmp], { cwd: ROOT, encoding: 'utf8' })
      expect(r.status).to.equal(1)
      expect(r.stderr).to.contain(edited)
    } finally { rmSync(tmp, { recursive: true, force: true }) }
  })

  it('stamps both sides with a fingerprint of the spec that a size or range moves and a doc string does not', () => {
    const base = layoutFingerprint(e1000)
    expect(readFileSync(join(ROOT, 'kmod/core/gen_e1000_proto.h'), 'utf8')).to.include(`#define MB_E1000_LAYOUT\t\t0x${base.toString(16).padStart(8, '0')}u`)
    expect(layoutFingerprint({ ...e1000, upcalls: e1000.upcalls.map(u => ({ ...u, doc: `${u.doc}, reworded` })) })).to.equal(base)
    expect(layoutFingerprint({ ...e1000, shared: { ...e1000.shared, size: e1000.shared.size + 8 } })).to.not.equal(base)
    expect(layoutFingerprint({ ...e1000, upcalls: e1000.upcalls.map(u => u.name === 'set_vlan' ? { ...u, args: [{ name: 'vid', type: 'u32', range: [0, 4094] }, u.args![1]!] } : u) })).to.not.equal(base)
    // the hand-written half: a bound the checks use by name, and the order of the state's fields
    const hw = readFileSync(join(ROOT, 'udriver/e1000/e1000_hw.h'), 'utf8')
    expect(layoutFingerprint(e1000, hw.replace(/(#define E1000_MTU_MAX\s+)16110/, '$19000'))).to.not.equal(base)
    expect(layoutFingerprint(e1000, hw.replace(/(\tuint32_t rx_usecs;.*\n)(\tuint32_t wol;.*\n)/, '$2$1'))).to.not.equal(base)
    expect(layoutFingerprint(e1000, hw.replace(/(#define E1000_MTU_MAX\s+16110)/, '$1\t/* a comment */'))).to.equal(base)
    expect(layoutFingerprint({ ...e1000, ethtool: [], lifecycle: [] })).to.equal(base) // kernel-only glue
  })

  it('is deterministic and every file carries the banner split-stats recognises', function () {
    const a = generate(); const b = generate()
    for (const [f, text] of a) {
      expect(text, f).to.equal(b.get(f))
      expect(text.split('\n')[0], f).to.equal(banner(e1000))
      expect(isGenerated(text), f).to.equal(true)
    }
  })

  it('is left out of split-stats, which lists it separately', function () {
    const s = e1000SplitStats()
    const counted = [...s.kernel, ...s.user].map(f => f.file)
    expect(counted.filter(f => /\/gen_/.test(f))).to.deep.equal([])
    expect(s.generated.map(f => f.file)).to.include.members(['kmod/e1000/gen_ctl_upcall.c', 'kmod/e1000/gen_e1000_reply.c', 'udriver/e1000/gen_e1000_dispatch.c'])
  })

  describe('host fuzzing of the generated decoders (gcc -fsanitize=address,undefined)', function () {
    let cases: Case[] = []
    let out = ''
    before(function () {
      const dir = mkdtempSync(join(tmpdir(), 'slicer-fuzz-'))
      try {
        writeFileSync(join(dir, 'harness.c'), HARNESS)
        const bin = join(dir, 'harness')
        execFileSync('gcc', ['-std=gnu11', '-g', '-O1', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined',
          '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', `-I${ROOT}`, '-o', bin, join(dir, 'harness.c'),
          join(ROOT, 'kmod/e1000/gen_e1000_reply.c'), join(ROOT, 'udriver/e1000/gen_e1000_decode.c')], { stdio: 'pipe' })
        const r = spawnSync(bin, ['0x5eed1234', '3000'], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0' }, maxBuffer: 64 << 20 })
        out = r.stdout + r.stderr
        expect(r.status, out.slice(-4000)).to.equal(0)
        cases = r.stdout.trim().split('\n').map(l => { const [name, want, got, field] = l.split(' '); return { name: name!, want: Number(want), got: Number(got), field: field! } })
      } finally { rmSync(dir, { recursive: true, force: true }) }
    })
    const failing = (pred: (c: Case) => boolean) => cases.filter(pred).filter(c => c.got !== c.want)

    it('reports no memory or undefined-behaviour error', function () {
      expect(out).to.not.match(/AddressSanitizer|runtime error|LeakSanitizer/)
    })

    it('kernel side: accepts a valid reply to every op', function () {
      const valid = cases.filter(c => c.name.startsWith('valid:'))
      expect(valid.length).to.be.greaterThan(e1000.upcalls.length)
      expect(failing(c => c.name.startsWith('valid:') || c.name.startsWith('ignored:'))).to.deep.equal([])
    })

    it('kernel side: refuses truncated, oversized, random and wrong-op replies with -EINVAL', function () {
      for (const n of ['truncated-or-oversized', 'random', 'random-body']) expect(cases.find(c => c.name === n), n).to.include({ got: 0 })
      expect(failing(c => c.name.startsWith('wrong-op:'))).to.deep.equal([])
    })

    it('kernel side: refuses every out-of-range field with -EINVAL, naming the field', function () {
      const range = cases.filter(c => c.name.startsWith('range:'))
      expect(failing(c => c.name.startsWith('range:'))).to.deep.equal([])
      for (const c of range) expect(c.field, c.name).to.equal(c.name.slice('range:'.length))
      // every checked OUT field of the tracked state has a case
      const checked = e1000.shared.fields.filter(f => !f.unchecked && !(typeof f.type !== 'string' && e1000.structs.find(s => s.name === (f.type as { struct: string }).struct)?.opaque))
      for (const f of checked) expect(range.some(c => c.field === f.name || c.field.startsWith(`${f.name}.`)), f.name).to.equal(true)
    })

    it('kernel side: refuses malformed and out-of-range downcalls', function () {
      expect(failing(c => c.name.startsWith('dc:'))).to.deep.equal([])
      expect(cases.filter(c => c.name.startsWith('dc:')).length).to.be.greaterThan(6)
    })

    it('user side: accepts every valid upcall and refuses truncated, oversized, random, unknown and out-of-range ones', function () {
      const u = cases.filter(c => c.name.startsWith('u:'))
      expect(u.filter(c => c.name.startsWith('u:valid:')).length).to.equal(e1000.upcalls.length)
      expect(failing(c => c.name.startsWith('u:'))).to.deep.equal([])
    })
  })
})
