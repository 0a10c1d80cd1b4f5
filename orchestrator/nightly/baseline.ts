// The committed baseline (nightly/baseline.json) and the comparison of a nightly run with it.
// Every case, check and figure of a run comes out same, better, regressed, new, missing or
// unexpected pass; known failures are excused only until their expiry date.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { UsageError } from '../base/errors.ts'
import type { CaseResult, Measurement } from '../results/results.ts'

/** KCIDB's status words, worst first: FAIL > ERROR > MISS > PASS > DONE > SKIP. */
export type Kcidb = 'FAIL' | 'ERROR' | 'MISS' | 'PASS' | 'DONE' | 'SKIP'
export const KCIDB_ORDER: Kcidb[] = ['FAIL', 'ERROR', 'MISS', 'PASS', 'DONE', 'SKIP']
export const worst = (xs: Kcidb[]): Kcidb => xs.length ? KCIDB_ORDER.find(s => xs.includes(s))! : 'SKIP'

export type Outcome = 'same' | 'better' | 'regressed' | 'new' | 'missing' | 'unexpected pass'
export const OUTCOMES: Outcome[] = ['regressed', 'new', 'missing', 'unexpected pass', 'better', 'same']

/** A figure's tolerance band, and how it was set. */
export interface Band {
  unit: string
  low: number
  high: number
  /** which way is good: a value beyond the band on this side is "better", on the other "regressed" */
  better: 'higher' | 'lower'
  /** how the band was measured (the samples it comes from) */
  basis: string
}

export interface KnownFailure {
  /** the case key (scenario/nic/variant) */
  case: string
  /** one check of it; absent: the case's own verdict */
  check?: string
  reason: string
  /** a link or an issue reference */
  ref: string
  /** YYYY-MM-DD; from the day after, the entry no longer excuses the failure */
  expires: string
}

/** What a check was: passed, failed, or failed with the NIC table's documented difference. */
export type CheckState = 'pass' | 'fail' | 'known'

export interface BaselineCase {
  status: 'pass' | 'fail' | 'error' | 'skip'
  checks: Record<string, CheckState>
  /** measurement name → its band (null: reported, no verdict) */
  figures: Record<string, Band | null>
  /** measured seconds of the case (budget and shards use it) */
  durationS?: number
}

export interface Baseline {
  schema: 'microbed.nightly-baseline/v1'
  /** the run(s) it was made from */
  from: { runs: string[]; gitCommit: string | null; accel: string | null; made: string; note?: string }
  cases: Record<string, BaselineCase>
  known: KnownFailure[]
}

export class BaselineError extends UsageError {
  constructor(file: string, problem: string) { super(`baseline ${file}: ${problem}`, 'fix the file, or write a new one from a run with `microbed nightly --update-baseline`') }
}

