// --update-baseline: a new baseline from a run (its cases replace theirs; cases it did not run
// keep their entries), with tolerance bands from the spread the run measured, and the diff.
import type { Measurement } from '../results/results.ts'
import { fmtNum, type Band, type Baseline, type BaselineCase, type CheckState, type KnownFailure } from './baseline.ts'
import type { NightlyDoc } from './runner.ts'

/**
 * Absolute times under TCG on these shared machines vary about 2x from one day to the next
 * (ARCHITECTURE.md, field notes: boot to SSH 5.4 s one day, 11.1 s another): a band of an absolute
 * time is its measured spread times this factor. Absolute throughput varies more (740 vs 276
 * Mbit/s), so it gets no band at all: the ratios measured side by side carry its verdict.
 */
export const DAY_TO_DAY = 2.1
const TIME_UNITS = new Set(['ms', 's', 'µs', 'us'])

/** Which way is good for a figure, from its unit and name. */
export function betterWay(m: Pick<Measurement, 'name' | 'unit'>): 'higher' | 'lower' {
  if (m.unit === 'ratio') return /throughput/.test(m.name) ? 'higher' : 'lower'
  if (m.unit === '%') return /recovered|refused/.test(m.name) ? 'higher' : 'lower'
  return 'lower'
}

/** Wilson score interval (95 %) of k successes in n. */
export function wilson(k: number, n: number, z = 1.96): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 }
  const p = k / n, d = 1 + z * z / n
  const c = (p + z * z / (2 * n)) / d, h = (z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / d
  return { low: Math.max(0, c - h), high: Math.min(1, c + h) }
}

/** The per-round or per-sample values a figure summarizes, if it kept them. */
export function spreadValues(m: Measurement): number[] | null {
  if (m.samples && m.samples.length >= 2) return m.samples
  const pr = m.extra?.perRound
  if (typeof pr === 'string') {
    const xs = pr.trim().split(/\s+/).map(Number).filter(Number.isFinite)
    if (xs.length >= 2) return xs
  }
  return null
}

/** A band set from what the run measured, or null (the figure is reported without a verdict). */
export function bandFor(m: Measurement, runId: string): Band | null {
  if (m.unit === 'Mbit/s' || m.unit === 'faults') return null
  const better = betterWay(m)
  const xs = spreadValues(m)
  if (xs) {
    const lo = Math.min(...xs), hi = Math.max(...xs), r = hi - lo
    let low = lo - r / 2, high = hi + r / 2
    const abs = TIME_UNITS.has(m.unit)
    if (abs) { low /= DAY_TO_DAY; high *= DAY_TO_DAY }
    if (m.unit !== 'points') low = Math.max(0, low) // times, shares and ratios are never negative
    if (m.unit === '%') high = Math.min(100, high)
    return {
      unit: m.unit, low: round(low), high: round(high), better,
      basis: `${xs.length} ${m.samples ? 'samples' : 'per-round values'} ${fmtNum(lo)} to ${fmtNum(hi)} in run ${runId}, widened by half their range${abs ? `, times ${DAY_TO_DAY} for day-to-day speed` : ''}`,
    }
  }
  // A share of counted events: the 95 % Wilson interval of the count.
  const n = Number(m.extra?.fired ?? m.extra?.sent), k = m.extra?.fired !== undefined ? (m.value / 100) * n : Number(m.extra?.received)
  if (m.unit === '%' && Number.isFinite(n) && n > 0 && Number.isFinite(k)) {
    const share = m.extra?.fired !== undefined ? wilson(Math.round(k), n) : wilson(n - k, n)
    return {
      unit: '%', low: round(share.low * 100), high: round(share.high * 100), better,
      basis: `95% Wilson interval of ${m.extra?.fired !== undefined ? `${Math.round(k)}/${n} faults that fired` : `${n - k}/${n} packets lost`} in run ${runId}`,
    }
  }
  return null
}

const round = (x: number) => Math.round(x * 1000) / 1000
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)

