// fault-campaign: a SWIFI campaign. --faults seeded faults, the slots of FAULT_SLOTS in turn: the
// planted fault points (the u-driver's fault.c kinds, armed in a running u-driver through its -A
// file on split, the module's fault= parameter on monolithic), seeded bit flips in the running
// u-driver's text, data, heap and a thread's stack (mb-swifi), and a seeded corruption of one
// downcall's arguments or result at the channel boundary (libmbu). One guest serves every fault
// on split; it is rebooted only after a fault left it broken or crashed, and a u-driver that
// survived a fault is replaced by a clean one before the next. Each fault ends as the anchors'
// outcomes (OUTCOMES), each tally with its 95 % Wilson interval. monolithic runs the planted
// faults of the first MONOLITHIC_SAMPLE indices, the same seeds, so that a table shows what split
// turns from kernel crashes into recoveries.
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { CaseBuilder, type Scenario } from '../orchestrator/testbed/scenario.ts'
import { dutAddresses } from '../orchestrator/vm/qemu.ts'
import { detectCrash } from '../orchestrator/vm/crash.ts'
import { GuestError } from '../orchestrator/base/errors.ts'
import { sleep } from '../orchestrator/base/retry.ts'
import { boot, type Guest, type Testbed } from '../orchestrator/testbed/testbed.ts'
import { summarize, type CaseResult } from '../orchestrator/results/results.ts'
import { splitNames, type NicSpec, type Variant } from '../orchestrator/testbed/nics.ts'
import type { DriverSpec } from '../orchestrator/slicer/spec.ts'
import { specOf } from '../orchestrator/slicer/specs/index.ts'
import { wilson } from '../orchestrator/nightly/update.ts'
import { FAULT_OUTCOMES, type FaultOutcome } from '../orchestrator/results/faults.ts'
import { microbedEvents, startUdriver, stopUdriver } from './guest-ops.ts'

/** The anchors' outcomes (Nooks, MINIX 3), and two that say a fault did not take part. */
export const OUTCOMES = FAULT_OUTCOMES
export type Outcome = FaultOutcome
/** Outcomes of a fault that took effect (the denominator of "recovered unaided"). */
const MANIFESTED: Outcome[] = ['recovered unaided', 'hang detected and recovered', 'broken', 'kernel crash', 'hang undetected']
/** How many faults monolithic runs of a --faults campaign: a sample, each a kernel reload. */
export const MONOLITHIC_SAMPLE = 100
/** The campaign's mb_core settings on split, so that one guest takes a death every second or two
 *  without its crash-loop and churn limits (the crash-loop scenario tests those) and a hang is
 *  declared after 1 s, not 5 (the u-driver's late fault reads the same parameter). The supervisor
 *  restarts at once, without its backoff (CAMPAIGN_SUPERVISOR_ENV), for the same reason. */
export const CAMPAIGN_CORE_PARAMS = { max_restarts: 1_000_000, attach_burst: 32, attach_window_s: 1, upcall_timeout_ms: 1000 }
export const CAMPAIGN_SUPERVISOR_ENV = 'MB_BACKOFF_MAX_MS=0'

/** The fault kinds of the u-driver's -f and the monolithic module's fault= (udriver/lib/fault.h),
 *  with their sub-kinds; range's are the driver's own (its spec's rangeFaults). */
export function faultKinds(spec: DriverSpec): Record<string, string[]> {
  return {
    crash: [], retval: ['eio', 'positive', 'nonerrno'], range: spec.rangeFaults,
    late: [], garbage: ['random', 'length', 'seq'], loop: [], leak: [],
  }
}
/** The campaign's slots, in turn: every planted kind, a bit flip in each region, a corrupted
 *  downcall argument and result. */
export const FAULT_SLOTS = ['crash', 'retval', 'range', 'late', 'garbage', 'loop', 'leak',
  'bitflip.text', 'bitflip.data', 'bitflip.heap', 'bitflip.stack', 'chan.arg', 'chan.ret'] as const
export const isPlanted = (kind: string) => !kind.startsWith('bitflip') && !kind.startsWith('chan')

/** The control operations the workload below reaches, as the specs name them; a driver's are
 *  those of these its spec has. */
const WORKLOAD_OPS = ['INIT', 'UP', 'DOWN', 'WATCHDOG', 'SET_MTU', 'SET_MAC', 'SET_RX_MODE', 'GET_LINK_KSETTINGS', 'SET_LINK_KSETTINGS',
  'RESTART_AUTONEG', 'GET_LINK', 'SET_MSGLEVEL', 'GET_REGS', 'GET_RING_COUNTS', 'GET_STATS', 'GET_STAT_NAMES', 'STATS_COUNT', 'REGS_COUNT']
