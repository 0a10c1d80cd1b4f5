// The nightly runner: the planned jobs in order within the budget, live progress, an infrastructure
// failure retried once and marked (never a driver failure, never hidden), and the run document
// (results.json) with its comparison against the baseline.
import { errorMessage, MicrobedError } from '../base/errors.ts'
import type { Log, LogEvent } from '../base/log.ts'
import type { Options } from '../base/options.ts'
import type { CaseResult, RunResult } from '../results/results.ts'
import { NIC_CHOICES, type NicSpec, type Variant } from '../testbed/nics.ts'
import type { Scenario } from '../testbed/scenario.ts'
import type { Testbed } from '../testbed/testbed.ts'
import { detectCrash } from '../vm/crash.ts'
import { compare, caseKcidb, type Baseline, type Comparison, type Kcidb } from './baseline.ts'
import { fmtS, type BudgetCut, type Job, type Shard } from './matrix.ts'

export interface Attempt { status: CaseResult['status']; reason?: string; fault?: string; ms: number }

export interface NightlyCase {
  key: string
  job: string
  kcidb: Kcidb
  /** why the case is an infrastructure failure (after its retry), or null */
  infra: string | null
  /** every attempt; two when the first failed for infrastructure reasons */
  attempts: Attempt[]
  durationMs: number
  result: CaseResult
}

/** The scenario options that shape results: shards must agree on them. */
export type ScenarioOptions = Pick<Options, 'net' | 'memoryMiB' | 'cpus' | 'append' | 'repeat' | 'iperfSeconds' | 'rateMbit' | 'seed' | 'faults' | 'deaths' | 'messages' | 'crash'>
export const scenarioOptions = (o: Options): ScenarioOptions => ({ net: o.net, memoryMiB: o.memoryMiB, cpus: o.cpus, append: o.append, repeat: o.repeat, iperfSeconds: o.iperfSeconds, rateMbit: o.rateMbit, seed: o.seed, faults: o.faults, deaths: o.deaths, messages: o.messages, crash: o.crash })

export interface NightlyDoc {
  schema: 'microbed.nightly/v1'
  run: {
    id: string; command: string; startedAt: string; finishedAt: string; gitCommit: string | null; dir: string
    budgetMin: number; only: string[]; skip: string[]; shard: Shard | null
    /** a merged run: the shard directories it joins */
    mergedFrom?: string[]
  }
  environment: RunResult['environment']
  matrix: { fingerprint: string; options: ScenarioOptions; jobs: { key: string; cases: string[]; expectedS: number; shard: number }[] }
  budget: { minutes: number; plannedS: number; cut: BudgetCut[] }
  cases: NightlyCase[]
  comparison: Comparison
  /** pass: nothing regressed; regressed: exit 1; incomplete: the run could not complete (exit 2) */
  status: 'pass' | 'regressed' | 'incomplete'
  exitCode: 0 | 1 | 2
  error?: { fault: string; message: string; hint?: string; evidence?: string }
  timings: Record<string, number>
  events: LogEvent[]
}

/**
 * Why an error case is the infrastructure's fault, or null when it may be the driver's: the host
 * failed (QEMU would not start, no QMP socket, a port clash), or the guest's SSH server never
 * answered although its console shows no crash and no failed module.
 */
export function infraCause(c: CaseResult): string | null {
  if (c.status !== 'error') return null
  const reason = c.reason ?? ''
  if (/EADDRINUSE|address already in use|could not get a free port/i.test(reason)) return `port clash: ${reason}`
  if (c.fault === 'host') return `host: ${reason}`
  if (c.fault === 'boot' && /SSH server did not answer/.test(reason)) {
    const console = c.evidence ?? ''
    if (detectCrash(console) === null && !/event=(module-failed|nic-missing)/.test(console)) return `SSH readiness timeout with a clean console: ${reason}`
  }
  return null
}

export interface RunPlan {
  jobs: Job[]
  budgetS: number
  /** cuts made before the run (the plan); the runner adds those the clock makes */
  cut: BudgetCut[]
  /** the NIC table the jobs were expanded from */
  nics?: Record<string, NicSpec>
}

/**
 * Runs the jobs in order. Before each, the time left is checked against its expected duration (the
 * clock includes the testbed's preparation); a job that no longer fits is cut and listed. A job
 * with an infrastructure failure is run once more; its cases keep both attempts.
 */
