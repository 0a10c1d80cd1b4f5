// soak: --deaths u-driver deaths of mixed kinds under traffic, then nothing lost and nothing
// leaked: the guest kernel's memory, the runtime's own objects and messages (mb_core's `counts`),
// the k-driver's packet counters and the configuration, each against its value at the start.
import { guestCase, type CaseBuilder, type Scenario } from '../orchestrator/testbed/scenario.ts'
import { dutAddresses } from '../orchestrator/vm/qemu.ts'
import { summarize, type CaseResult } from '../orchestrator/results/results.ts'
import { detectCrash } from '../orchestrator/vm/crash.ts'
import type { Guest, Testbed } from '../orchestrator/testbed/testbed.ts'
import { splitNames, type NicSpec } from '../orchestrator/testbed/nics.ts'
import { microbedEvents, pingCounts, run, startUdriver, stopUdriver, waitEvent } from './guest-ops.ts'
import { applyConfig, configHolds, describeConfig, lastReplayLine } from './config-state.ts'

/**
 * The kinds of death, in turn (10 deaths make one round): how each u-driver is started and how it
 * dies. Planted faults fire in the control operation `ethtool dut0` makes (GET_LINK_KSETTINGS); a
 * hang is a u-driver that stops answering, declared dead by the upcall timeout and killed by the
 * kernel; garbage is a protocol violation (the kernel detaches it; the process attaches afresh and
 * is then stopped cleanly, which is not a death). The operation that fires a fault runs in the
 * background: after the death its further upcalls wait for the next u-driver (outage_wait_ms),
 * which the loop starts at once.
 */
export const DEATH_KINDS = [
  { kind: 'sigkill', args: '', act: 'kill -KILL $p' },
  { kind: 'sigsegv', args: '', act: 'kill -SEGV $p' },
  { kind: 'sigkill', args: '', act: 'kill -KILL $p' },
  { kind: 'fault-crash', args: '-f crash:GET_LINK_KSETTINGS:1', act: '(ethtool dut0 >/dev/null 2>&1 &)' },
  { kind: 'sigsegv', args: '', act: 'kill -SEGV $p' },
  { kind: 'hang-sigstop', args: '', act: 'kill -STOP $p; (ethtool -S dut0 >/dev/null 2>&1 &)' },
  { kind: 'sigkill', args: '', act: 'kill -KILL $p' },
  { kind: 'fault-garbage', args: '-f garbage.seq:GET_LINK_KSETTINGS:1', act: '(ethtool dut0 >/dev/null 2>&1 &)' },
  { kind: 'sigabrt', args: '', act: 'kill -ABRT $p' },
  { kind: 'hang-fault-loop', args: '-f loop:GET_LINK_KSETTINGS:1', act: '(ethtool dut0 >/dev/null 2>&1 &)' },
] as const

/** The soak's own settings of mb_core, and why. */
export const SOAK_CORE = {
  // every death counts towards the crash-loop limit; the limit is crash-loop's subject
  maxRestarts: 1_000_000,
  // one attach per death, several a second: the churn limit would refuse most of them
  attachBurst: 32, attachWindowS: 1,
  // a hang waits for the upcall timeout; 2 s keeps hangs cheap, and is long enough that a healthy
  // u-driver is not declared dead when this loaded host stalls the guest (1 s was not: a 1000-death
  // run on 2026-12-02 saw the watchdog's upcall time out once in an 11 s stall)
  upcallTimeoutMs: 2000,
}

/** Bands for the growth from start to end (the start is taken after WARMUP deaths). */
export const SOAK_BANDS = {
  /** unreclaimable slab (kmalloc, the runtime's objects): kB */
  sunreclaimKiB: 512,
  /** free memory, beyond what the tmpfs files (logs) took: kB */
  memFreeKiB: 8192,
  /** extra ping loss over the baseline window: points */
  lossPoints: 1,
}
export const WARMUP_DEATHS = 10