export function workloadOps(spec: DriverSpec): string[] {
  const names = new Set(spec.upcalls.map(u => u.name.toUpperCase()))
  return WORKLOAD_OPS.filter(op => names.has(op))
}

/** mulberry32: a small PRNG, so a campaign's faults are the same for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Fault { kind: string; spec: string }

/**
 * The i-th fault of a campaign: the slots in turn, the rest chosen by the seed. A planted fault's
 * spec is the one both variants take, KIND[.SUB]:OP:N; a bit flip's is bitflip.REGION:SEED
 * (mb-swifi -r REGION -s SEED), a channel fault's chan.arg|chan.ret:SEED (mb-udriver's -A "chan").
 */
export function pickFault(seed: number, i: number, driver: DriverSpec): Fault {
  const rnd = prng(seed * 100_003 + i)
  const slot = FAULT_SLOTS[i % FAULT_SLOTS.length]!
  if (!isPlanted(slot)) {
    const sub = Math.floor(rnd() * 2 ** 32)
    return { kind: slot, spec: `${slot}:${sub}` }
  }
  const all = faultKinds(driver), ops = workloadOps(driver)
  const subs = all[slot]!
  const sub = subs.length ? `.${subs[Math.floor(rnd() * subs.length)]}` : ''
  const op = ops[Math.floor(rnd() * ops.length)]!
  const n = op === 'INIT' ? 1 : 1 + Math.floor(rnd() * 3)
  return { kind: slot, spec: `${slot}${sub}:${op}:${n}` }
}

/** What reaches each operation: ip commands (run as one `ip -batch`, one process for all) and
 *  other commands. A round runs the light ones (no link change) and those of a planted fault's own
 *  operation; the link-changing ones cost seconds of carrier. */
const OP_COMMANDS: Record<string, { ip?: string[]; sh?: string }> = {
  UP: { ip: ['link set dut0 down', 'link set dut0 up'] }, DOWN: { ip: ['link set dut0 down', 'link set dut0 up'] },
  WATCHDOG: { sh: 'sleep 2.2' },
  SET_MTU: { ip: ['link set dut0 mtu 1400', 'link set dut0 mtu 1500'] },
  SET_MAC: { ip: ['link set dut0 address 52:54:00:6d:62:43', 'link set dut0 address $MAC'] },
  SET_RX_MODE: { ip: ['link set dut0 promisc on', 'link set dut0 promisc off'] },
  GET_LINK_KSETTINGS: { sh: 'ethtool dut0' }, GET_LINK: { sh: 'ethtool dut0' },
  SET_LINK_KSETTINGS: { sh: 'ethtool -s dut0 autoneg off speed 100 duplex full; ethtool -s dut0 autoneg on' },
  RESTART_AUTONEG: { sh: 'ethtool -r dut0' },
  SET_MSGLEVEL: { sh: 'ethtool -s dut0 msglvl 0x2007; ethtool -s dut0 msglvl 0x7' },
  GET_REGS: { sh: 'ethtool -d dut0' }, REGS_COUNT: { sh: 'ethtool -d dut0' }, GET_RING_COUNTS: { sh: 'ethtool -g dut0' },
  GET_STATS: { sh: 'ethtool -S dut0' }, GET_STAT_NAMES: { sh: 'ethtool -S dut0' }, STATS_COUNT: { sh: 'ethtool -S dut0' },
}
const LIGHT_OPS = ['SET_MTU', 'SET_RX_MODE', 'SET_MAC', 'GET_STATS', 'GET_REGS', 'GET_RING_COUNTS', 'GET_LINK', 'SET_MSGLEVEL']

/** The first round runs every light operation and the fault's own; a later round (a planted
 *  fault waiting for its 2nd or 3rd call) only the fault's own. */
export function workloadRound(fault: Fault, first = true): string {
  const op = isPlanted(fault.kind) ? fault.spec.split(':')[1]! : ''
  const own = op && OP_COMMANDS[op] ? [op] : []
  const ops = first || !own.length ? [...new Set([...LIGHT_OPS, ...own])] : own
  const ip = [...new Set(ops.flatMap(o => OP_COMMANDS[o]!.ip ?? []))], sh = [...new Set(ops.map(o => OP_COMMANDS[o]!.sh).filter(Boolean))]
  return `${ip.length ? `ip -force -batch - <<EOF\n${ip.join('\n')}\nEOF\n  ` : ''}${sh.join('\n  ')}`
}