/** The new baseline, and the lines of its diff against the old one. */
export function updateBaseline(doc: NightlyDoc, old: Baseline | null, today = new Date().toISOString().slice(0, 10)): { baseline: Baseline; diff: string[] } {
  const cases: Record<string, BaselineCase> = { ...(old?.cases ?? {}) }
  const known: KnownFailure[] = [...(old?.known ?? [])]
  const diff: string[] = []
  const has = (key: string, check?: string) => known.some(k => k.case === key && (k.check ?? undefined) === check && k.expires >= today)
  for (const c of doc.cases) {
    if (c.infra) { diff.push(`  ${c.key}: kept as it was (infrastructure failure in this run: ${c.infra})`); continue }
    const r = c.result
    const checks: Record<string, CheckState> = {}
    for (const k of r.checks) checks[k.name] = k.ok ? 'pass' : k.known ? 'known' : 'fail'
    const figures: Record<string, Band | null> = {}
    for (const m of r.measurements) figures[m.name] = bandFor(m, doc.run.id)
    const next: BaselineCase = { status: r.status, checks, figures, ...(c.durationMs ? { durationS: Math.round(c.durationMs / 1000) } : {}) }
    const prev = cases[c.key]
    cases[c.key] = next
    diffCase(c.key, prev, next, diff)
    // A failure the baseline now expects needs an entry; one made here says it is unreviewed, and
    // expires in two weeks, so that a person gives it a reason and a reference.
    const unreviewed = (check?: string, why?: string) => {
      if (has(c.key, check) || has(c.key)) return
      const e: KnownFailure = { case: c.key, ...(check ? { check } : {}), reason: `UNREVIEWED: ${why ?? r.reason ?? r.status}`.slice(0, 300), ref: `added by --update-baseline from run ${doc.run.id}`, expires: addDays(today, 14) }
      known.push(e)
      diff.push(`+ known failure ${c.key}${check ? ` › ${check}` : ''} (unreviewed, expires ${e.expires}): give it a reason and a reference`)
    }
    for (const k of r.checks) if (!k.ok && !k.known) unreviewed(k.name, k.evidence.split('\n')[0])
    if (r.status === 'error' || (r.status === 'fail' && !r.checks.some(k => !k.ok && !k.known))) unreviewed(undefined)
  }
  for (const k of known) if (k.expires < today) diff.push(`! known failure ${k.case}${k.check ? ` › ${k.check}` : ''} expired on ${k.expires}: renew it with a reason, or remove it`)
  const baseline: Baseline = {
    schema: 'microbed.nightly-baseline/v1',
    from: { runs: [...new Set([...(old?.from.runs ?? []), doc.run.id])].slice(-20), gitCommit: doc.run.gitCommit, accel: doc.environment.accel?.accel ?? null, made: new Date().toISOString(), ...(old?.from.note ? { note: old.from.note } : {}) },
    cases: Object.fromEntries(Object.entries(cases).sort(([a], [b]) => (a < b ? -1 : 1))),
    known,
  }
  if (diff.length === 0) diff.push('  no change')
  return { baseline, diff }
}

function diffCase(key: string, a: BaselineCase | undefined, b: BaselineCase, out: string[]): void {
  if (!a) { out.push(`+ ${key}: ${b.status}, ${Object.keys(b.checks).length} checks, ${Object.keys(b.figures).length} figures`); return }
  if (a.status !== b.status) out.push(`~ ${key}: ${a.status} → ${b.status}`)
  for (const [n, s] of Object.entries(b.checks)) if (a.checks[n] === undefined) out.push(`+ ${key} › ${n}: ${s}`); else if (a.checks[n] !== s) out.push(`~ ${key} › ${n}: ${a.checks[n]} → ${s}`)
  for (const n of Object.keys(a.checks)) if (b.checks[n] === undefined) out.push(`- ${key} › ${n}`)
  const bandText = (x: Band | null | undefined) => (x ? `${fmtNum(x.low)} to ${fmtNum(x.high)} ${x.unit}` : 'no band')
  for (const [n, f] of Object.entries(b.figures)) {
    if (!(n in a.figures)) out.push(`+ ${key} › ${n}: ${bandText(f)}`)
    else if (bandText(a.figures[n]) !== bandText(f)) out.push(`~ ${key} › ${n}: ${bandText(a.figures[n])} → ${bandText(f)}`)
  }
  for (const n of Object.keys(a.figures)) if (!(n in b.figures)) out.push(`- ${key} › ${n}`)
}
