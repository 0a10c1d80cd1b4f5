// The nightly matrix: every scenario × NIC × variant its declaration (Scenario.covers) names, as
// jobs (one call of a scenario's run); selection by --only/--skip patterns, the budget's cut, and
// a deterministic shard of it balanced by each case's expected duration.
import { createHash } from 'node:crypto'
import { UsageError } from '../base/errors.ts'
import type { Options } from '../base/options.ts'
import { NIC_CHOICES, VARIANTS, type NicSpec, type Variant } from '../testbed/nics.ts'
import type { Scenario } from '../testbed/scenario.ts'

/** One case of the matrix: "scenario/nic/variant". */
export const caseKey = (scenario: string, nic: string, variant: string) => `${scenario}/${nic}/${variant}`

export interface Job {
  /** "scenario/nic" for side-by-side jobs, else the case key */
  key: string
  scenario: string
  nic: string
  variants: Variant[]
  /** the case keys it produces */
  cases: string[]
  /** expected seconds (0 for a variant the NIC lacks: it is skipped without a guest) */
  expectedS: number
  options: Partial<Options>
}

/** Where a case's expected duration comes from: the baseline's measurement, else the declaration. */
export type Durations = Record<string, number | undefined>

/** Every job the scenarios declare, in registry order, then NIC table order, then variant order. */
export function expandMatrix(scenarios: Scenario[], durations: Durations = {}, nics: Record<string, NicSpec> = NIC_CHOICES): Job[] {
  const jobs: Job[] = []
  for (const sc of scenarios) {
    const cov = sc.covers
    const variants = cov.variants === 'all' ? [...VARIANTS] : cov.variants
    // every NIC unless it names some; a setup of several (--nic both) only when named
    for (const nicName of cov.nics ?? Object.keys(nics).filter(n => !nics[n]!.members)) {
      const nic = nics[nicName]
      if (!nic) throw new UsageError(`scenario ${sc.name} declares NIC "${nicName}", which the NIC table lacks`)
      const caseS = (v: Variant) => nic.variants[v] ? (durations[caseKey(sc.name, nic.name, v)] ?? cov.expectedS) : 0
      const mk = (vs: Variant[], key: string): Job => ({
        key, scenario: sc.name, nic: nic.name, variants: vs, cases: vs.map(v => caseKey(sc.name, nic.name, v)),
        expectedS: vs.reduce((s, v) => s + caseS(v), 0), options: cov.options ?? {},
      })
      if (cov.together) jobs.push(mk(variants, `${sc.name}/${nic.name}`))
      else for (const v of variants) jobs.push(mk([v], caseKey(sc.name, nic.name, v)))
    }
  }
  return jobs
}

/** A glob over case keys ("smoke/*", "*\/e1000/split", "fault-campaign/**"): * and ? match within and across slashes. */
export function patternRegExp(p: string): RegExp {
  const body = p.trim().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*+/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${body}(/.*)?$`)
}

/**
 * Keeps the cases --only selects (any pattern; all when none) and --skip does not; a
 * side-by-side job keeps the variants left. A pattern that selects nothing is an error: a typo
 * must not make a green nightly of nothing.
 */
export function selectJobs(jobs: Job[], only: string[], skip: string[], durations: (job: Job, v: Variant) => number): Job[] {
  const onlyRe = only.map(p => ({ p, re: patternRegExp(p) })), skipRe = skip.map(p => ({ p, re: patternRegExp(p) }))
  const used = new Set<string>()
  const keep = (k: string) => {
    const o = onlyRe.filter(x => x.re.test(k)), s = skipRe.filter(x => x.re.test(k))
    for (const x of [...o, ...s]) used.add(x.p)
    return (onlyRe.length === 0 || o.length > 0) && s.length === 0
  }
  const out: Job[] = []
  for (const j of jobs) {
    const idx = j.cases.map((k, i) => (keep(k) ? i : -1)).filter(i => i >= 0)
    if (idx.length === 0) continue
    if (idx.length === j.cases.length) { out.push(j); continue }
    const variants = idx.map(i => j.variants[i]!)
    out.push({ ...j, variants, cases: idx.map(i => j.cases[i]!), expectedS: variants.reduce((s, v) => s + durations(j, v), 0) })
  }
  const unused = [...onlyRe, ...skipRe].map(x => x.p).filter(p => !used.has(p))
  if (unused.length) throw new UsageError(`pattern${unused.length > 1 ? 's' : ''} ${unused.map(p => `"${p}"`).join(', ')} match${unused.length > 1 ? '' : 'es'} no case of the nightly matrix`, `cases are named scenario/nic/variant, e.g. ${jobs[0]?.cases[0] ?? 'smoke/e1000/native'}; \`microbed nightly --list\` prints them all`)
  if (out.length === 0) throw new UsageError('--only/--skip left no case of the nightly matrix to run')
  return out
}