/** The module reload that makes a new instance (its INIT), leaving dut0 configured as before. */
function reloadModule(nic: NicSpec, variant: Variant, mac: string, addr: string, param = ''): string {
  const drv = nic.variants[variant]!
  const mod = drv.modules[drv.modules.length - 1]!
  return `ip link set dut0 down; rmmod ${mod}; insmod $(tail -1 /etc/microbed/modules/${mod}) ${param}
for i in $(seq 200); do d=$(grep -lx ${mac} /sys/class/net/*/address 2>/dev/null | cut -d/ -f5); [ -n "$d" ] && break; sleep 0.1; done
[ -n "$d" ] && [ "$d" != dut0 ] && ip link set "$d" name dut0
sysctl -qw net.ipv4.conf.dut0.route_localnet=1; ip addr add ${addr} dev dut0 2>/dev/null; ip link set dut0 up`
}

/**
 * Shell functions, builtins wherever they will do (under TCG on a busy host each program started
 * costs 50-300 ms, and a fault used to start sixty): nap (a sleep on a FIFO), log (this fault's
 * kernel log: it is cleared at the fault's start; busybox's dmesg has -c, not -C), has, lastev (the last attach/detach/replay/giveup
 * event), udpid (the active u-driver's pid, from /proc), settle (wait out a recovery in
 * progress), health (sets WHY when it fails).
 */
function guestFunctions(variant: Variant, peer: string, udriver: string): string {
  return `[ -p /run/mb-nap ] || mkfifo /run/mb-nap; exec 9<>/run/mb-nap
nap() { read -t "$1" -u 9 _; }
t() { local up _; read -r up _ < /proc/uptime; echo "@@t $1 $up"; }
log() { LOG=$(dmesg); }
has() { [[ $LOG == *"$1"* ]]; }
lastev() { local l; EV=; while read -r l; do [[ $l =~ event=(attach|detach|replay|giveup)\\  ]] && EV=\${BASH_REMATCH[1]}; done <<< "$LOG"; }
udpid() { local d c; UP=; for d in /proc/[0-9]*; do read -r c < $d/comm 2>/dev/null && [ "$c" = ${udriver} ] && { UP=\${d#/proc/}; return; }; done; }
settle() { local i; for i in {1..100}; do log; lastev; [ "$EV" = detach ] || break; nap 0.1; done; }
health() {
  local c= i out e f
  # A workload UP the driver refused (its answer, not a failure) leaves dut0 down: whether the
  # driver works is asked with a new request, as the workload's next command would.
  read -r f < /sys/class/net/dut0/flags
  if (( !(f & 1) )); then
    ip link set dut0 up 2>/tmp/up.err || { read -r e < /tmp/up.err; WHY="admin: dut0 was down and ip link set dut0 up failed: $e"; return 1; }
    echo "@@reup dut0 was administratively down after the workload; ip link set dut0 up succeeded"
  fi
  for i in {1..50}; do read -r c < /sys/class/net/dut0/carrier 2>/dev/null; [ "$c" = 1 ] && break; nap 0.1; done
  [ "$c" = 1 ] || { read -r c < /sys/class/net/dut0/operstate; WHY="carrier: none after 5 s (operstate $c)"; return 1; }
  out=$(ping -c 2 -i 0.1 -W 2 -I dut0 ${peer} 2>&1); [[ $out == *" 2 packets received"* ]] || { WHY="traffic: pings through dut0 unanswered"; return 1; }
  ethtool -S dut0 >/dev/null 2>/tmp/ethtool.err || { read -r e < /tmp/ethtool.err; WHY="ethtool: ethtool -S dut0 failed: $e"; return 1; }${variant === 'split' ? `
  udpid; [ -n "$UP" ] || { WHY="u-driver: none running"; return 1; }
  log; lastev; [ "$EV" != detach ] || { WHY="u-driver: not attached (the last event is a detach)"; return 1; }` : ''}
  return 0
}`
}

/**
 * The guest side of one fault, in one command: clear and mark the log, inject, run the workload
 * (planted: up to three rounds, until the fault fired), wait out a recovery, check health (twice:
 * the first check may itself be what finds a hung u-driver), and on split replace a u-driver that
 * survived the fault with a clean one. Prints "@@key value" lines, then this fault's kernel log.
 */
