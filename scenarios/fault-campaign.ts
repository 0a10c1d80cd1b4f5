// fault-campaign: --faults seeded faults, the kinds in turn (pickFault: sub-kind, operation and
// call chosen by --seed), armed the same way in both variants (the u-driver's -f for split, in its
// first run only; the monolithic module's fault= parameter), each armed in a guest that is
// fresh or verified clean, then a workload that calls every control operation. Each fault ends as
// recovered, detached cleanly, kernel crashed, hung, broken (none of those, but not working), not
// fired (the workload never reached its trigger) or not applicable (a garbage reply on
// monolithic, which has no channel). On split a kernel crash or a hang fails the
// scenario and fewer than 99% recovered (of the faults that fired) fails it; on monolithic kernel
// crashes are the expected, reported outcome: that contrast is the point.
import { CaseBuilder, type Scenario } from '../orchestrator/testbed/scenario.ts'
import { dutAddresses } from '../orchestrator/vm/qemu.ts'
import { detectCrash } from '../orchestrator/vm/crash.ts'
import { GuestError } from '../orchestrator/base/errors.ts'
import { sleep } from '../orchestrator/base/retry.ts'
import { boot, type Guest, type Testbed } from '../orchestrator/testbed/testbed.ts'
import type { CaseResult } from '../orchestrator/results/results.ts'
import { splitNames, type NicSpec, type Variant } from '../orchestrator/testbed/nics.ts'
import type { DriverSpec } from '../orchestrator/slicer/spec.ts'
import { specOf } from '../orchestrator/slicer/specs/index.ts'
import { microbedEvents, startUdriver, stopUdriver } from './guest-ops.ts'

export const OUTCOMES = ['recovered', 'detached cleanly', 'kernel crashed', 'hung', 'broken', 'not fired', 'not applicable'] as const
export type Outcome = (typeof OUTCOMES)[number]

/** The fault kinds of the u-driver's -f and the monolithic module's fault= (udriver/lib/fault.h),
 *  with their sub-kinds; range's are the driver's own (its spec's rangeFaults). */
export function faultKinds(spec: DriverSpec): Record<string, string[]> {
  return {
    crash: [], retval: ['eio', 'positive', 'nonerrno'], range: spec.rangeFaults,
    late: [], garbage: ['random', 'length', 'seq'], loop: [], leak: [],
  }
}
/** The control operations the workload below reaches (a tx-timeout and the replay need a failure
 *  first), as the specs name them; a driver's are those of these its spec has. */
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

/**
 * The i-th fault of a campaign: the kinds in turn (so every kind is covered), sub-kind, operation
 * and which call fires it chosen by the seed. Returns the spec both variants take, KIND[.SUB]:OP:N.
 */
export function pickFault(seed: number, i: number, driver: DriverSpec): { kind: string; spec: string } {
  const all = faultKinds(driver), ops = workloadOps(driver)
  const kinds = Object.keys(all)
  const kind = kinds[i % kinds.length]!
  const rnd = prng(seed * 100_003 + i)
  const subs = all[kind]!
  const sub = subs.length ? `.${subs[Math.floor(rnd() * subs.length)]}` : ''
  const op = ops[Math.floor(rnd() * ops.length)]!
  const n = op === 'INIT' ? 1 : 1 + Math.floor(rnd() * 3)
  return { kind, spec: `${kind}${sub}:${op}:${n}` }
}

/**
 * Every control operation, in up to three rounds (a fault may fire on the 3rd call): the rounds
 * stop one round after the fault fired (the operations then run against the recovered device),
 * then time for the 2 s watchdog.
 */
const WORKLOAD = `T="timeout 15"; after=0
for r in 1 2 3; do
  [ $after = 1 ] && break
  dmesg | sed -n '/event=mark id=$MARK$/,$p' | grep -q 'event=fault-fired' && after=1
  $T ip link set dut0 down; $T ip link set dut0 up
  $T ethtool -S dut0; $T ethtool -d dut0; $T ethtool -g dut0; $T ethtool dut0; $T ethtool -e dut0
  $T ip link set dut0 mtu 1400; $T ip link set dut0 mtu 1500
  $T ip link set dut0 promisc on; $T ip link set dut0 promisc off
  $T ip link set dut0 address 52:54:00:6d:62:43; $T ip link set dut0 address $MAC
  $T ethtool -s dut0 msglvl 0x2007; $T ethtool -s dut0 msglvl 0x7
  $T ethtool -s dut0 autoneg off speed 100 duplex full; $T ethtool -s dut0 autoneg on; $T ethtool -r dut0
done >/dev/null 2>&1
sleep 3`

