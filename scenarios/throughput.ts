// throughput: iperf3 TCP into and out of the guest through dut0, repeated, with the guest's CPU
// utilization from /proc/stat. Variants are a dimension from the start: every requested variant
// gets its own guest, and the runs are interleaved (A B C, B C A, C A B, ...) so drift hits all
// alike and no variant always runs in the same position.
import { GuestError, HostError } from '../orchestrator/base/errors.ts'
import { CaseBuilder, type Scenario } from '../orchestrator/testbed/scenario.ts'
import { GUEST_IPERF_PORT, dutAddresses } from '../orchestrator/vm/qemu.ts'
import { retry } from '../orchestrator/base/retry.ts'
import { medianInterval, summarize, type CaseResult } from '../orchestrator/results/results.ts'
import { assertNoCrash, boot, type Guest, type Testbed } from '../orchestrator/testbed/testbed.ts'
import type { Variant } from '../orchestrator/testbed/nics.ts'

export type Direction = 'rx' | 'tx'
export const DIRECTIONS: Record<Direction, string> = { rx: 'into the guest (host → dut0)', tx: 'out of the guest (dut0 → host)' }

/** CPU time counters from /proc/stat's "cpu" line. */
export interface CpuSample { busy: number; total: number }
export function parseProcStat(text: string): CpuSample {
  const f = /^cpu\s+(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number)
  if (!f || f.length < 4 || f.some(n => !Number.isFinite(n))) throw new Error(`not a /proc/stat cpu line: ${text.split('\n')[0]}`)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0) // user nice system idle iowait irq softirq steal
  const idle = f[3]! + (f[4] ?? 0)
  return { busy: total - idle, total }
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