export function faultScript(nic: NicSpec, variant: Variant, fault: Fault, o: { mark: string; mac: string; addr: string; peer: string }): string {
  const udriver = nic.variants.split?.udriver ?? 'mb-udriver'
  const planted = isPlanted(fault.kind)
  const op = planted ? fault.spec.split(':')[1]! : ''
  let inject: string
  if (variant === 'monolithic') inject = reloadModule(nic, variant, o.mac, o.addr, `fault=${fault.spec}`)
  else if (fault.kind.startsWith('bitflip')) {
    const [kind, seed] = fault.spec.split(':')
    inject = `mb-swifi -p $P -x mb-arm -r ${kind!.split('.')[1]} -s ${seed} 2>&1 | while read -r l; do echo "@@inject \${l#microbed: event=}"; done`
  } else {
    const what = planted ? `fault ${fault.spec}` : `chan ${fault.spec.replace(/^chan\./, '')}`
    inject = `echo "${what}" > /run/mb-arm; kill -USR1 $P
for i in {1..50}; do log; has event=swifi-armed && break; nap 0.1; done
while read -r l; do [[ $l == *event=swifi-armed* ]] && echo "@@inject \${l#*event=}"; done <<< "$LOG"${op === 'INIT' ? `\n${reloadModule(nic, variant, o.mac, o.addr)}` : ''}`
  }
  const fired = planted ? `log; has event=fault-fired || has event=fault-skipped` : fault.kind.startsWith('chan') ? `log; has event=swifi-fired` : 'true'
  return `MARK=${o.mark}; MAC=${o.mac}
${guestFunctions(variant, o.peer, udriver)}
dmesg -c >/dev/null; echo "microbed: event=mark id=$MARK" > /dev/kmsg
${variant === 'split' ? `udpid; P=$UP; [ -n "$P" ] || { echo "@@nofault no u-driver running before the fault"; exit 0; }` : ''}
t start
${inject}
t injected
{ ${workloadRound(fault)}
  for r in 2 3; do
    ${fired} && break
    ${workloadRound(fault, false)}
  done
} >/dev/null 2>&1
t workload
settle
t settled
if health; then echo "@@health ok"; else W1=$WHY; settle; nap 1; settle
  if health; then echo "@@health ok-after-wait $W1"; else echo "@@health FAIL $WHY"; fi
fi
t health
log; FLOG=$LOG
${variant === 'split' ? `if kill -0 $P 2>/dev/null; then
  echo "@@survived $P"
  dmesg -c >/dev/null
  kill -KILL $P
  for i in {1..100}; do log; if has event=replay; then udpid; [ -n "$UP" ] && [ "$UP" != "$P" ] && break; fi; nap 0.1; done
  [ -n "$UP" ] && [ "$UP" != "$P" ] && has event=replay && echo "@@fresh $UP" || echo "@@fresh FAIL no clean u-driver attached within 10 s"
  t fresh
fi` : ''}
echo "@@dmesg"
echo "$FLOG"`
}

export interface FaultRun {
  i: number; spec: string; variant: Variant; kind: string; outcome: Outcome; evidence: string
  /** What the fault changed, as the injector said it (mb-swifi, the u-driver's -A, fault.c). */
  injected: string
  recoveryMs?: number; seconds: number
  /** Seconds in each phase in the guest (inject, workload, settle, health, fresh). */
  phases?: Record<string, number>
  /** The guest is unfit for the next fault (no clean u-driver could replace the one that survived). */
  reboot?: boolean
}

/** The lines of a crash report that say what happened (BUG:, Oops, RIP, lockup, panic), else its start. */
export function crashHeadline(excerpt: string): string {
  const lines = excerpt.split('\n')
  const key = lines.filter(l => /BUG:|Oops|general protection|RIP:|lockup|Kernel panic|WARNING:|Out of memory/.test(l))
  return (key.length ? key : lines).slice(0, 3).map(l => l.trim()).join(' | ')
}

/** The kernel log after the line `microbed: event=mark id=MARK` (all of it if the mark is gone). */
export function sinceMark(log: string, mark: string): string {
  const lines = log.split('\n')
  const i = lines.findIndex(l => l.endsWith(`microbed: event=mark id=${mark}`))
  return i < 0 ? log : lines.slice(i + 1).join('\n')
}

/** What the guest side said: its @@ lines by key, and the fault's kernel log after them. */
export function parseFaultOutput(out: string): { keys: Map<string, string[]>; log: string } {
  const at = out.indexOf('@@dmesg\n')
  const head = at < 0 ? out : out.slice(0, at)
  // The fault's own log ends where the clean u-driver's start begins.
  const all = at < 0 ? '' : out.slice(at + 8), cut = all.search(/^.*microbed: event=mark id=\S+-fresh$/m)
  const log = cut < 0 ? all : all.slice(0, cut)
  const keys = new Map<string, string[]>()
  for (const l of head.split('\n')) {
    const m = /^@@(\w+) ?(.*)$/.exec(l)
    if (m) keys.set(m[1]!, [...(keys.get(m[1]!) ?? []), m[2]!])
  }
  return { keys, log }
}