/** Reloads the NIC driver with the fault armed (only in the first u-driver run, for split). */
function armScript(nic: NicSpec, variant: Variant, spec: string, mac: string, addr: string): string {
  const drv = nic.variants[variant]!
  const mod = drv.modules[drv.modules.length - 1]!
  const load = variant === 'split'
    ? `${stopUdriver(drv.udriver!)}; ip link set dut0 down; rmmod ${mod}
${startUdriver(drv.udriver!, `-D ${splitNames(nic).driver} -f ${spec}`)}
insmod $(tail -1 /etc/microbed/modules/${mod})`
    : `ip link set dut0 down; rmmod ${mod}; insmod $(tail -1 /etc/microbed/modules/${mod}) fault=${spec}`
  return `${load}
for i in $(seq 200); do d=$(grep -lx ${mac} /sys/class/net/*/address 2>/dev/null | cut -d/ -f5); [ -n "$d" ] && break; sleep 0.1; done
[ -n "$d" ] && [ "$d" != dut0 ] && ip link set "$d" name dut0
sysctl -qw net.ipv4.conf.dut0.route_localnet=1; ip addr add ${addr} dev dut0 2>/dev/null; ip link set dut0 up; true`
}

/** Working again: carrier, pings, a control operation, and (split) a u-driver attached. Returns why not. */
async function healthy(g: Guest, peer: string, variant: Variant): Promise<string | null> {
  const udriver = g.nic.variants.split?.udriver
  const r = await g.ssh.exec(`for i in $(seq 100); do [ "$(cat /sys/class/net/dut0/carrier 2>/dev/null)" = 1 ] && break; sleep 0.1; done
[ "$(cat /sys/class/net/dut0/carrier 2>/dev/null)" = 1 ] || { echo "no carrier after 10 s ($(cat /sys/class/net/dut0/operstate 2>&1))"; exit 1; }
ping -c 3 -i 0.2 -W 2 -I dut0 ${peer} | grep -q ' [23] packets received' || { echo "pings unanswered"; exit 1; }
timeout 15 ethtool -S dut0 >/dev/null 2>/tmp/ethtool.err || { echo "ethtool -S failed: $(tail -1 /tmp/ethtool.err)"; exit 1; }${variant === 'split' ? `
pgrep -x ${udriver} >/dev/null || { echo "no u-driver running"; exit 1; }` : ''}`, { check: false, timeoutMs: 60_000 })
  return r.code === 0 ? null : (r.stdout.trim().split('\n').pop() || `health check exited ${r.code}`)
}

export interface FaultRun { spec: string; variant: Variant; kind: string; op: string; outcome: Outcome; evidence: string }

let marks = 0

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

export async function runFault(tb: Testbed, nic: NicSpec, variant: Variant, fault: { kind: string; spec: string }, g: Guest): Promise<FaultRun> {
  const a = dutAddresses(tb.opts.net)
  // This fault's kernel log starts at a mark of its own: a guest reused over many faults fills
  // the log buffer, so offsets into an earlier dmesg would not hold.
  const mark = `${variant}-${++marks}`
  await g.ssh.exec(`echo "microbed: event=mark id=${mark}" > /dev/kmsg`)
  const run: FaultRun = { spec: fault.spec, variant, kind: fault.kind, op: fault.spec.split(':')[1]!, outcome: 'broken', evidence: '' }
  const fresh = async () => sinceMark((await g.ssh.exec('dmesg', { timeoutMs: 20_000 })).stdout, mark)
  // Each step ends when it returns, times out, or the kernel crashes (then the guest is lost
  // anyway: a looping kernel thread would otherwise hold the step until its timeout).
  for (const [cmd, timeoutMs] of [[armScript(nic, variant, fault.spec, a.mac, `${a.guest}/${a.prefix}`), 90_000], [WORKLOAD.replace('$MAC', a.mac).replace('$MARK', mark), 240_000]] as const) {
    let settled = false
    const step = g.ssh.exec(cmd, { check: false, timeoutMs }).then(() => undefined, e => { if (!(e instanceof GuestError)) throw e }).finally(() => { settled = true })
    while (!settled && !g.vm.crash()) await Promise.race([step, sleep(500)])
    if (!settled) { step.catch(() => undefined); break }
    await step
  }
  const crash = g.vm.crash()
  if (crash) return { ...run, outcome: 'kernel crashed', evidence: crashHeadline(crash.excerpt) }
  let log: string
  try { log = await fresh() } catch { return { ...run, outcome: 'hung', evidence: 'the guest no longer answers commands' } }
  const ev = microbedEvents(log)
  const armed = ev.find(e => e.event === 'fault-armed')?.line ?? ''
  const c2 = detectCrash(log)
  if (c2) return { ...run, outcome: 'kernel crashed', evidence: crashHeadline(c2.excerpt) }
  const skipped = ev.find(e => e.event === 'fault-skipped' && /not-applicable/.test(e.line))
  if (skipped) return { ...run, outcome: 'not applicable', evidence: skipped.line.replace(/^.*event=/, '') }
  if (!ev.some(e => e.event === 'fault-fired')) return { ...run, outcome: 'not fired', evidence: armed.replace(/^.*event=/, '') || 'no fault-armed line' }
  const why = await healthy(g, a.host, variant).catch(e => `health check failed: ${String(e).slice(0, 100)}`)
  const ok = why === null
  const tail = ev.filter(e => !e.event.startsWith('udriver-')).slice(-4).map(e => e.line.replace(/^.*event=/, '')).join(' | ')
  if (ok) return { ...run, outcome: 'recovered', evidence: tail }
  if (ev.some(e => e.event === 'giveup')) return { ...run, outcome: 'detached cleanly', evidence: tail }
  return { ...run, outcome: 'broken', evidence: `${why}; ${tail}` }
}