export interface Shard { index: number; count: number }

/** Parses --shard I/N (1 ≤ I ≤ N). */
export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim())
  const index = Number(m?.[1]), count = Number(m?.[2])
  if (!m || count < 1 || index < 1 || index > count || count > 256) throw new UsageError(`--shard must be I/N with 1 ≤ I ≤ N ≤ 256, not "${s}"`)
  return { index, count }
}

/**
 * Deals jobs to `count` shards, longest expected first, each to the least loaded shard (ties: the
 * lower index): the same jobs and durations always give the same shards. Returns the shard index
 * (1-based) of each job key.
 */
export function assignShards(jobs: Job[], count: number): Map<string, number> {
  const load = Array.from({ length: count }, () => 0)
  const out = new Map<string, number>()
  const order = [...jobs].sort((a, b) => b.expectedS - a.expectedS || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  for (const j of order) {
    let best = 0
    for (let i = 1; i < count; i++) if (load[i]! < load[best]!) best = i
    load[best]! += j.expectedS
    out.set(j.key, best + 1)
  }
  return out
}

/**
 * What the shards of one nightly must agree on: the selected jobs, their options and the scenario
 * options of the run. Merge refuses shards whose fingerprints differ.
 */
export function matrixFingerprint(jobs: Job[], opts: Partial<Options>, shardCount: number): string {
  const canon = JSON.stringify({ jobs: jobs.map(j => ({ key: j.key, cases: j.cases, options: j.options })), opts, shardCount })
  return createHash('sha256').update(canon).digest('hex').slice(0, 16)
}

export interface BudgetCut { job: string; cases: string[]; expectedS: number; why: string }
export interface BudgetPlan { run: Job[]; cut: BudgetCut[]; plannedS: number }

/**
 * Fits the jobs into `budgetS` in matrix order: a job whose expected time no longer fits is cut
 * (listed with why) and the next ones are tried. A budget that fits not even the cheapest job that
 * needs a guest is an error.
 */
export function planBudget(jobs: Job[], budgetS: number): BudgetPlan {
  const needGuest = jobs.filter(j => j.expectedS > 0)
  if (needGuest.length && Math.min(...needGuest.map(j => j.expectedS)) > budgetS) {
    const cheapest = needGuest.reduce((a, b) => (b.expectedS < a.expectedS ? b : a))
    throw new UsageError(`--budget ${(budgetS / 60).toFixed(1)} min is too small for even one case: the cheapest, ${cheapest.key}, is expected to take ${(cheapest.expectedS / 60).toFixed(1)} min`, 'raise --budget, or select fewer cases with --only')
  }
  let used = 0
  const run: Job[] = [], cut: BudgetCut[] = []
  for (const j of jobs) {
    if (used + j.expectedS <= budgetS) { run.push(j); used += j.expectedS; continue }
    cut.push({ job: j.key, cases: j.cases, expectedS: j.expectedS, why: `expected ${fmtS(j.expectedS)}, only ${fmtS(budgetS - used)} of the ${fmtS(budgetS)} budget left in the plan` })
  }
  return { run, cut, plannedS: used }
}

export const fmtS = (s: number) => (s >= 90 ? `${(s / 60).toFixed(1)} min` : `${Math.round(s)} s`)