/**
 * A fault's outcome from what the guest said (pure, so that it is tested without a guest):
 * kernel crash (console or log), hang undetected (the guest stopped answering with no timeout
 * declared), not applicable / not fired (the fault never took effect), then by the runtime's
 * events and the health check: a declared timeout and healthy is a hang detected and recovered, a
 * u-driver death and healthy is recovered unaided (recovery time: the kernel's detach to its
 * replay), healthy without either is not manifested, and unhealthy is broken (the check that
 * failed). A planted fault that made its operation fail while the u-driver lived on counts as not
 * manifested: the driver did not fail.
 */
export function classify(r: { fault: Fault; variant: Variant; output: string | null; crash: string | null; answered: boolean }): { outcome: Outcome; evidence: string; injected: string; recoveryMs?: number } {
  if (r.crash) return { outcome: 'kernel crash', evidence: crashHeadline(r.crash), injected: '' }
  if (r.output === null) return { outcome: 'hang undetected', evidence: r.answered ? 'the fault\'s command did not finish in the guest' : 'the guest no longer answers commands', injected: '' }
  const { keys, log } = parseFaultOutput(r.output)
  const ev = microbedEvents(log)
  const injected = [...(keys.get('inject') ?? []), ...ev.filter(e => /^fault-(armed|fired)$/.test(e.event) || e.event === 'swifi-fired').map(e => e.line.replace(/^.*event=/, ''))]
    .filter((x, i, a) => a.indexOf(x) === i).join(' | ')
  const c2 = detectCrash(log)
  if (c2) return { outcome: 'kernel crash', evidence: crashHeadline(c2.excerpt), injected }
  if (keys.has('nofault')) return { outcome: 'broken', evidence: `before the fault: ${keys.get('nofault')![0]}`, injected }
  const skipped = ev.find(e => e.event === 'fault-skipped' && /not-applicable/.test(e.line))
  if (skipped) return { outcome: 'not applicable', evidence: skipped.line.replace(/^.*event=/, ''), injected }
  const planted = isPlanted(r.fault.kind)
  const armed = ev.find(e => e.event === 'swifi-armed')
  if (armed && !/result=0\b/.test(armed.line)) return { outcome: 'broken', evidence: `the u-driver did not arm the fault: ${armed.line.replace(/^.*event=/, '')}`, injected }
  const tookEffect = planted ? ev.some(e => e.event === 'fault-fired') : ev.some(e => e.event === 'swifi-fired')
  if (!tookEffect) {
    const why = keys.get('inject')?.find(l => /mb-swifi:/.test(l))
    return { outcome: 'not fired', evidence: why ?? (planted ? 'the workload never reached the fault\'s trigger' : 'no swifi-fired line: the armed downcall never came'), injected }
  }
  const health = keys.get('health')?.[0] ?? 'FAIL no health line'
  const timeout = ev.find(e => e.event === 'timeout')
  // A detach for the module's own unload (an INIT fault's reload) is no death.
  const death = ev.find(e => (e.event === 'detach' && !/reason=unregister\b/.test(e.line)) || e.event === 'udriver-exit')
  const tail = ev.filter(e => /^(timeout|detach|kill|replay|retry|failstop|giveup|udriver-exit|refuse|violation)$/.test(e.event)).slice(0, 5).map(e => e.line.replace(/^.*event=/, '')).join(' | ')
  if (health.startsWith('FAIL')) return { outcome: 'broken', evidence: `health check failed: ${health.slice(5)}${tail ? `; ${tail}` : ''}`, injected }
  let recoveryMs: number | undefined
  const first = timeout ?? death
  if (first) {
    const replay = ev.find(e => e.event === 'replay' && e.ms >= first.ms)
    if (replay) recoveryMs = Math.round(replay.ms - first.ms)
  }
  const reup = keys.has('reup') ? '; dut0 was left down by an operation the driver refused, and came up on the next request' : ''
  if (timeout) return { outcome: 'hang detected and recovered', evidence: tail + reup, injected, recoveryMs }
  if (death) return { outcome: 'recovered unaided', evidence: tail + reup, injected, recoveryMs }
  return { outcome: 'not manifested', evidence: `${health === 'ok' ? 'no u-driver death, no timeout, healthy' : `healthy on the second check (${health})`}${reup}`, injected }
}

/** Seconds between the guest's "@@t PHASE UPTIME" lines, each phase named by its end. */
export function phaseTimes(lines: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  let prev: number | null = null
  for (const l of lines) {
    const [name, up] = l.split(' ')
    const t = Number(up)
    if (!name || !Number.isFinite(t)) continue
    if (prev !== null) out[name] = +(t - prev).toFixed(2)
    prev = t
  }
  return out
}

let marks = 0