export const faultCampaign: Scenario = {
  name: 'fault-campaign',
  description: 'seeded faults of every kind on split and monolithic: recovered, detached, crashed or hung',
  asserts: [
    '--faults seeded faults (default 20, --seed 1): every kind in turn, on the operations the workload reaches; each in a fresh guest or one verified clean after the previous fault',
    'split: no kernel crash and no hang, and at least 99% of the faults that fired recovered without help',
    'monolithic: the same faults run in the kernel; crashes and hangs are the expected, reported outcome',
    'reports a tally per fault kind and variant: recovered, detached cleanly, kernel crashed, hung, broken, not fired',
  ],
  defaultVariants: ['split', 'monolithic'],
  covers: { variants: ['split', 'monolithic'], expectedS: 360 },
  async run(tb, nic, variants) {
    const out: CaseResult[] = []
    for (const variant of variants) {
      const c = new CaseBuilder('fault-campaign', nic.name, variant)
      if (!nic.variants[variant] || !nic.microdriver || variant === 'native') { out.push(c.skip(variant === 'native' ? 'the kernel\'s own driver has no fault points' : nic.unavailable[variant] ?? `${variant} is not available`)); continue }
      const runs: FaultRun[] = []
      let g: Guest | null = null
      try {
        for (let i = 0; i < tb.opts.faults; i++) {
          const fault = pickFault(tb.opts.seed, i, specOf(nic.microdriver!.driver))
          g ??= await boot(tb, nic, variant, { label: 'fault-' })
          const r = await runFault(tb, nic, variant, fault, g)
          runs.push(r)
          tb.log.info(`${nic.name}/${variant} fault ${i + 1}/${tb.opts.faults} ${r.spec}: ${r.outcome}${r.evidence ? ` (${r.evidence.slice(0, 160)})` : ''}`)
          // Only a guest in which the fault recovered, or never fired, is reused.
          if (!['recovered', 'not fired', 'not applicable'].includes(r.outcome)) { await g.close(); g = null }
        }
      } catch (e) {
        out.push(c.fail(e))
        continue
      } finally {
        await g?.close()
      }
      const tally = new Map<string, Record<Outcome, number>>()
      for (const r of runs) {
        const t = tally.get(r.kind) ?? Object.fromEntries(OUTCOMES.map(o => [o, 0])) as Record<Outcome, number>
        t[r.outcome]++
        tally.set(r.kind, t)
      }
      for (const [kind, t] of [...tally].sort()) {
        for (const o of OUTCOMES) if (t[o]) c.measure({ name: `${kind}: ${o}`, value: t[o], unit: 'faults' })
      }
      const fired = runs.filter(r => r.outcome !== 'not fired' && r.outcome !== 'not applicable')
      const count = (o: Outcome) => runs.filter(r => r.outcome === o).length
      const recoveredPct = fired.length ? (100 * count('recovered')) / fired.length : 0
      c.measure({ name: 'recovered without help, of the faults that fired', value: recoveredPct, unit: '%', extra: { fired: fired.length, total: runs.length } })
      const list = (o: Outcome) => runs.filter(r => r.outcome === o).map(r => r.spec).join(', ') || 'none'
      if (variant === 'split') {
        c.check('no kernel crash', count('kernel crashed') === 0, list('kernel crashed'))
        c.check('no hang', count('hung') === 0, list('hung'))
        c.check('at least 99% of the faults that fired recovered without help', fired.length > 0 && recoveredPct >= 99, `${count('recovered')}/${fired.length} (${recoveredPct.toFixed(1)}%); detached cleanly: ${list('detached cleanly')}; broken: ${list('broken')}`)
      } else {
        c.check(`${runs.length} faults ran in the kernel`, runs.length === tb.opts.faults, `kernel crashed: ${list('kernel crashed')}; hung: ${list('hung')}`)
      }
      out.push(c.finish())
    }
    return out
  },
}
