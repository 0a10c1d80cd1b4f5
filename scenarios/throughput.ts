// throughput: iperf3 TCP into and out of the guest through dut0, repeated, with the guest's CPU
// utilization (time not idle, from /proc/uptime). Variants are a dimension from the start: every requested variant
// gets its own guest, and the runs are interleaved (A B C, B C A, C A B, ...) so drift hits all
// alike and no variant always runs in the same position.
import { GuestError, HostError } from '../orchestrator/base/errors.ts'
import { CaseBuilder, type Scenario } from '../orchestrator/testbed/scenario.ts'
import { GUEST_IPERF_PORT, dutAddresses } from '../orchestrator/vm/qemu.ts'
import { retry } from '../orchestrator/base/retry.ts'
import { medianInterval, summarize, type CaseResult } from '../orchestrator/results/results.ts'
import { assertNoCrash, boot, type Guest, type Testbed } from '../orchestrator/testbed/testbed.ts'
import type { NicSpec, Variant } from '../orchestrator/testbed/nics.ts'

export type Direction = 'rx' | 'tx'
export const DIRECTIONS: Record<Direction, string> = { rx: 'into the guest (host → dut0)', tx: 'out of the guest (dut0 → host)' }

/** The guest's CPU time in seconds over all online CPUs: busy is what was not idle. */
export interface CpuSample { busy: number; total: number }

/**
 * What a CPU sample reads in the guest: /proc/uptime (seconds since boot, idle seconds summed
 * over the CPUs) and /proc/stat (one cpuN line per online CPU). Busy is not /proc/stat's user
 * and system columns: those are sampled at the scheduler tick, and work that wakes and sleeps
 * between ticks (a fixed packet rate) reads as none; the tickless kernel measures idle by the
 * clock at each idle entry and exit.
 */
export const CPU_SAMPLE_CMD = 'cat /proc/uptime /proc/stat'

/** A sample from CPU_SAMPLE_CMD's output (the first uptime line and the cpuN lines after it). */
export function parseCpuSample(text: string): CpuSample {
  const m = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/m.exec(text)
  const cpus = (text.match(/^cpu\d+ /gm) ?? []).length
  if (!m || !cpus) throw new Error(`not a CPU sample (/proc/uptime, then /proc/stat's cpuN lines): ${text.trim().split('\n').slice(0, 2).join(' | ').slice(0, 160)}`)
  const total = Number(m[1]) * cpus
  return { busy: Math.max(0, total - Number(m[2])), total }
}
export const utilization = (a: CpuSample, b: CpuSample) => (b.total > a.total ? (100 * (b.busy - a.busy)) / (b.total - a.total) : 0)

/** Receiver-side throughput from iperf3's JSON, in Mbit/s. */
export function parseIperfJson(json: string): number {
  let doc: { end?: { sum_received?: { bits_per_second?: number } }; error?: string }
  try { doc = JSON.parse(json) } catch { throw new Error(`iperf3 printed no JSON: ${json.slice(0, 300)}`) }
  if (doc.error) throw new Error(`iperf3: ${doc.error}`)
  const bps = doc.end?.sum_received?.bits_per_second
  if (typeof bps !== 'number') throw new Error('iperf3 JSON has no end.sum_received.bits_per_second')
  return bps / 1e6
}

/** One iperf3 TCP run through dut0 in one direction: Mbit/s at the receiver, guest CPU around it. */
export async function throughputRun(tb: Testbed, g: Guest, dir: Direction): Promise<{ mbps: number; cpuPct: number }> {
  const t = g.vm.traffic
  if (!t) throw new HostError('the guest has no traffic path to the NIC under test')
  const args = ['-c', t.host, '-p', String(t.port), '-t', String(tb.opts.iperfSeconds), '-J', '--connect-timeout', '5000', ...(dir === 'tx' ? ['-R'] : []), ...(tb.opts.rateMbit ? ['-b', `${tb.opts.rateMbit}M`] : [])]
  const before = parseCpuSample((await g.ssh.exec(CPU_SAMPLE_CMD)).stdout)
  const r = await retry(async () => {
    const res = await g.vm.hostRun(['iperf3', ...args], { timeoutMs: (tb.opts.iperfSeconds + 30) * 1000 })
    if (res.exitCode !== 0) throw new Error(res.stdout.includes('"error"') ? JSON.parse(res.stdout).error : (res.stderr || res.stdout).trim().slice(0, 300) || `iperf3 ${res.exitCode}`)
    return res.stdout
  }, { what: `iperf3 ${dir} through ${g.nic.name}/${g.variant}`, deadlineMs: 30_000, initialDelayMs: 500, log: tb.log, check: () => assertNoCrash(g) })
  const after = parseCpuSample((await g.ssh.exec(CPU_SAMPLE_CMD)).stdout)
  return { mbps: parseIperfJson(r), cpuPct: utilization(before, after) }
}

