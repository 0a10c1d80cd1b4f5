// microbed bench-split: each microdriver's figures against the targets its NIC table entry names,
// from one run: throughput of the three variants interleaved, guest CPU of monolithic and split at
// one fixed rate, upcall latency, device init time, recovery against fork+exec+wait (crash-udriver,
// --crashes deaths), and the share of its lines in user space.
import type { Log } from '../../base/log.ts'
import { intervalText, type Measurement } from '../../results/results.ts'
import { finishRun, newRun, recordTestbed } from '../../run/run.ts'
import { renderSplitStats, splitStats } from '../../slicer/splitstats.ts'
import { splitNames, type BenchTarget } from '../../testbed/nics.ts'
import { CaseBuilder } from '../../testbed/scenario.ts'
import { prepareTestbed } from '../../testbed/testbed.ts'
import { SCENARIOS } from '../../../scenarios/index.ts'
import type { Parsed } from '../args.ts'
import { microdriverNics } from './split-stats.ts'

export async function runBenchSplit(argv: string[], p: Parsed, log: Log): Promise<number> {
  const nics = microdriverNics(p)
  const { result } = newRun('bench-split', argv, p.opts, log)
  try {
    const tb = await prepareTestbed(p.opts, log, result.run.dir)
    recordTestbed(result, tb)
    for (const nic of nics) {
      const free = await SCENARIOS.throughput!.run({ ...tb, opts: { ...tb.opts, rateMbit: 0 } }, nic, ['native', 'monolithic', 'split'])
      const rate = p.opts.rateMbit || 150
      const fixed = (await SCENARIOS.throughput!.run({ ...tb, opts: { ...tb.opts, rateMbit: rate } }, nic, ['monolithic', 'split'])).map(c => ({ ...c, scenario: `throughput at ${rate} Mbit/s` }))
      const latency = await SCENARIOS['upcall-latency']!.run(tb, nic, ['split'])
      const init = await SCENARIOS['init-time']!.run(tb, nic, ['monolithic', 'split'])
      const crash = await SCENARIOS['crash-udriver']!.run(tb, nic, ['split'])
      result.cases.push(...free, ...fixed, ...latency, ...init, ...crash)

      const { driver, kmodule } = splitNames(nic)
      const stats = splitStats(driver, kmodule)
      const figure = (t: BenchTarget): Pick<Measurement, 'value' | 'interval'> | undefined => {
        if (t.from === 'split-stats') return { value: stats.userSharePct }
        const cases = t.from === 'throughput' ? free : t.from === 'crash-udriver' ? crash : fixed
        const name = t.measurement!.replace('{rate}', String(rate))
        return cases.find(c => c.variant === 'split')?.measurements.find(x => x.name.startsWith(name))
      }
      const c = new CaseBuilder('targets', nic.name, 'split')
      for (const t of nic.microdriver!.benchTargets) {
        const m = figure(t)
        if (t.atLeast === undefined && t.atMost === undefined) {	/* a figure to report, no target */
          if (m) c.measure({ name: t.name.replace('{rate}', String(rate)), unit: t.unit, ...m })
          continue
        }
        const ok = (v: number) => (t.atLeast === undefined || v >= t.atLeast) && (t.atMost === undefined || v <= t.atMost)
        c.check(`${t.name.replace('{rate}', String(rate))} ${targetText(t)}`, m !== undefined && ok(m.value),
          m === undefined ? 'not measured (its case failed: see above)' : targetEvidence(m, t.unit, ok, t.from === 'crash-udriver' ? 'per-crash' : 'per-round'))
      }
      const initMs = (v: string) => init.find(x => x.variant === v)?.measurements.find(x => x.name.startsWith('device init'))?.value
      const initMono = initMs('monolithic'), initSplit = initMs('split')
      if (initMono !== undefined && initSplit !== undefined) c.measure({ name: 'device init split / monolithic', value: initSplit / initMono, unit: 'ratio', extra: { splitMs: initSplit, monolithicMs: initMono } })
      result.cases.push(c.finish())
      process.stdout.write(renderSplitStats(stats, driver, kmodule) + '\n')
    }
    return finishRun(result, p)
  } catch (e) {
    return finishRun(result, p, e)
  }
}

function targetText(t: BenchTarget): string {
  const f = (v: number) => (t.unit === 'ratio' ? v.toFixed(2) : String(v))
  return [t.atLeast !== undefined ? `≥ ${f(t.atLeast)}` : '', t.atMost !== undefined ? `≤ ${f(t.atMost)}` : ''].filter(Boolean).join(' and ')
}

/**
 * A target's figure, and whether this run's noise could hide the answer: the verdict stays the
 * figure's, but an interval that holds values on both sides of the target says so.
 */
export function targetEvidence(m: Pick<Measurement, 'value' | 'interval'>, unit: string, ok: (v: number) => boolean, per = 'per-round'): string {
  const figure = `${m.value.toFixed(unit === 'ratio' ? 3 : 1)} ${unit}`
  const iv = m.interval
  if (!iv) return figure
  const where = ok(iv.low) && ok(iv.high) ? 'met across it' : !ok(iv.low) && !ok(iv.high) ? 'missed across it' : 'the target lies inside it: this run cannot tell'
  return `${figure} (${per} ${intervalText(iv, unit)}: ${where})`
}