/** Makes a fresh guest ready for a split campaign: the runtime's limits for the campaign, and the
 *  u-driver supervised again with -A (each run of it arms on SIGUSR1 what /run/mb-arm says). */
async function prepareSplit(g: Guest, nic: NicSpec): Promise<void> {
  const names = splitNames(nic)
  const params = Object.entries(CAMPAIGN_CORE_PARAMS).map(([k, v]) => `echo ${v} > /sys/module/mb_core/parameters/${k} || { echo "cannot set mb_core's ${k}"; exit 1; }`).join('\n')
  const r = await g.ssh.exec(`${params}
${stopUdriver(names.udriver)}
${CAMPAIGN_SUPERVISOR_ENV} ${startUdriver(names.udriver).replace(`/usr/sbin/${names.udriver}`, `/usr/sbin/${names.udriver} -A /run/mb-arm -D ${names.driver}`)}
for i in $(seq 100); do pgrep -x ${names.udriver} >/dev/null && dmesg | grep -E 'event=(attach|detach) ' | tail -1 | grep -q event=attach && ethtool -S dut0 >/dev/null 2>&1 && exit 0; sleep 0.1; done
echo "the u-driver with -A did not attach within 10 s"; exit 1`, { check: false, timeoutMs: 60_000 })
  if (r.code !== 0) throw new GuestError(`preparing the guest for the campaign failed: ${r.stdout.trim().split('\n').pop()}`, { evidence: r.stdout + r.stderr })
}

export async function runFault(tb: Testbed, nic: NicSpec, variant: Variant, fault: Fault, i: number, g: Guest): Promise<FaultRun> {
  const t0 = Date.now()
  const a = dutAddresses(tb.opts.net)
  const base = { i, spec: fault.spec, variant, kind: fault.kind }
  if (variant === 'monolithic' && !isPlanted(fault.kind)) return { ...base, outcome: 'not applicable', evidence: 'monolithic has no u-driver to inject into', injected: '', seconds: 0 }
  // Each fault's kernel log starts at a mark of its own: a guest reused over many faults fills
  // the log buffer, so offsets into an earlier dmesg would not hold.
  const mark = `${variant}-${process.pid}-${++marks}`
  const cmd = faultScript(nic, variant, fault, { mark, mac: a.mac, addr: `${a.guest}/${a.prefix}`, peer: a.host })
  // The command ends when it returns, times out, or the kernel crashes (then the guest is lost
  // anyway: a looping kernel thread would otherwise hold it until its timeout).
  // A session lost mid-fault ("Not connected" after a crash) is the fault's outcome, not an error.
  let output: string | null = null, settled = false, lost = ''
  const step = g.ssh.exec(cmd, { check: false, timeoutMs: 120_000 }).then(r => { output = r.stdout }, e => { lost = e instanceof Error ? e.message : String(e) }).finally(() => { settled = true })
  while (!settled && !g.vm.crash()) await Promise.race([step, sleep(200)])
  if (settled) await step
  else step.catch(() => undefined)
  const crash = g.vm.crash()
  const answered = output !== null || crash !== null || await g.ssh.exec('true', { timeoutMs: 10_000 }).then(() => true, () => false)
  const c = classify({ fault, variant, output, crash: crash?.excerpt ?? null, answered })
  if (lost && output === null) c.evidence += ` (the command: ${lost.slice(0, 120)})`
  const fresh = output ? parseFaultOutput(output).keys.get('fresh')?.[0] : undefined
  const run: FaultRun = { ...base, ...c, seconds: (Date.now() - t0) / 1000 }
  // A u-driver that could not be replaced by a clean one leaves the guest unfit for the next fault.
  if (fresh?.startsWith('FAIL') && !['broken', 'kernel crash', 'hang undetected'].includes(run.outcome)) run.evidence += `; then: ${fresh}`
  run.reboot = !!fresh?.startsWith('FAIL')
  if (output) run.phases = phaseTimes(parseFaultOutput(output).keys.get('t') ?? [])
  // The record of every fault: what was injected, what the guest said, the verdict.
  appendFileSync(join(tb.runDir, `fault-campaign-${nic.name}-${variant}.log`),
    `==== fault ${i} ${fault.spec}: ${run.outcome}${run.recoveryMs !== undefined ? ` in ${run.recoveryMs} ms` : ''} (${run.seconds.toFixed(1)} s)\n${run.evidence}\n${output ?? `(no output${crash ? `; console:\n${crash.excerpt}` : ''})`}\n`)
  return run
}

/** "12 (1.2 %, 95 % CI 0.7-2.1 %)" */
export function share(k: number, n: number): string {
  if (!n) return `${k} (of none)`
  const w = wilson(k, n)
  return `${k}/${n} (${((100 * k) / n).toFixed(1)} %, 95 % CI ${(100 * w.low).toFixed(1)}-${(100 * w.high).toFixed(1)} %)`
}