async function iperfOnce(tb: Testbed, g: Guest, dir: Direction): Promise<{ mbps: number; cpuPct: number }> {
  const t = g.vm.traffic
  if (!t) throw new HostError('the guest has no traffic path to the NIC under test')
  const args = ['-c', t.host, '-p', String(t.port), '-t', String(tb.opts.iperfSeconds), '-J', '--connect-timeout', '5000', ...(dir === 'tx' ? ['-R'] : []), ...(tb.opts.rateMbit ? ['-b', `${tb.opts.rateMbit}M`] : [])]
  const before = parseProcStat((await g.ssh.exec('cat /proc/stat')).stdout)
  const r = await retry(async () => {
    const res = await g.vm.hostRun(['iperf3', ...args], { timeoutMs: (tb.opts.iperfSeconds + 30) * 1000 })
    if (res.exitCode !== 0) throw new Error(res.stdout.includes('"error"') ? JSON.parse(res.stdout).error : (res.stderr || res.stdout).trim().slice(0, 300) || `iperf3 ${res.exitCode}`)
    return res.stdout
  }, { what: `iperf3 ${dir} through ${g.nic.name}/${g.variant}`, deadlineMs: 30_000, initialDelayMs: 500, log: tb.log, check: () => assertNoCrash(g) })
  const after = parseProcStat((await g.ssh.exec('cat /proc/stat')).stdout)
  return { mbps: parseIperfJson(r), cpuPct: utilization(before, after) }
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
  async run(tb, nic, variants) {
    const out: CaseResult[] = []
    const live: { v: Variant; g: Guest; c: CaseBuilder; samples: Record<Direction, { mbps: number[]; cpu: number[] }> }[] = []
    try {
      for (const v of variants) {
        const c = new CaseBuilder('throughput', nic.name, v)
        if (!nic.variants[v]) { out.push(c.skip(nic.unavailable[v] ?? `${v} is not available`)); continue }
        try {
          const g = await boot(tb, nic, v)
          c.logs.console = g.vm.consoleLog
          c.timings.bootToSshMs = g.bootMs
          await g.ssh.exec(`iperf3 -s -D -B ${dutAddresses(tb.opts.net).guest} -p ${GUEST_IPERF_PORT} --logfile /tmp/iperf3.log`)
          live.push({ v, g, c, samples: { rx: { mbps: [], cpu: [] }, tx: { mbps: [], cpu: [] } } })
        } catch (e) { out.push(c.fail(e)) }
      }
      const failed = new Set<Variant>()
      for (let i = 0; i < tb.opts.repeat; i++) {
        for (const dir of ['rx', 'tx'] as Direction[]) {
          // Rotated each round (A B C, B C A, C A B, ...): no variant always runs in the same
          // position, e.g. always right after another one's run.
          for (const l of [...live.slice(i % live.length), ...live.slice(0, i % live.length)]) {
            if (failed.has(l.v)) continue
            try {
              const s = await iperfOnce(tb, l.g, dir)
              l.samples[dir].mbps.push(s.mbps)
              l.samples[dir].cpu.push(s.cpuPct)
              tb.log.info(`${nic.name}/${l.v} ${dir} run ${i + 1}/${tb.opts.repeat}: ${s.mbps.toFixed(0)} Mbit/s, guest CPU ${s.cpuPct.toFixed(0)}%`)
            } catch (e) {
              failed.add(l.v)
              out.push(l.c.fail(e instanceof Error && !(e instanceof GuestError) && !('fault' in e) ? new GuestError(`iperf3 ${dir} failed: ${e.message}`) : e))
            }
          }
        }
      }
      const medians: Partial<Record<Variant, Record<Direction, number>>> = {}
      const cpuMedians: Partial<Record<Variant, Record<Direction, number>>> = {}
      for (const l of live) {
        if (failed.has(l.v)) continue
        for (const dir of ['rx', 'tx'] as Direction[]) {
          const s = l.samples[dir]
          l.c.check(`iperf3 ${dir} moved traffic in all ${s.mbps.length} runs`, s.mbps.length === tb.opts.repeat && s.mbps.every(x => x > 0), `Mbit/s: ${s.mbps.map(x => x.toFixed(0)).join(', ')}`)
          l.c.measure({ name: `TCP ${dir} ${DIRECTIONS[dir]}`, unit: 'Mbit/s', ...summarize(s.mbps) })
          l.c.measure({ name: `guest CPU during ${dir}${tb.opts.rateMbit ? ` at ${tb.opts.rateMbit} Mbit/s` : ''}`, unit: '%', ...summarize(s.cpu) })
          ;(medians[l.v] ??= { rx: 0, tx: 0 })[dir] = summarize(s.mbps).value
          ;(cpuMedians[l.v] ??= { rx: 0, tx: 0 })[dir] = summarize(s.cpu).value
        }
        const crash = l.g.vm.crash()
        l.c.check('no kernel crash on the console', crash === null, crash?.excerpt ?? 'console clean')
      }
      // Ratios between variants measured side by side in this run: the ratio of the medians, and
      // how sure it is. Runs of one round are neighbours in time, so the per-round ratios cancel
      // the drift the whole run shares; their median's interval says whether a target is beyond
      // this run's noise.
      const pairs: [Variant, Variant][] = [['split', 'monolithic'], ['split', 'native'], ['monolithic', 'native']]
      for (const l of live) {
        for (const [a, b] of pairs) {
          const other = live.find(o => o.v === b)
          if (l.v !== a || !other || !medians[a] || !medians[b]) continue
          for (const dir of ['rx', 'tx'] as Direction[]) {
            const perRound = (f: (x: number, y: number) => number, key: 'mbps' | 'cpu') => l.samples[dir][key].map((x, i) => f(x, other.samples[dir][key][i]!))
            const ratios = perRound((x, y) => x / y, 'mbps'), diffs = perRound((x, y) => x - y, 'cpu')
            l.c.measure({ name: `${a}/${b} ${dir} throughput ratio`, value: medians[a]![dir] / medians[b]![dir], unit: 'ratio', interval: medianInterval(ratios) ?? undefined, extra: { perRound: ratios.map(r => r.toFixed(3)).join(' ') } })
            l.c.measure({ name: `${a} − ${b} guest CPU during ${dir}`, value: cpuMedians[a]![dir] - cpuMedians[b]![dir], unit: 'points', interval: medianInterval(diffs) ?? undefined, extra: { perRound: diffs.map(d => d.toFixed(1)).join(' ') } })
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
  },
}