/**
 * A figure of one run in one direction, and how two variants' values are compared round by
 * round: `ratio` (a/b, e.g. throughput) or `diff` (a − b, e.g. CPU points).
 */
export interface Figure {
  key: string
  name: (dir: Direction) => string
  unit: string
  compare: { how: 'ratio' | 'diff'; name: (a: Variant, b: Variant, dir: Direction) => string; unit: string }
  /** the run moved traffic only if this figure is > 0 (one figure of a benchmark says so) */
  moves?: true
}

/** What an interleaved benchmark measures: one guest per variant, runs rotated round by round. */
export interface Interleaved {
  scenario: string
  /** what runs (for messages: "iperf3 rx failed") */
  tool: string
  /** after each guest's boot: e.g. its iperf3 server */
  setup(tb: Testbed, g: Guest): Promise<void>
  /** one run in one direction: every figure's value */
  once(tb: Testbed, g: Guest, dir: Direction): Promise<Record<string, number>>
  figures: Figure[]
  /** per direction, a line for the progress log */
  progress: (v: Record<string, number>) => string
}

const PAIRS: [Variant, Variant][] = [['split', 'monolithic'], ['split', 'native'], ['monolithic', 'native']]

/**
 * Runs b.once for every variant `tb.opts.repeat` rounds in both directions, interleaved and
 * rotated (A B C, B C A, C A B, ...) so drift hits all alike and no variant always runs in the
 * same position; reports each figure per variant (median, spread) and, between variants, the
 * comparison of the medians with the interval of the per-round comparisons.
 */
