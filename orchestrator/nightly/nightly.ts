// The nightly as a whole: check the input (baseline, patterns, shard, budget) before anything runs,
// plan, prepare the testbed, run, compare, write the outputs, and on request the new baseline.
// The scenarios come from the caller (the CLI passes the registry): no stage below it imports them.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { errorMessage, MicrobedError } from '../base/errors.ts'
import type { Log } from '../base/log.ts'
import { paths, type Options } from '../base/options.ts'
import { gitCommit, hostEnvironment, type RunResult } from '../results/results.ts'
import { recordTestbed, stamp } from '../run/run.ts'
import type { Scenario } from '../testbed/scenario.ts'
import type { Testbed } from '../testbed/testbed.ts'
import { NIC_CHOICES, type NicSpec } from '../testbed/nics.ts'
import { loadBaseline, type Baseline } from './baseline.ts'
import { assignShards, expandMatrix, fmtS, matrixFingerprint, planBudget, selectJobs, type Job, type Shard } from './matrix.ts'
import { writeOutputs } from './outputs.ts'
import { finalize, runJobs, scenarioOptions, type NightlyDoc } from './runner.ts'
import { updateBaseline } from './update.ts'

export const DEFAULT_BASELINE = join(paths.root, 'nightly', 'baseline.json')

export interface NightlyArgs {
  budgetMin: number
  only: string[]
  skip: string[]
  shard: Shard | null
  baselineFile: string
  updateBaseline: boolean
}

export interface Planned {
  all: Job[]
  mine: Job[]
  shardOf: Map<string, number>
  plan: ReturnType<typeof planBudget>
  fingerprint: string
  bl: { baseline: Baseline; file: string; hash: string } | null
}

/** Everything that can be wrong with the input, found before a guest boots. */
export function planNightly(scenarios: Scenario[], a: NightlyArgs, opts: Options, nics: Record<string, NicSpec> = NIC_CHOICES): Planned {
  const names = scenarios.map(s => s.name)
  let bl: Planned['bl'] = null
  if (existsSync(a.baselineFile) || !a.updateBaseline) bl = { ...loadBaseline(a.baselineFile, names), file: relativeToRoot(a.baselineFile) }
  const durations = Object.fromEntries(Object.entries(bl?.baseline.cases ?? {}).map(([k, c]) => [k, c.durationS]))
  const matrix = expandMatrix(scenarios, durations, nics)
  const byName = new Map(scenarios.map(s => [s.name, s]))
  const caseS = (j: Job, v: string) => durations[`${j.scenario}/${j.nic}/${v}`] ?? byName.get(j.scenario)!.covers.expectedS
  const all = selectJobs(matrix, a.only, a.skip, (j, v) => caseS(j, v))
  const shardOf = assignShards(all, a.shard?.count ?? 1)
  const mine = a.shard ? all.filter(j => shardOf.get(j.key) === a.shard!.index) : all
  const plan = planBudget(mine, a.budgetMin * 60)
  const fingerprint = matrixFingerprint(all, scenarioOptions(opts), a.shard?.count ?? 1)
  return { all, mine, shardOf, plan, fingerprint, bl }
}

const relativeToRoot = (f: string) => { const r = relative(paths.root, resolve(f)); return r.startsWith('..') ? resolve(f) : r }

export interface NightlyEnv {
  argv: string[]
  log: Log
  /** the testbed (prepareTestbed for real runs, a fake one in tests) */
  testbed: (runDir: string) => Promise<Testbed>
  /** the run folder (default: results/<stamp>-nightly[-shard-I-of-N]-<pid>) */
  dir?: string
  now?: () => number
  today?: string
  /** the NIC table (tests give one of their own) */
  nics?: Record<string, NicSpec>
}