/** mb_core's counts line: key=value words. */
export function parseCounts(line: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const m of line.matchAll(/(\w+)=(\d+)/g)) out[m[1]!] = Number(m[2])
  return out
}

/** /proc/meminfo's fields in kB. */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const m of text.matchAll(/^(\w+):\s+(\d+) kB/gm)) out[m[1]!] = Number(m[2])
  return out
}

const COUNTS = '/sys/module/mb_core/parameters/counts'
const STATS = ['rx_packets', 'tx_packets', 'rx_errors', 'tx_errors', 'rx_dropped', 'tx_dropped']

/** Shell helpers: get (mb_core's counts into at/out/as/cr), served_after A (attached, replayed, more than A attaches; 10 s at most). */
const COUNTS_WAIT = `C=${COUNTS}
get() { read -r l < $C; [[ $l =~ attached=([0-9]+).*outage=([0-9]+).*attaches=([0-9]+).*crashes=([0-9]+) ]] && at=\${BASH_REMATCH[1]} out=\${BASH_REMATCH[2]} as=\${BASH_REMATCH[3]} cr=\${BASH_REMATCH[4]}; }
served_after() { for i in $(seq 500); do get; [ "$at" = 1 ] && [ "$out" = 0 ] && [ "$as" -gt "$1" ] && return 0; sleep 0.02; done; return 1; }`

/** The guest-side loop: deaths FROM..TO (1-based), one line per death: "k kind ok ms". A planted
 *  fault is armed in the NIC's own driver (-D): mb-udriver serves every driver in its table. */
function deathLoop(udriver: string, driver: string, from: number, to: number): string {
  const cases = DEATH_KINDS.map((d, i) => `${i}) kind=${d.kind}; args='${d.args ? `-D ${driver} ${d.args}` : ''}'; act='${d.act}';;`).join('\n    ')
  return `${COUNTS_WAIT}
for k in $(seq ${from} ${to}); do
  case $(( (k - 1) % ${DEATH_KINDS.length} )) in
    ${cases}
  esac
  t0=\${EPOCHREALTIME/./}; get; a0=$as; c0=$cr
  ${udriver} $args </dev/null >>/tmp/soak-udriver.log 2>&1 & p=$!
  ok=1; served_after $a0 || ok=0
  get; a1=$as
  eval "$act"
  for i in $(seq 500); do get; [ "$cr" -gt "$c0" ] && break; sleep 0.02; done
  [ "$cr" -gt "$c0" ] || ok=0
  # a violation detaches it and it attaches again, then leaves cleanly; declared dead otherwise
  # (e.g. by the timeout before its fault fired) it is gone, and the death is counted all the same
  if [ $kind = fault-garbage ]; then if served_after $a1; then kill -TERM $p; elif kill -0 $p 2>/dev/null; then ok=0; fi; fi
  # reaped; one still there after 5 s did not die as asked (ok=0 by now) and is killed, never waited on
  kill -CONT $p 2>/dev/null; for i in $(seq 100); do s=$(cut -d' ' -f3 /proc/$p/stat 2>/dev/null); [ -z "$s" ] || [ "$s" = Z ] && break; sleep 0.05; done
  kill -KILL $p 2>/dev/null; wait $p 2>/dev/null
  t1=\${EPOCHREALTIME/./}; echo "$k $kind $ok $(( (t1 - t0) / 1000 ))"
done`
}

async function snapshot(g: Guest) {
  const r = await run(g, `sync; echo 3 > /proc/sys/vm/drop_caches; sleep 0.5; cat /proc/meminfo; echo ===; cat ${COUNTS}; echo ===; for s in ${STATS.join(' ')}; do echo "$s $(cat /sys/class/net/dut0/statistics/$s)"; done`)
  const [mem = '', counts = '', stats = ''] = r.stdout.split('===\n')
  return { mem: parseMeminfo(mem), counts: parseCounts(counts), stats: Object.fromEntries(stats.trim().split('\n').map(l => l.split(' ')).map(([k, v]) => [k!, Number(v)])) as Record<string, number> }
}

