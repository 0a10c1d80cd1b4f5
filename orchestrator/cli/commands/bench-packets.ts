// microbed bench-packets: the driver's own per-packet cost, per microdriver, from one run: native,
// monolithic and split side by side (small-packets: 64-byte UDP frames/s both ways, guest CPU per
// packet at a fixed rate, TCP), rounds interleaved, and issue 16's targets checked on the
// intervals of the per-round ratios.
import { UsageError } from '../../base/errors.ts'
import type { Log } from '../../base/log.ts'
import { intervalText, type CaseResult, type Measurement } from '../../results/results.ts'
import { finishRun, newRun, recordTestbed } from '../../run/run.ts'
import { CaseBuilder } from '../../testbed/scenario.ts'
import { prepareTestbed } from '../../testbed/testbed.ts'
import { smallPackets } from '../../../scenarios/small-packets.ts'
import type { Parsed } from '../args.ts'
import { microdriverNics } from './split-stats.ts'

/** Split against native and against monolithic, for TCP and for small packets: the median of
 *  the ratio at least TARGET, and the lower end of its per-round interval at least LOW_END. */
export const TARGET = 0.99
export const LOW_END = 0.97
/** Rounds and seconds per run unless given: enough rounds for a ≥ 90 % interval that is not the
 *  whole range (8: the 2nd to the 7th of the per-round ratios, 93 %), and a run of both NICs near
 *  20 minutes under TCG. */
export const DEFAULT_ROUNDS = 8
export const DEFAULT_SECONDS = 3

const RATIOS = (['rx', 'tx'] as const).flatMap(d => (['native', 'monolithic'] as const).flatMap(b => [
  { what: `split/${b} TCP ${d}`, measurement: `split/${b} ${d} throughput ratio` },
  { what: `split/${b} small packets ${d}`, measurement: `split/${b} ${d} small-packet rate ratio` },
]))

/** The verdict on one ratio: met only when the interval says so. */
export function judgeRatio(m: Pick<Measurement, 'value' | 'interval'> | undefined): { ok: boolean; evidence: string } {
  if (!m) return { ok: false, evidence: 'not measured (its case failed: see above)' }
  const iv = m.interval
  if (!iv) return { ok: false, evidence: `${m.value.toFixed(3)}, without an interval (fewer than 5 rounds: give --repeat 8 or more)` }
  const ok = m.value >= TARGET && iv.low >= LOW_END
  const why = ok ? 'met'
    : iv.high < TARGET ? `missed: the whole interval is below ${TARGET}`
    : m.value < TARGET ? `not shown: the median is below ${TARGET}, but the interval reaches above it (this run's noise cannot tell; more rounds or a quieter machine narrow it)`
    : `not shown: the lower end is below ${LOW_END} (this run's noise; more rounds or a quieter machine narrow it)`
  return { ok, evidence: `${m.value.toFixed(3)} (per-round ${intervalText(iv, 'ratio')}): ${why}` }
}

export async function runBenchPackets(argv: string[], p: Parsed, log: Log): Promise<number> {
  const nics = microdriverNics(p)
  const given = (flag: string) => argv.includes(`--${flag}`)
  const root = process.getuid?.() === 0
  const opts = {
    ...p.opts,
    net: given('net') ? p.opts.net : root ? 'tap' as const : p.opts.net,
    repeat: given('repeat') ? p.opts.repeat : DEFAULT_ROUNDS,
    iperfSeconds: given('seconds') ? p.opts.iperfSeconds : DEFAULT_SECONDS,
  }
  if (opts.net !== 'tap') throw new UsageError('bench-packets needs --net tap, and so root: QEMU user networking forwards only TCP to the guest, so 64-byte UDP frames cannot reach dut0', 'run it as root (it takes --net tap by itself then)')
  if (opts.iperfSeconds < 3) throw new UsageError(`bench-packets needs --seconds 3 or more (given ${opts.iperfSeconds}): the guest's CPU is sampled over each run but its first and last second`)
  const { result } = newRun('bench-packets', argv, opts, log)
  try {
    const tb = await prepareTestbed(opts, log, result.run.dir)
    recordTestbed(result, tb)
    for (const nic of nics) {
      const t0 = Date.now()
      const cases: CaseResult[] = await smallPackets.run(tb, nic, ['native', 'monolithic', 'split'])
      result.cases.push(...cases)
      const split = cases.find(c => c.variant === 'split')
      const c = new CaseBuilder('per-packet targets', nic.name, 'split')
      for (const r of RATIOS) {
        const { ok, evidence } = judgeRatio(split?.measurements.find(x => x.name === r.measurement))
        c.check(`${r.what} ≥ ${TARGET} with the interval's lower end ≥ ${LOW_END}`, ok, evidence)
      }
      // The cost per packet: reported beside the targets, no verdict of its own.
      for (const m of split?.measurements.filter(x => /^split\/(native|monolithic) (rx|tx) CPU per packet/.test(x.name)) ?? []) c.measure(m)
      c.measure({ name: `${nic.name}: minutes for ${opts.repeat} rounds of native, monolithic and split`, value: (Date.now() - t0) / 60000, unit: 'min' })
      result.cases.push(c.finish())
    }
    return finishRun(result, p)
  } catch (e) {
    return finishRun(result, p, e)
  }
}