/** The contrast: each planted fault run on both variants, and what split made of monolithic's crashes. */
export function contrastTable(split: FaultRun[], mono: FaultRun[]): { text: string; crashesTurned: number; monoCrashes: number } {
  const bySpec = new Map(split.map(r => [r.i, r]))
  const rows = mono.filter(r => isPlanted(r.kind) && bySpec.has(r.i))
  const w = Math.max(10, ...rows.map(r => r.spec.length))
  const lines = [`${'fault'.padEnd(w)}  ${'monolithic'.padEnd(28)}  split`]
  let crashesTurned = 0, monoCrashes = 0
  for (const m of rows) {
    const s = bySpec.get(m.i)!
    if (m.outcome === 'kernel crash' || m.outcome === 'hang undetected') {
      monoCrashes++
      if (['recovered unaided', 'hang detected and recovered', 'not manifested'].includes(s.outcome)) crashesTurned++
    }
    lines.push(`${m.spec.padEnd(w)}  ${m.outcome.padEnd(28)}  ${s.outcome}`)
  }
  lines.push(`monolithic kernel crashes and hangs that split turned into recoveries: ${crashesTurned} of ${monoCrashes}`)
  return { text: lines.join('\n'), crashesTurned, monoCrashes }
}

export const faultCampaign: Scenario = {
  name: 'fault-campaign',
  description: 'a seeded SWIFI campaign (planted faults, bit flips in the running u-driver, corrupted downcalls) on split, its planted faults on monolithic',
  asserts: [
    `--faults seeded faults (default 20, --seed 1), in turn: every planted fault kind, a bit flip in the u-driver's text, data, heap and stack, a corrupted downcall argument and result; one guest for all, rebooted only after a broken or crashed fault; monolithic runs the planted faults of the first ${MONOLITHIC_SAMPLE}`,
    'outcomes as the anchors count them: not manifested, recovered unaided (with recovery time), hang detected and recovered, broken (the failed health check), kernel crash (oops excerpt), hang undetected; each tally with its 95% Wilson interval',
    'split: 0 kernel crashes, 0 undetected hangs, at least 99.9% of the manifested faults recovered without help',
    'monolithic: the same planted faults in the kernel, and a table of what split turned from kernel crashes into recoveries',
  ],
  defaultVariants: ['split', 'monolithic'],
  covers: { variants: ['split', 'monolithic'], expectedS: 240 },
  async run(tb, nic, variants) {
    const out: CaseResult[] = []
    const byVariant = new Map<Variant, FaultRun[]>()
    const cases = new Map<Variant, CaseBuilder>()
    for (const variant of variants) {
      const c = new CaseBuilder('fault-campaign', nic.name, variant)
      if (!nic.variants[variant] || !nic.microdriver || variant === 'native') { out.push(c.skip(variant === 'native' ? 'the kernel\'s own driver has no fault points' : nic.unavailable[variant] ?? `${variant} is not available`)); continue }
      const total = variant === 'monolithic' ? Math.min(tb.opts.faults, MONOLITHIC_SAMPLE) : tb.opts.faults
      const runs: FaultRun[] = []
      let g: Guest | null = null, boots = 0
      const t0 = Date.now()
      try {
        for (let i = 0; i < total; i++) {
          const fault = pickFault(tb.opts.seed, i, specOf(nic.microdriver!.driver))
          if (!g && !(variant === 'monolithic' && !isPlanted(fault.kind))) {
            g = await boot(tb, nic, variant, { label: 'fault-' })
            boots++
            if (variant === 'split') await prepareSplit(g, nic)
          }
          const r = await runFault(tb, nic, variant, fault, i, g!)
          runs.push(r)
          tb.log.info(`${nic.name}/${variant} fault ${i + 1}/${total} ${r.spec}: ${r.outcome}${r.recoveryMs !== undefined ? ` in ${r.recoveryMs} ms` : ''} (${r.seconds.toFixed(1)} s${r.phases ? `: ${Object.entries(r.phases).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''})${r.evidence ? ` — ${r.evidence.slice(0, 160)}` : ''}${r.injected ? ` [${r.injected.slice(0, 200)}]` : ''}`)
          // Outside help: a guest left broken, crashed or hung is replaced by a fresh one.
          if (['broken', 'kernel crash', 'hang undetected'].includes(r.outcome) || r.reboot) { await g?.close(); g = null }
        }
      } catch (e) {
        out.push(c.fail(e))
        continue
      } finally {
        await g?.close()
      }
      const wallS = (Date.now() - t0) / 1000
      byVariant.set(variant, runs)
      cases.set(variant, c)
      const count = (o: Outcome, rs = runs) => rs.filter(r => r.outcome === o).length
      // Tallies per kind, then overall with their intervals (of all faults run).
      const kinds = [...new Set(runs.map(r => r.kind))]
      for (const kind of kinds) {
        const rs = runs.filter(r => r.kind === kind)
        for (const o of OUTCOMES) if (count(o, rs)) c.measure({ name: `${kind}: ${o}`, value: count(o, rs), unit: 'faults', extra: { of: rs.length } })
      }
      for (const o of OUTCOMES) {
        const w = wilson(count(o), runs.length)
        c.measure({ name: `all: ${o}`, value: count(o), unit: 'faults', extra: { of: runs.length, ci95LowPct: +(100 * w.low).toFixed(2), ci95HighPct: +(100 * w.high).toFixed(2) } })
      }
      const manifested = runs.filter(r => MANIFESTED.includes(r.outcome))
      const unaided = count('recovered unaided') + count('hang detected and recovered')
      const pct = manifested.length ? (100 * unaided) / manifested.length : 0
      const w = wilson(unaided, manifested.length)
      c.measure({ name: 'recovered without help, of the manifested faults', value: +pct.toFixed(3), unit: '%', extra: { fired: manifested.length, total: runs.length, ci95LowPct: +(100 * w.low).toFixed(2), ci95HighPct: +(100 * w.high).toFixed(2) } })
      const rec = runs.filter(r => r.recoveryMs !== undefined).map(r => r.recoveryMs!).sort((x, y) => x - y)
      if (rec.length) c.measure({ name: 'recovery time (kernel: detach or timeout to replay)', unit: 'ms', ...summarize(rec) })
      // Where a fault's time goes, on average over the faults that ran in the guest.
      for (const ph of ['injected', 'workload', 'settled', 'health', 'fresh']) {
        const xs = runs.map(r => r.phases?.[ph]).filter((x): x is number => x !== undefined)
        if (xs.length) c.measure({ name: `time per fault in the guest: ${ph}`, value: +(xs.reduce((a, b) => a + b, 0) / runs.length).toFixed(3), unit: 's', extra: { faults: xs.length } })
      }
      const ran = runs.filter(r => r.seconds > 0)
      c.measure({ name: 'time per fault (wall clock, boots included)', value: +(wallS / Math.max(1, ran.length)).toFixed(2), unit: 's', extra: { faults: ran.length, wallS: Math.round(wallS), boots, target: variant === 'split' ? '<= 2.4 s' : '-' } })
      tb.log.info(`${nic.name}/${variant}: ${runs.length} faults in ${wallS.toFixed(0)} s (${(wallS / Math.max(1, ran.length)).toFixed(2)} s per fault run, ${boots} boots)\n${OUTCOMES.map(o => `  ${o.padEnd(28)} ${share(count(o), runs.length)}`).join('\n')}\n  recovered unaided, of the manifested: ${share(unaided, manifested.length)}`)
      const list = (o: Outcome) => runs.filter(r => r.outcome === o).map(r => `#${r.i} ${r.spec}: ${r.evidence.slice(0, 200)}`).join('; ') || 'none'
      if (variant === 'split') {
        c.check('no kernel crash', count('kernel crash') === 0, `${share(count('kernel crash'), runs.length)}: ${list('kernel crash')}`)
        c.check('no undetected hang', count('hang undetected') === 0, `${share(count('hang undetected'), runs.length)}: ${list('hang undetected')}`)
        c.check('at least 99.9% of the manifested faults recovered without help', manifested.length > 0 && pct >= 99.9,
          `${share(unaided, manifested.length)}; broken: ${list('broken')}`)
      } else {
        c.check(`${runs.length} faults ran (${runs.filter(r => isPlanted(r.kind)).length} planted in the kernel)`, runs.length === total && runs.length > 0,
          `kernel crash: ${list('kernel crash')}; hang undetected: ${list('hang undetected')}`)
      }
    }
    const s = byVariant.get('split'), m = byVariant.get('monolithic')
    if (s && m) {
      const t = contrastTable(s, m)
      tb.log.info(`${nic.name}: planted faults on both variants\n${t.text}`)
      cases.get('monolithic')!.measure({ name: 'kernel crashes and hangs on monolithic that split recovered from', value: t.crashesTurned, unit: 'faults', extra: { of: t.monoCrashes } })
    }
    for (const v of variants) if (cases.has(v)) out.push(cases.get(v)!.finish())
    return out.sort((x, y) => variants.indexOf(x.variant as Variant) - variants.indexOf(y.variant as Variant))
  },
}