/** Reads and checks a baseline; every problem is an error naming the file. `scenarios`: the names that exist. */
export function loadBaseline(file: string, scenarios: string[]): { baseline: Baseline; hash: string } {
  if (!existsSync(file)) throw new BaselineError(file, 'does not exist')
  const text = readFileSync(file, 'utf8')
  let doc: unknown
  try { doc = JSON.parse(text) } catch (e) { throw new BaselineError(file, `is not valid JSON (${(e as Error).message})`) }
  const problems = validateBaseline(doc, scenarios)
  if (problems.length) throw new BaselineError(file, problems.slice(0, 8).join('; ') + (problems.length > 8 ? `; and ${problems.length - 8} more` : ''))
  return { baseline: doc as Baseline, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export function validateBaseline(doc: unknown, scenarios: string[]): string[] {
  const errs: string[] = []
  if (!isObj(doc)) return ['is not a JSON object']
  if (doc.schema !== 'microbed.nightly-baseline/v1') errs.push(`schema must be "microbed.nightly-baseline/v1", not ${JSON.stringify(doc.schema)}`)
  if (!isObj(doc.from) || !Array.isArray(doc.from.runs)) errs.push('from.runs must list the runs it was made from')
  if (!isObj(doc.cases)) errs.push('cases must be an object keyed by scenario/nic/variant')
  else for (const [k, c] of Object.entries(doc.cases)) {
    const sc = k.split('/')[0]!
    if (k.split('/').length !== 3) errs.push(`case "${k}" is not scenario/nic/variant`)
    else if (!scenarios.includes(sc)) errs.push(`case "${k}" names an unknown scenario "${sc}" (scenarios: ${scenarios.join(', ')})`)
    if (!isObj(c)) { errs.push(`case "${k}" is not an object`); continue }
    if (!['pass', 'fail', 'error', 'skip'].includes(c.status as string)) errs.push(`case "${k}": status must be pass, fail, error or skip`)
    if (!isObj(c.checks) || Object.values(c.checks).some(v => !['pass', 'fail', 'known'].includes(v as string))) errs.push(`case "${k}": checks must map each check to pass, fail or known`)
    if (!isObj(c.figures)) errs.push(`case "${k}": figures must be an object`)
    else for (const [f, b] of Object.entries(c.figures)) {
      if (b === null) continue
      if (!isObj(b) || typeof b.low !== 'number' || typeof b.high !== 'number' || b.low > b.high || typeof b.unit !== 'string' || !['higher', 'lower'].includes(b.better as string) || typeof b.basis !== 'string' || !b.basis)
        errs.push(`case "${k}", figure "${f}": a band needs unit, numeric low <= high, better (higher|lower) and the basis it was measured on`)
    }
    if (c.durationS !== undefined && (typeof c.durationS !== 'number' || c.durationS < 0)) errs.push(`case "${k}": durationS must be a number of seconds`)
  }
  if (!Array.isArray(doc.known)) errs.push('known must be a list (possibly empty)')
  else doc.known.forEach((e: unknown, i: number) => {
    if (!isObj(e)) { errs.push(`known[${i}] is not an object`); return }
    for (const f of ['case', 'reason', 'ref', 'expires']) if (typeof e[f] !== 'string' || !(e[f] as string).trim()) errs.push(`known[${i}] needs ${f}`)
    if (typeof e.expires === 'string' && !/^\d{4}-\d{2}-\d{2}$/.test(e.expires)) errs.push(`known[${i}].expires must be a date YYYY-MM-DD, not "${e.expires}"`)
    if (typeof e.case === 'string' && !scenarios.includes(e.case.split('/')[0]!)) errs.push(`known[${i}] names an unknown scenario in "${e.case}"`)
  })
  if (Array.isArray(doc.known) && isObj(doc.cases)) for (const [k, c] of Object.entries(doc.cases)) {
    // A failure the baseline expects is a known failure: it has a reason, a reference and an expiry.
    if (!isObj(c) || !isObj(c.checks)) continue
    const has = (check?: string) => (doc.known as unknown[]).some(e => isObj(e) && e.case === k && (e.check ?? undefined) === check)
    const failedChecks = Object.entries(c.checks).filter(([, v]) => v === 'fail').map(([n]) => n)
    for (const n of failedChecks) if (!has(n) && !has()) errs.push(`case "${k}" expects check "${n}" to fail, but no known-failure entry gives its reason, reference and expiry`)
    if ((c.status === 'error' || (c.status === 'fail' && failedChecks.length === 0)) && !has()) errs.push(`case "${k}" expects ${c.status}, but no known-failure entry for the case gives its reason, reference and expiry`)
  }
  return errs
}

/** One line of the comparison: a case's verdict, one check, or one figure. */
export interface Item {
  id: string
  case: string
  kind: 'case' | 'check' | 'figure'
  name: string
  status: Kcidb
  outcome: Outcome
  /** a failure that is not excused: new failures and regressions fail the nightly */
  failing: boolean
  detail: string
  evidence?: string
  value?: number
  unit?: string
  band?: Band
  known?: KnownFailure & { expired: boolean }
}

export interface Comparison {
  baseline: { file: string; hash: string } | null
  items: Item[]
  counts: Record<Outcome, number>
  /** known-failure entries past their expiry (each reported; they no longer excuse anything) */
  expired: KnownFailure[]
  /** entries that excused nothing in this run: their case passed or did not run */
  unused: KnownFailure[]
  regressions: number
}

/** The run's view of one case, as the comparison needs it. */
export interface ComparedCase {
  key: string
  result: CaseResult
  /** infrastructure failure after the retry (MISS): neither a driver failure nor hidden */
  infra: string | null
}

export const itemId = (caseKey: string, name?: string) => (name ? `${caseKey} › ${name}` : caseKey)

export function caseKcidb(c: ComparedCase): Kcidb {
  if (c.infra) return 'MISS'
  return ({ pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIP' } as const)[c.result.status]
}

/**
 * Compares the run's cases with the baseline. `scope`: the case keys this run was meant to cover
 * (its selection and shard), so baseline entries outside it are not "missing"; `cut`: keys the
 * budget cut (missing, saying so). `today`: YYYY-MM-DD.
 */
export function compare(cases: ComparedCase[], bl: { baseline: Baseline; file: string; hash: string } | null, scope: Set<string>, cut: Set<string>, today: string): Comparison {
  const base = bl?.baseline
  const items: Item[] = []
  const knownFor = (key: string, check?: string) => base?.known.find(k => k.case === key && (k.check ?? null) === (check ?? null))
  const usedKnown = new Set<KnownFailure>()
  const withExpiry = (k: KnownFailure | undefined) => (k ? { ...k, expired: k.expires < today } : undefined)
  const excuse = (k: (KnownFailure & { expired: boolean }) | undefined) => (k && !k.expired ? `known failure: ${k.reason} (${k.ref}, until ${k.expires})` : '')
  for (const c of cases) {
    const r = c.result, b = base?.cases[c.key]
    const status = caseKcidb(c)
    const entry = (check?: string) => {
      const e = knownFor(c.key, check)
      if (e) usedKnown.add(e)
      return withExpiry(e)
    }
    // Its checks first: a failed case is excused when each failed check is.
    const seen = new Set<string>()
    const caseEntry = entry()
    let unexcusedChecks = 0
    for (const ch of r.checks) {
      if (seen.has(ch.name)) continue
      seen.add(ch.name)
      const k = entry(ch.name)
      const live = k && !k.expired ? k : caseEntry && !caseEntry.expired ? caseEntry : undefined
      const was = b?.checks[ch.name]
      const now: CheckState = ch.ok ? 'pass' : ch.known ? 'known' : 'fail'
      let outcome: Outcome, failing = false
      if (now === 'pass') outcome = was === undefined ? 'new' : k || was !== 'pass' ? 'unexpected pass' : 'same'
      else if (now === 'known') outcome = was === undefined ? 'new' : 'same'
      else if (live) outcome = was === undefined ? 'new' : 'same'
      else { outcome = was === undefined ? 'new' : 'regressed'; failing = true; unexcusedChecks++ }
      const detail = [was === undefined ? 'not in the baseline' : `baseline: ${was}`, `now: ${now}`,
        now === 'known' ? `known difference (NIC table): ${ch.known}` : '', now === 'fail' ? excuse(live) : '',
        k?.expired ? `its known-failure entry expired on ${k.expires}` : ''].filter(Boolean).join('; ')
      items.push({ id: itemId(c.key, ch.name), case: c.key, kind: 'check', name: ch.name, status: ch.ok ? 'PASS' : 'FAIL', outcome, failing, detail, evidence: ch.evidence, ...(k ? { known: k } : {}) })
    }
    if (b && !c.infra && r.status !== 'skip') for (const name of Object.keys(b.checks)) if (!seen.has(name))
      items.push({ id: itemId(c.key, name), case: c.key, kind: 'check', name, status: 'MISS', outcome: 'missing', failing: false, detail: `in the baseline (${b.checks[name]}), not reported by this run${r.status === 'error' ? ` (the case ended in an error: ${r.reason ?? ''})` : ''}` })
    // The case's own verdict.
    {
      const k = caseEntry
      const failed = status === 'FAIL' || status === 'ERROR'
      const excused = failed && (k && !k.expired ? excuse(k) : status === 'FAIL' && unexcusedChecks === 0 && r.checks.some(x => !x.ok) ? 'every failed check is a known failure' : '')
      let outcome: Outcome, failing = false, detail: string
      if (c.infra) { outcome = b ? 'missing' : 'new'; detail = `infrastructure failure, after one retry: ${c.infra}` }
      else if (failed && !excused) { outcome = b ? 'regressed' : 'new'; failing = true; detail = `${b ? `${b.status} in the baseline` : 'not in the baseline'}; now ${r.status}: ${r.reason ?? ''}${k?.expired ? ` (its known-failure entry expired on ${k.expires})` : ''}` }
      else if (failed) { outcome = b ? 'same' : 'new'; detail = `${excused}; ${r.reason ?? ''}` }
      else if (!b) { outcome = 'new'; detail = `not in the baseline; now ${r.status}` }
      else if (r.status === 'skip' && b.status !== 'skip') { outcome = 'missing'; detail = `${b.status} in the baseline; now skipped: ${r.reason ?? ''}` }
      else if (b.status === 'skip' && r.status !== 'skip') { outcome = 'new'; detail = `skipped in the baseline; now ${r.status}` }
      else if (k && r.status === 'pass') { outcome = 'unexpected pass'; detail = `listed as a known failure (${k.reason}; ${k.ref}) but passed: the entry may be stale` }
      else if (b.status !== r.status) { outcome = 'better'; detail = `${b.status} in the baseline; now ${r.status}` }
      else { outcome = 'same'; detail = r.status + (r.reason ? `: ${r.reason}` : '') }
      items.push({ id: itemId(c.key), case: c.key, kind: 'case', name: '(verdict)', status, outcome, failing, detail, evidence: r.evidence ?? (r.status === 'fail' ? r.checks.filter(x => !x.ok).map(x => `${x.name}: ${x.evidence}`).join('\n') : undefined), ...(k ? { known: k } : {}) })
    }
    // Its figures.
    const seenF = new Set<string>()
    for (const m of r.measurements) {
      if (seenF.has(m.name)) continue
      seenF.add(m.name)
      items.push(figureItem(c.key, m, b))
    }
    if (b && !c.infra && r.status !== 'skip' && r.status !== 'error') for (const name of Object.keys(b.figures)) if (!seenF.has(name))
      items.push({ id: itemId(c.key, name), case: c.key, kind: 'figure', name, status: 'MISS', outcome: 'missing', failing: false, detail: 'in the baseline, not measured by this run' })
  }
  // Baseline cases this run should have had and did not.
  const ran = new Set(cases.map(c => c.key))
  if (base) for (const key of Object.keys(base.cases)) if (scope.has(key) && !ran.has(key))
    items.push({ id: itemId(key), case: key, kind: 'case', name: '(verdict)', status: 'MISS', outcome: 'missing', failing: false, detail: cut.has(key) ? 'cut by the budget (listed under budget cuts)' : 'in the baseline, not run' })
  for (const key of cut) if (!base?.cases[key] && !ran.has(key))
    items.push({ id: itemId(key), case: key, kind: 'case', name: '(verdict)', status: 'MISS', outcome: 'missing', failing: false, detail: 'cut by the budget (listed under budget cuts)' })
  const counts = Object.fromEntries(OUTCOMES.map(o => [o, items.filter(i => i.outcome === o).length])) as Record<Outcome, number>
  const expired = (base?.known ?? []).filter(k => k.expires < today)
  const unused = (base?.known ?? []).filter(k => !usedKnown.has(k) && scope.has(k.case))
  return { baseline: bl ? { file: bl.file, hash: bl.hash } : null, items, counts, expired, unused, regressions: items.filter(i => i.failing).length }
}

function figureItem(key: string, m: Measurement, b: BaselineCase | undefined): Item {
  const band = b?.figures[m.name] ?? undefined
  const base = { id: itemId(key, m.name), case: key, kind: 'figure' as const, name: m.name, value: m.value, unit: m.unit, failing: false }
  const v = `${fmtNum(m.value)} ${m.unit}`
  if (!b || !(m.name in b.figures)) return { ...base, status: 'DONE', outcome: 'new', detail: `${v}; not in the baseline` }
  if (!band) return { ...base, status: 'DONE', outcome: 'same', detail: `${v}; no band (reported, no verdict)` }
  const inBand = m.value >= band.low && m.value <= band.high
  const above = m.value > band.high
  const good = inBand || (above ? band.better === 'higher' : band.better === 'lower')
  const outcome: Outcome = inBand ? 'same' : good ? 'better' : 'regressed'
  return { ...base, band, status: good ? 'PASS' : 'FAIL', outcome, failing: !good, detail: `${v}; band ${fmtNum(band.low)} to ${fmtNum(band.high)} ${band.unit} (${band.basis})` }
}

export const fmtNum = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(3).replace(/\.?0+$/, '') || '0')