export async function runJobs(scenarios: Record<string, Scenario>, tb: Testbed, plan: RunPlan, log: Log, startedMs: number, now = () => Date.now()): Promise<{ cases: NightlyCase[]; cut: BudgetCut[] }> {
  const cases: NightlyCase[] = []
  const cut = [...plan.cut]
  const total = plan.jobs.filter(j => j.expectedS > 0).length
  let done = 0
  const leftS = () => plan.budgetS - (now() - startedMs) / 1000
  for (const job of plan.jobs) {
    const expected = plan.jobs.slice(plan.jobs.indexOf(job)).reduce((s, j) => s + j.expectedS, 0)
    if (job.expectedS > leftS()) {
      cut.push({ job: job.key, cases: job.cases, expectedS: job.expectedS, why: `expected ${fmtS(job.expectedS)}, only ${fmtS(Math.max(0, leftS()))} of the ${fmtS(plan.budgetS)} budget left when its turn came` })
      log.warn(`budget: cut ${job.key} (expected ${fmtS(job.expectedS)}, ${fmtS(Math.max(0, leftS()))} left)`)
      continue
    }
    const sc = scenarios[job.scenario]!
    const label = `[${done + (job.expectedS > 0 ? 1 : 0)}/${total}] ${job.key}${job.variants.length > 1 ? ` (${job.variants.join(', ')})` : ''}`
    if (job.expectedS > 0) log.step(`nightly ${label}: expected ${fmtS(job.expectedS)}; ${fmtS(Math.max(0, leftS()))} of the budget left, ~${fmtS(expected)} of work planned`)
    const t0 = now()
    const tick = setInterval(() => log.emit('progress', `${label} … ${fmtS((now() - t0) / 1000)} of ~${fmtS(job.expectedS)}; done ${done}/${total}; budget left ${fmtS(Math.max(0, leftS()))}`), 1000)
    let attempts: { results: CaseResult[]; ms: number }[] = []
    try {
      attempts.push(await runJob(sc, tb, job, now, plan.nics ?? NIC_CHOICES))
      const infra = attempts[0]!.results.map(infraCause).find(Boolean)
      if (infra) {
        log.emit('retry', `${job.key}: infrastructure failure (${infra}); running it once more`)
        attempts.push(await runJob(sc, tb, job, now, plan.nics ?? NIC_CHOICES))
      }
    } finally {
      clearInterval(tick)
    }
    const last = attempts[attempts.length - 1]!
    const per = (ms: number) => ms / Math.max(1, last.results.filter(r => r.status !== 'skip').length || 1)
    for (const r of last.results) {
      const key = `${r.scenario}/${r.nic}/${r.variant}`
      const history = attempts.map(a => a.results.find(x => x.variant === r.variant)).filter((x): x is CaseResult => !!x)
      const infra = infraCause(r)
      const nc: NightlyCase = {
        key, job: job.key, infra, durationMs: r.status === 'skip' ? 0 : Math.round(per(last.ms)),
        attempts: history.map((h, i) => ({ status: h.status, ...(h.reason ? { reason: h.reason } : {}), ...(h.fault ? { fault: h.fault } : {}), ms: Math.round(per(attempts[i]!.ms)) })),
        result: r, kcidb: 'SKIP',
      }
      nc.kcidb = caseKcidb(nc)
      cases.push(nc)
      if (r.status !== 'skip' || job.expectedS > 0) log.info(`${nc.kcidb.padEnd(5)} ${key}${attempts.length > 1 ? ` (retried after an infrastructure failure: ${history[0]?.reason ?? ''})` : ''}${r.reason && r.status !== 'pass' ? ` — ${r.reason}` : ''}`)
    }
    if (job.expectedS > 0) done++
  }
  return { cases, cut }
}

/** One call of the scenario; an exception out of it becomes an error case for each variant, with its fault. */
async function runJob(sc: Scenario, tb: Testbed, job: Job, now: () => number, nics: Record<string, NicSpec>): Promise<{ results: CaseResult[]; ms: number }> {
  const t0 = now()
  const nic = nics[job.nic]!
  const jtb: Testbed = { ...tb, opts: { ...tb.opts, ...job.options } }
  let results: CaseResult[]
  try {
    results = await sc.run(jtb, nic, job.variants as Variant[])
  } catch (e) {
    const me = e instanceof MicrobedError ? e : null
    results = job.variants.map(v => ({
      scenario: sc.name, nic: nic.name, variant: v, status: 'error' as const, reason: errorMessage(e) + (me?.hint ? ` (${me.hint})` : ''),
      evidence: me?.evidence ?? (e instanceof Error ? e.stack : undefined), fault: me?.fault ?? 'internal', checks: [], measurements: [], timings: {}, logs: {},
    }))
  }
  // A scenario that forgets a variant must not make it vanish from the matrix.
  for (const v of job.variants) if (!results.some(r => r.variant === v))
    results.push({ scenario: sc.name, nic: nic.name, variant: v, status: 'error', reason: `the scenario returned no case for ${v}`, fault: 'internal', checks: [], measurements: [], timings: {}, logs: {} })
  return { results, ms: now() - t0 }
}

/** The comparison, the status and the exit code of a run document (also after a merge). */
export function finalize(doc: NightlyDoc, bl: { baseline: Baseline; file: string; hash: string } | null, today = new Date().toISOString().slice(0, 10)): NightlyDoc {
  const inShard = doc.run.shard ? doc.matrix.jobs.filter(j => j.shard === doc.run.shard!.index) : doc.matrix.jobs
  const scope = new Set(inShard.flatMap(j => j.cases))
  const cut = new Set(doc.budget.cut.flatMap(c => c.cases))
  doc.comparison = compare(doc.cases.map(c => ({ key: c.key, result: c.result, infra: c.infra })), bl, scope, cut, today)
  const incomplete = !!doc.error || doc.cases.some(c => c.infra)
  doc.status = doc.comparison.regressions > 0 ? 'regressed' : incomplete ? 'incomplete' : 'pass'
  doc.exitCode = doc.status === 'regressed' ? 1 : doc.status === 'incomplete' ? 2 : 0
  return doc
}
