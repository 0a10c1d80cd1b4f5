// microbed nightly and microbed report merge: the nightly matrix of the registered scenarios, and
// the join of its shards. Bad input (baseline, patterns, shard, budget) stops before anything runs,
// naming the file and the problem, with exit 2 and no report.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { MicrobedError, UsageError, errorMessage } from '../../base/errors.ts'
import type { Log } from '../../base/log.ts'
import { paths } from '../../base/options.ts'
import { loadBaseline } from '../../nightly/baseline.ts'
import { fmtS, parseShard } from '../../nightly/matrix.ts'
import { mergeShards } from '../../nightly/merge.ts'
import { DEFAULT_BASELINE, planNightly, runNightly, writeBaseline, type NightlyArgs } from '../../nightly/nightly.ts'
import { writeOutputs } from '../../nightly/outputs.ts'
import { finalize, type NightlyDoc } from '../../nightly/runner.ts'
import { stamp } from '../../run/run.ts'
import { prepareTestbed } from '../../testbed/testbed.ts'
import { SCENARIOS } from '../../../scenarios/index.ts'
import type { Parsed } from '../args.ts'

export function nightlyArgs(p: Parsed): NightlyArgs {
  const f = p.nightly
  const budget = f.budget === undefined ? 60 : Number(f.budget)
  if (!Number.isFinite(budget) || budget <= 0 || budget > 24 * 60) throw new UsageError(`--budget must be minutes from 1 to 1440, not "${f.budget}"`)
  return { budgetMin: budget, only: f.only, skip: f.skip, shard: f.shard ? parseShard(f.shard) : null, baselineFile: resolve(f.baseline ?? DEFAULT_BASELINE), updateBaseline: f.updateBaseline }
}

/** The nightly's own errors end with exit 2 (the run could not complete), said as every error is. */
function failed(e: unknown): number {
  const me = e instanceof MicrobedError ? e : null
  process.stderr.write(`microbed nightly: ${errorMessage(e)}\n`)
  if (me?.hint) process.stderr.write(`  what to do: ${me.hint}\n`)
  if (!me && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n')
  process.stderr.write('  no report was written: nothing ran\n')
  return 2
}

function said(doc: NightlyDoc, files: Record<string, string>, diff?: string[]): void {
  const c = doc.comparison
  process.stdout.write(`\nnightly: ${doc.status.toUpperCase()} (exit ${doc.exitCode}): ${doc.cases.length} cases, ${c.items.length} checks and figures; ${c.regressions} regressed or new failing, ${c.counts['unexpected pass']} unexpected passes, ${doc.cases.filter(x => x.infra).length} infrastructure failures, ${doc.budget.cut.reduce((s, x) => s + x.cases.length, 0)} cases cut by the budget${c.expired.length ? `, ${c.expired.length} expired known-failure entries` : ''}\n`)
  for (const i of c.items.filter(x => x.failing).slice(0, 20)) process.stdout.write(`  ✗ ${i.id}: ${i.detail.split('\n')[0]}\n`)
  for (const [name, f] of Object.entries(files)) process.stdout.write(`  ${name.padEnd(13)} ${f}\n`)
  if (diff) process.stdout.write(`baseline written; its diff:\n${diff.map(l => `  ${l}`).join('\n')}\n`)
}

export async function runNightlyCommand(argv: string[], p: Parsed, log: Log): Promise<number> {
  let a: NightlyArgs
  const scenarios = Object.values(SCENARIOS)
  try {
    a = nightlyArgs(p)
    const planned = planNightly(scenarios, a, p.opts)
    if (p.nightly.list) {
      for (const j of planned.all) process.stdout.write(`${j.key.padEnd(34)} shard ${planned.shardOf.get(j.key)}  ${fmtS(j.expectedS).padStart(8)}  ${j.cases.join(' ')}\n`)
      process.stdout.write(`${planned.all.length} jobs, ${planned.all.reduce((s, j) => s + j.cases.length, 0)} cases, ~${fmtS(planned.all.reduce((s, j) => s + j.expectedS, 0))} expected; within --budget ${a.budgetMin}: ~${fmtS(planned.plan.plannedS)}${planned.plan.cut.length ? `, cut: ${planned.plan.cut.map(c => c.job).join(', ')}` : ''}\n`)
      return 0
    }
  } catch (e) {
    return failed(e)
  }
  const r = await runNightly(scenarios, a, p.opts, { argv, log, testbed: dir => prepareTestbed(p.opts, log, dir) })
  said(r.doc, r.files, r.baselineDiff)
  return r.doc.exitCode
}

export async function runReportCommand(argv: string[], p: Parsed, log: Log): Promise<number> {
  const [sub, ...dirs] = p.positional
  if (sub !== 'merge') throw new UsageError(`unknown report command "${sub ?? ''}"`, 'usage: microbed report merge DIR... [--baseline FILE] [--update-baseline] [--out DIR]')
  try {
    const baselineFile = resolve(p.nightly.baseline ?? DEFAULT_BASELINE)
    const dir = resolve(p.nightly.out ?? join(paths.results, `${stamp()}-nightly-merged-${process.pid}`))
    const doc = mergeShards(dirs.map(d => resolve(d)), dir, `microbed ${argv.join(' ')}`)
    // Shards must have been compared with one baseline; a single unsharded run may be compared again with another.
    const single = dirs.length === 1 && doc.matrix.jobs.every(j => j.shard === 1)
    const bl = doc.comparison.baseline || !p.nightly.updateBaseline ? { ...loadBaseline(baselineFile, Object.keys(SCENARIOS)), file: single || !doc.comparison.baseline ? baselineFile : doc.comparison.baseline.file } : null
    if (bl && !single && doc.comparison.baseline && bl.hash !== doc.comparison.baseline.hash) throw new UsageError(`baseline ${baselineFile} (${bl.hash}) is not the one the shards were compared with (${doc.comparison.baseline.hash})`, 'merge with the baseline the shards ran with (--baseline FILE), from the same commit')
    mkdirSync(dir, { recursive: true })
    finalize(doc, bl)
    log.info(`merged ${dirs.length} shards: ${doc.cases.length} cases`)
    const files = writeOutputs(doc, dir)
    const diff = p.nightly.updateBaseline ? writeBaseline(doc, bl?.baseline ?? null, baselineFile) : undefined
    said(doc, files, diff)
    return doc.exitCode
  } catch (e) {
    return failed(e)
  }
}