export async function runInterleaved(tb: Testbed, nic: NicSpec, variants: Variant[], b: Interleaved): Promise<CaseResult[]> {
  const out: CaseResult[] = []
  type Samples = Record<Direction, Record<string, number[]>>
  const empty = (): Samples => ({ rx: Object.fromEntries(b.figures.map(f => [f.key, []])), tx: Object.fromEntries(b.figures.map(f => [f.key, []])) })
  const live: { v: Variant; g: Guest; c: CaseBuilder; samples: Samples }[] = []
  const moves = b.figures.find(f => f.moves)!
  try {
    for (const v of variants) {
      const c = new CaseBuilder(b.scenario, nic.name, v)
      if (!nic.variants[v]) { out.push(c.skip(nic.unavailable[v] ?? `${v} is not available`)); continue }
      let g: Guest | undefined
      try {
        g = await boot(tb, nic, v)
        c.logs.console = g.vm.consoleLog
        c.timings.bootToSshMs = g.bootMs
        await b.setup(tb, g)
        live.push({ v, g, c, samples: empty() })
      } catch (e) {
        await g?.close()
        out.push(c.fail(e))
      }
    }
    const failed = new Set<Variant>()
    for (let i = 0; i < tb.opts.repeat; i++) {
      for (const dir of ['rx', 'tx'] as Direction[]) {
        // Rotated each round (A B C, B C A, C A B, ...): no variant always runs in the same
        // position, e.g. always right after another one's run.
        for (const l of [...live.slice(i % live.length), ...live.slice(0, i % live.length)]) {
          if (failed.has(l.v)) continue
          try {
            const s = await b.once(tb, l.g, dir)
            for (const f of b.figures) l.samples[dir][f.key]!.push(s[f.key]!)
            tb.log.info(`${nic.name}/${l.v} ${dir} run ${i + 1}/${tb.opts.repeat}: ${b.progress(s)}`)
          } catch (e) {
            failed.add(l.v)
            out.push(l.c.fail(e instanceof Error && !(e instanceof GuestError) && !('fault' in e) ? new GuestError(`${b.tool} ${dir} failed: ${e.message}`) : e))
          }
        }
      }
    }
    const medians: Partial<Record<Variant, Record<Direction, Record<string, number>>>> = {}
    for (const l of live) {
      if (failed.has(l.v)) continue
      const m = (medians[l.v] = { rx: {}, tx: {} } as Record<Direction, Record<string, number>>)
      for (const dir of ['rx', 'tx'] as Direction[]) {
        const s = l.samples[dir]
        const mv = s[moves.key]!
        l.c.check(`${b.tool} ${dir} moved traffic in all ${mv.length} runs`, mv.length === tb.opts.repeat && mv.every(x => x > 0), `${moves.unit}: ${mv.map(x => x.toFixed(0)).join(', ')}`)
        for (const f of b.figures) {
          l.c.measure({ name: f.name(dir), unit: f.unit, ...summarize(s[f.key]!) })
          m[dir][f.key] = summarize(s[f.key]!).value
        }
      }
      const crash = l.g.vm.crash()
      l.c.check('no kernel crash on the console', crash === null, crash?.excerpt ?? 'console clean')
    }
    // Between variants measured side by side in this run: the comparison of the medians, and how
    // sure it is. Runs of one round are neighbours in time, so the per-round comparisons cancel
    // the drift the whole run shares; their median's interval says whether a target is beyond
    // this run's noise.
    for (const l of live) {
      for (const [a, o] of PAIRS) {
        const other = live.find(x => x.v === o)
        if (l.v !== a || !other || !medians[a] || !medians[o]) continue
        for (const dir of ['rx', 'tx'] as Direction[]) {
          for (const f of b.figures) {
            const op = f.compare.how === 'ratio' ? (x: number, y: number) => x / y : (x: number, y: number) => x - y
            const perRound = l.samples[dir][f.key]!.map((x, i) => op(x, other.samples[dir][f.key]![i]!))
            l.c.measure({ name: f.compare.name(a, o, dir), value: op(medians[a]![dir][f.key]!, medians[o]![dir][f.key]!), unit: f.compare.unit, interval: medianInterval(perRound) ?? undefined, extra: { perRound: perRound.map(r => r.toFixed(f.compare.how === 'ratio' ? 3 : 1)).join(' ') } })
          }
        }
      }
    }
    for (const l of live) {
      if (failed.has(l.v)) continue
      l.c.logs.dmesg = (await l.g.saveDmesg()) ?? undefined
      out.push(l.c.finish())
    }
  } finally {
    for (const l of live) await l.g.close()
  }
  return out
}

const TCP: Interleaved = {
  scenario: 'throughput',
  tool: 'iperf3',
  async setup(tb, g) { await g.ssh.exec(`iperf3 -s -D -B ${dutAddresses(tb.opts.net).guest} -p ${GUEST_IPERF_PORT} --logfile /tmp/iperf3.log`) },
  async once(tb, g, dir) { const s = await throughputRun(tb, g, dir); return { mbps: s.mbps, cpu: s.cpuPct } },
  figures: [
    { key: 'mbps', name: d => `TCP ${d} ${DIRECTIONS[d]}`, unit: 'Mbit/s', moves: true, compare: { how: 'ratio', name: (a, b, d) => `${a}/${b} ${d} throughput ratio`, unit: 'ratio' } },
    { key: 'cpu', name: d => `guest CPU during ${d}`, unit: '%', compare: { how: 'diff', name: (a, b, d) => `${a} − ${b} guest CPU during ${d}`, unit: 'points' } },
  ],
  progress: s => `${s.mbps!.toFixed(0)} Mbit/s, guest CPU ${s.cpu!.toFixed(0)}%`,
}

export const throughput: Scenario = {
  name: 'throughput',
  description: 'iperf3 TCP into and out of the guest through dut0: medians, spread, guest CPU',
  asserts: [
    'iperf3 completes every run in both directions through dut0 (N repeats, default 5)',
    'every run moves traffic (throughput > 0)',
    'no kernel crash on the console',
    'reports median Mbit/s, min/max/spread and guest CPU % per direction and variant; ratios between variants when several run',
  ],
  defaultVariants: ['native'],
  covers: { variants: 'all', together: true, expectedS: 70 },
  run(tb, nic, variants) {
    const rate = tb.opts.rateMbit ? ` at ${tb.opts.rateMbit} Mbit/s` : ''
    return runInterleaved(tb, nic, variants, { ...TCP, figures: TCP.figures.map(f => f.key === 'cpu' ? { ...f, name: d => `guest CPU during ${d}${rate}` } : f) })
  },
}