export async function runNightly(scenarios: Scenario[], a: NightlyArgs, opts: Options, env: NightlyEnv): Promise<{ doc: NightlyDoc; dir: string; files: Record<string, string>; baselineDiff?: string[] }> {
  const now = env.now ?? (() => Date.now())
  const t0 = now()
  const p = planNightly(scenarios, a, opts, env.nics)
  const id = `${stamp()}-nightly${a.shard ? `-shard-${a.shard.index}-of-${a.shard.count}` : ''}-${process.pid}`
  const dir = env.dir ?? join(paths.results, id)
  mkdirSync(dir, { recursive: true })
  const log = env.log
  const doc: NightlyDoc = {
    schema: 'microbed.nightly/v1',
    run: { id: dir.split('/').pop()!, command: `microbed ${env.argv.join(' ')}`, startedAt: new Date(t0).toISOString(), finishedAt: '', gitCommit: gitCommit(paths.root), dir, budgetMin: a.budgetMin, only: a.only, skip: a.skip, shard: a.shard },
    environment: { host: hostEnvironment(), accel: null, qemuVersion: null, net: opts.net, image: null },
    matrix: { fingerprint: p.fingerprint, options: scenarioOptions(opts), jobs: p.all.map(j => ({ key: j.key, cases: j.cases, expectedS: j.expectedS, shard: p.shardOf.get(j.key)! })) },
    budget: { minutes: a.budgetMin, plannedS: p.plan.plannedS, cut: p.plan.cut },
    cases: [], comparison: { baseline: null, items: [], counts: {} as NightlyDoc['comparison']['counts'], expired: [], unused: [], regressions: 0 },
    status: 'incomplete', exitCode: 2, timings: {}, events: log.events,
  }
  const cases = p.plan.run.reduce((s, j) => s + j.cases.length, 0)
  log.step(`nightly: ${cases} cases in ${p.plan.run.length} jobs${a.shard ? ` (shard ${a.shard.index}/${a.shard.count} of ${p.all.length} jobs)` : ''}, ~${fmtS(p.plan.plannedS)} expected of a ${Number(a.budgetMin.toFixed(1))} min budget${p.plan.cut.length ? `; cut by the budget: ${p.plan.cut.map(c => c.job).join(', ')}` : ''}`)
  try {
    const tb = await env.testbed(dir)
    if (tb.image?.manifest?.packages) recordTestbed({ environment: doc.environment, timings: doc.timings } as RunResult, tb)
    else doc.environment.accel = { accel: tb.accel.accel, reason: tb.accel.reason } // a fake testbed has no image
    doc.timings.prepareMs = now() - t0
    const r = await runJobs(Object.fromEntries(scenarios.map(s => [s.name, s])), tb, { jobs: p.plan.run, budgetS: a.budgetMin * 60, cut: p.plan.cut, nics: env.nics }, log, t0, now)
    doc.cases = r.cases
    doc.budget.cut = r.cut
  } catch (e) {
    const me = e instanceof MicrobedError ? e : null
    doc.error = { fault: me?.fault ?? 'internal', message: errorMessage(e), hint: me?.hint, evidence: me?.evidence ?? (e instanceof Error ? e.stack : undefined) }
  }
  doc.run.finishedAt = new Date(now()).toISOString()
  finalize(doc, p.bl, env.today)
  const files = writeOutputs(doc, dir)
  let baselineDiff: string[] | undefined
  if (a.updateBaseline) baselineDiff = writeBaseline(doc, p.bl?.baseline ?? null, a.baselineFile, env.today)
  return { doc, dir, files, baselineDiff }
}

/** Writes the baseline made from `doc`; returns its diff. A run that stopped early writes none. */
export function writeBaseline(doc: NightlyDoc, old: Baseline | null, file: string, today?: string): string[] {
  if (doc.error) throw new MicrobedError('usage', `no new baseline from run ${doc.run.id}: the run stopped (${doc.error.message})`)
  const { baseline, diff } = updateBaseline(doc, old, today)
  mkdirSync(resolve(file, '..'), { recursive: true })
  writeFileSync(file, JSON.stringify(baseline, null, 1) + '\n')
  return diff
}