async function soakCase(tb: Testbed, nic: NicSpec, g: Guest, c: CaseBuilder): Promise<void> {
  const n = splitNames(nic)
  const deaths = tb.opts.deaths
  const peer = dutAddresses(tb.opts.net).host
  const p = '/sys/module/mb_core/parameters'
  await g.ssh.exec(`echo ${SOAK_CORE.maxRestarts} > ${p}/max_restarts; echo ${SOAK_CORE.attachBurst} > ${p}/attach_burst; echo ${SOAK_CORE.attachWindowS} > ${p}/attach_window_s; echo ${SOAK_CORE.upcallTimeoutMs} > ${p}/upcall_timeout_ms`)
  tb.log.info(`soak: mb_core max_restarts=${SOAK_CORE.maxRestarts} attach_burst=${SOAK_CORE.attachBurst} attach_window_s=${SOAK_CORE.attachWindowS} upcall_timeout_ms=${SOAK_CORE.upcallTimeoutMs} for the run (the crash-loop and churn limits are other scenarios' subjects)`)
  await applyConfig(g, nic)
  const baselineS = 10
  const baseline = pingCounts((await run(g, `ping -q -i 0.02 -w ${baselineS} -I dut0 ${peer} 2>&1 | tail -3`, (baselineS + 20) * 1000)).stdout)
  // The soak's own u-drivers from here: one at a time, each started by the loop and killed by it.
  await g.ssh.exec(`${stopUdriver(n.udriver)}; true`)
  await g.ssh.exec(`(ping -q -i 0.02 -I dut0 ${peer} > /tmp/soak-ping.log 2>&1 & echo $! > /tmp/soak-ping.pid)`)
  const loop = async (from: number, to: number) => {
    if (from > to) return []
    const r = await run(g, deathLoop(n.udriver, n.driver, from, to), (to - from + 1) * 30_000 + 60_000)
    return r.stdout.trim().split('\n').filter(l => /^\d+ \S+ [01] \d+$/.test(l)).map(l => { const [k, kind, ok, ms] = l.split(' '); return { k: Number(k), kind: kind!, ok: ok === '1', ms: Number(ms) } })
  }
  const warm = Math.min(WARMUP_DEATHS, deaths)
  const rows = await loop(1, warm)
  // The start is read in the state the end is read in: one u-driver attached and replayed (then
  // stopped cleanly, which is no death).
  const served = await run(g, `${COUNTS_WAIT}; get; a0=$as; ${n.udriver} </dev/null >>/tmp/soak-udriver.log 2>&1 & echo $! > /tmp/soak-start.pid; served_after $a0`)
  if (served.code !== 0) throw new Error('soak: no u-driver served the device after the warm-up deaths (20 s)')
  const start = await snapshot(g)
  await run(g, 'p=$(cat /tmp/soak-start.pid); kill -TERM $p; for i in $(seq 100); do kill -0 $p 2>/dev/null || break; sleep 0.1; done')
  const t0 = Date.now()
  rows.push(...await loop(warm + 1, deaths))
  const soakS = (Date.now() - t0) / 1000
  // A served instance again, by the supervisor, for the end state.
  const replays = microbedEvents((await g.ssh.exec('dmesg')).stdout).filter(e => e.event === 'replay').length
  await g.ssh.exec(startUdriver(n.udriver))
  const back = await waitEvent(g, 'replay', replays, 20)
  await run(g, 'sleep 1; kill -INT $(cat /tmp/soak-ping.pid); sleep 0.5')
  const ping = (await run(g, 'cat /tmp/soak-ping.log')).stdout
  const end = await snapshot(g)
  const dmesg = (await g.ssh.exec('dmesg')).stdout

  const crash = detectCrash(dmesg)
  c.check('no kernel crash in dmesg', crash === null, crash?.excerpt ?? 'dmesg clean')
  const died = rows.filter(r => r.ok)
  const byKind = new Map<string, { n: number; ok: number }>()
  for (const r of rows) { const e = byKind.get(r.kind) ?? { n: 0, ok: 0 }; e.n++; if (r.ok) e.ok++; byKind.set(r.kind, e) }
  const kinds = [...byKind].map(([k, e]) => `${k} ${e.ok}/${e.n}`).join(', ')
  c.check(`${deaths} u-driver deaths of mixed kinds, each counted by the kernel, each followed by a served and replayed instance`,
    rows.length === deaths && died.length === deaths && (end.counts.crashes ?? 0) - (start.counts.crashes ?? 0) >= deaths - warm,
    `${died.length}/${deaths} (${kinds}); the kernel counted ${(end.counts.crashes ?? 0) - (start.counts.crashes ?? 0)} deaths after the ${warm} warm-up ones; first failing: ${rows.filter(r => !r.ok).slice(0, 5).map(r => `#${r.k} ${r.kind}`).join(', ') || 'none'}`)
  if (rows.length > warm) {
    const ms = rows.filter(r => r.k > warm).map(r => r.ms)
    c.measure({ name: 'time per death (u-driver start, served, death, reaped)', unit: 'ms', ...summarize(ms), extra: { deaths: ms.length, totalS: Math.round(soakS) } })
  }
  c.check('a u-driver serves the device again at the end (supervisor restarted, replay result=0)', back.code === 0, back.code === 0 ? 'replayed' : 'no replay within 20 s of the supervisor\'s start')

  // The runtime's own objects and messages: exactly as at the start.
  const same = ['instances', 'attached', 'retired', 'outage', 'queued', 'pending', 'channels'] as const
  const diff = same.filter(k => start.counts[k] !== end.counts[k])
  c.check('the runtime leaked nothing: live instances, channels, queued messages, upcalls in flight as at the start',
    diff.length === 0 && end.counts.queued === 0 && end.counts.pending === 0,
    `start: ${same.map(k => `${k}=${start.counts[k]}`).join(' ')}; end: ${same.map(k => `${k}=${end.counts[k]}`).join(' ')}; attaches ${start.counts.attaches} -> ${end.counts.attaches}`)
  // Kernel memory.
  const dSun = (end.mem.SUnreclaim ?? 0) - (start.mem.SUnreclaim ?? 0)
  const dSlab = (end.mem.Slab ?? 0) - (start.mem.Slab ?? 0)
  const dShmem = (end.mem.Shmem ?? 0) - (start.mem.Shmem ?? 0)
  const dFree = (start.mem.MemFree ?? 0) - (end.mem.MemFree ?? 0)
  c.check(`kernel memory within the band: unreclaimable slab +${SOAK_BANDS.sunreclaimKiB} kB, free memory -${SOAK_BANDS.memFreeKiB} kB beyond the tmpfs growth`,
    dSun <= SOAK_BANDS.sunreclaimKiB && dFree - Math.max(0, dShmem) <= SOAK_BANDS.memFreeKiB,
    `SUnreclaim ${start.mem.SUnreclaim} -> ${end.mem.SUnreclaim} kB (${dSun >= 0 ? '+' : ''}${dSun}), Slab ${start.mem.Slab} -> ${end.mem.Slab} kB (${dSlab >= 0 ? '+' : ''}${dSlab}), MemFree ${start.mem.MemFree} -> ${end.mem.MemFree} kB (${-dFree >= 0 ? '+' : ''}${-dFree}), Shmem (tmpfs) ${dShmem >= 0 ? '+' : ''}${dShmem} kB, over ${deaths - warm} deaths`)
  c.measure({ name: 'unreclaimable slab growth', value: dSun, unit: 'kB', extra: { start: start.mem.SUnreclaim, end: end.mem.SUnreclaim, band: SOAK_BANDS.sunreclaimKiB, perDeathB: deaths > warm ? Math.round((dSun * 1024) / (deaths - warm)) : 0 } })
  c.measure({ name: 'slab growth', value: dSlab, unit: 'kB', extra: { start: start.mem.Slab, end: end.mem.Slab } })
  c.measure({ name: 'free memory drop beyond tmpfs growth', value: dFree - Math.max(0, dShmem), unit: 'kB', extra: { memFreeStart: start.mem.MemFree, memFreeEnd: end.mem.MemFree, shmemGrowth: dShmem, band: SOAK_BANDS.memFreeKiB } })

  // Packets: the k-driver kept counting, and lost no more than the baseline window does.
  const { sent, received } = pingCounts(ping)
  const dup = Number(/\+(\d+) duplicates/.exec(ping)?.[1] ?? 0)
  const loss = sent ? (100 * (sent - received)) / sent : 100, baseLoss = baseline.sent ? (100 * (baseline.sent - baseline.received)) / baseline.sent : 100
  const d = (k: string) => (end.stats[k] ?? 0) - (start.stats[k] ?? 0)
  c.check(`no packets lost beyond the baseline (+${SOAK_BANDS.lossPoints} point), none duplicated, the k-driver's counters kept counting`,
    sent > 0 && loss <= baseLoss + SOAK_BANDS.lossPoints && dup === 0 && d('rx_packets') > 0 && d('tx_packets') > 0 && d('rx_errors') === 0 && d('tx_errors') === 0,
    `ping through the soak: ${received}/${sent} answered (${loss.toFixed(2)} % lost, ${dup} duplicates); baseline ${baseline.received}/${baseline.sent} (${baseLoss.toFixed(2)} %); k-driver counters over the soak: ${STATS.map(k => `${k} +${d(k)}`).join(', ')}`)
  c.measure({ name: 'ping loss through the soak', value: loss, unit: '%', extra: { sent, received, duplicates: dup } })
  c.measure({ name: 'ping loss, baseline window (same guest, before)', value: baseLoss, unit: '%', extra: { ...baseline, windowS: baselineS } })

  const conf = await configHolds(g, nic, lastReplayLine(dmesg))
  c.check(`the configuration is intact at the end (${describeConfig(nic)})`, conf.ok, conf.evidence)
  const t = await run(g, `ping -c 3 -i 0.2 -W 2 -I dut0 ${peer}`)
  c.check('traffic through dut0 afterwards', /[23] packets received/.test(t.stdout), t.stdout.trim().split('\n').slice(-2).join('; '))
}

export const soak: Scenario = {
  name: 'soak',
  description: 'u-driver deaths of mixed kinds (--deaths, default 1000) under traffic; nothing lost, nothing leaked',
  asserts: [
    `--deaths u-driver deaths (default 1000), the kinds in turn: ${[...new Set(DEATH_KINDS.map(d => d.kind))].join(', ')}; each counted by the kernel and followed by a served, replayed instance; time per death reported`,
    `the runtime's own objects and messages (mb_core's counts: live instances, channels, queued messages, upcalls in flight) are as at the start (after ${WARMUP_DEATHS} warm-up deaths)`,
    `kernel memory within the band: unreclaimable slab at most +${SOAK_BANDS.sunreclaimKiB} kB, free memory at most -${SOAK_BANDS.memFreeKiB} kB beyond the tmpfs (log) growth`,
    `ping every 20 ms through the soak loses at most ${SOAK_BANDS.lossPoints} point more than a baseline window in the same guest, none duplicated; the k-driver's packet counters kept counting with no errors`,
    'the whole configuration (interface up, MTU, MAC, promiscuous, a multicast group, a VLAN, the driver\'s ethtool settings) is intact at the end; a u-driver serves again under its supervisor; traffic flows; no kernel crash',
  ],
  defaultVariants: ['split'],
  // the nightly's soak is a short one; --deaths 1000 is the full run
  covers: { variants: ['split'], expectedS: 150, options: { deaths: 100 } },
  async run(tb, nic, variants) {
    const out: CaseResult[] = []
    for (const v of variants) out.push(await guestCase(tb, 'soak', nic, v, (g, c) => soakCase(tb, nic, g, c), { needsUdriver: `${v} has no u-driver` }))
    return out
  },
}
