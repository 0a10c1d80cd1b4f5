// One JSON document per run (schema "microbed.result/v1", documented in README.md), and the
// readable summary made from it.
import { execFileSync } from 'node:child_process'
import { cpus, hostname, release, totalmem } from 'node:os'
import type { LogEvent } from '../base/log.ts'

export type Status = 'pass' | 'fail' | 'error' | 'skip'

export interface Check {
  name: string
  ok: boolean
  evidence: string
  /** Why this failure is expected for this NIC and variant; such a failure does not fail the case. */
  known?: string
}
export interface Measurement {
  name: string
  value: number
  unit: string
  /** Individual samples, when value summarizes several (median). */
  samples?: number[]
  spread?: { min: number; max: number; relativePct: number }
  /** Where the value's true median lies at the stated confidence (see medianInterval). */
  interval?: { low: number; high: number; coveragePct: number }
  extra?: Record<string, number | string>
}

export interface CaseResult {
  scenario: string
  nic: string
  variant: string
  status: Status
  /** Why: the failed check, the error, or why it was skipped. Present for every status but pass. */
  reason?: string
  checks: Check[]
  measurements: Measurement[]
  timings: Record<string, number> // ms
  logs: { console?: string; dmesg?: string }
  evidence?: string
  /** status error: whose fault the error was (base/errors.ts Fault, or 'internal') */
  fault?: string
}

export interface RunResult {
  schema: 'microbed.result/v1'
  run: { id: string; command: string; startedAt: string; finishedAt: string; gitCommit: string | null; dir: string }
  environment: {
    host: { hostname: string; kernel: string; cpus: number; memoryGiB: number; node: string }
    accel: { accel: string; reason: string } | null
    qemuVersion: string | null
    net: string
    image: { hash: string; kernelAbi: string; kernelPackage: string; packages: Record<string, string>; manifest: string } | null
  }
  timings: Record<string, number> // ms
  cases: CaseResult[]
  status: Status
  error?: { fault: string; message: string; hint?: string; evidence?: string }
  events: LogEvent[]
}

export function hostEnvironment(): RunResult['environment']['host'] {
  return { hostname: hostname(), kernel: release(), cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version }
}

export function qemuVersion(): string | null {
  try { return execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim() } catch { return null }
}

export function gitCommit(cwd: string): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' }).trim() !== ''
    return dirty ? `${head}-dirty` : head
  } catch { return null }
}

/** The run's status: error beats fail beats pass; a run where everything was skipped is skip. */
export function overallStatus(cases: CaseResult[]): Status {
  if (cases.some(c => c.status === 'error')) return 'error'
  if (cases.some(c => c.status === 'fail')) return 'fail'
  if (cases.length === 0 || cases.every(c => c.status === 'skip')) return 'skip'
  return 'pass'
}

/** Exit code of the CLI: 0 pass, 1 a check failed, 2 an error stopped a case, 3 nothing was checked. */
export function exitCode(s: Status): number {
  return { pass: 0, fail: 1, error: 2, skip: 3 }[s]
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export function summarize(samples: number[]): Pick<Measurement, 'value' | 'samples' | 'spread'> {
  const med = median(samples)
  const min = Math.min(...samples), max = Math.max(...samples)
  return { value: med, samples, spread: { min, max, relativePct: med ? Math.round(((max - min) / med) * 1000) / 10 : 0 } }
}

/**
 * A distribution-free confidence interval for the median the samples come from: the k-th smallest
 * and the k-th largest sample, for the largest k whose coverage, 1 − 2·P(Binomial(n, ½) < k), is
 * still at least `coverage`. It assumes nothing about the noise but independent samples. Null when
 * n samples cannot reach that coverage (fewer than 5 for 90 %).
 */
export function medianInterval(samples: number[], coverage = 0.9): Measurement['interval'] | null {
  const n = samples.length
  const xs = [...samples].sort((a, b) => a - b)
  let below = 0 // P(B <= k - 1), B ~ Binomial(n, 1/2)
  let choose = 1 // C(n, k - 1)
  let best: Measurement['interval'] | null = null
  for (let k = 1; 2 * k <= n; k++) {
    below += choose / 2 ** n
    choose = (choose * (n - k + 1)) / k
    const cov = 1 - 2 * below
    if (cov < coverage) break
    best = { low: xs[k - 1]!, high: xs[n - k]!, coveragePct: Math.round(cov * 1000) / 10 }
  }
  return best
}

/** "93.8% interval 0.980 to 1.020": ratios to 3 decimals, everything else to 1. */
export function intervalText(iv: NonNullable<Measurement['interval']>, unit: string): string {
  const d = unit === 'ratio' ? 3 : 1
  return `${iv.coveragePct}% interval ${iv.low.toFixed(d)} to ${iv.high.toFixed(d)}`
}

/** Validates a document against the schema's shape; returns the problems (empty when valid). */
export function validateResult(doc: unknown): string[] {
  const errs: string[] = []
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isObj(doc)) return ['document is not an object']
  if (doc.schema !== 'microbed.result/v1') errs.push('schema must be "microbed.result/v1"')
  const run = doc.run
  if (!isObj(run) || typeof run.id !== 'string' || typeof run.startedAt !== 'string' || typeof run.finishedAt !== 'string') errs.push('run.id, run.startedAt and run.finishedAt must be strings')
  const env = doc.environment
  if (!isObj(env) || !isObj(env.host)) errs.push('environment.host is required')
  if (!['pass', 'fail', 'error', 'skip'].includes(doc.status as string)) errs.push('status must be pass, fail, error or skip')
  if (!Array.isArray(doc.cases)) errs.push('cases must be an array')
  else doc.cases.forEach((c: unknown, i: number) => {
    if (!isObj(c)) { errs.push(`cases[${i}] is not an object`); return }
    for (const k of ['scenario', 'nic', 'variant']) if (typeof c[k] !== 'string') errs.push(`cases[${i}].${k} must be a string`)
    if (!['pass', 'fail', 'error', 'skip'].includes(c.status as string)) errs.push(`cases[${i}].status is invalid`)
    if (c.status !== 'pass' && typeof c.reason !== 'string') errs.push(`cases[${i}] has status ${String(c.status)} but no reason`)
    if (!Array.isArray(c.checks)) errs.push(`cases[${i}].checks must be an array`)
    if (c.status === 'pass' && Array.isArray(c.checks) && (c.checks.length === 0 && (!Array.isArray(c.measurements) || c.measurements.length === 0))) errs.push(`cases[${i}] passes without a single check or measurement`)
    if (c.status === 'pass' && Array.isArray(c.checks) && c.checks.some((k: unknown) => isObj(k) && k.ok === false && typeof k.known !== 'string')) errs.push(`cases[${i}] passes with a failed check`)
    if (!Array.isArray(c.measurements)) errs.push(`cases[${i}].measurements must be an array`)
    else c.measurements.forEach((m: unknown, j: number) => {
      if (!isObj(m) || typeof m.name !== 'string' || typeof m.value !== 'number' || typeof m.unit !== 'string' || m.unit === '') errs.push(`cases[${i}].measurements[${j}] needs name, numeric value and unit`)
      else if (m.interval !== undefined && (!isObj(m.interval) || typeof m.interval.low !== 'number' || typeof m.interval.high !== 'number' || m.interval.low > m.interval.high || typeof m.interval.coveragePct !== 'number')) errs.push(`cases[${i}].measurements[${j}].interval needs numeric low <= high and coveragePct`)
    })
  })
  if (!Array.isArray(doc.events)) errs.push('events must be an array')
  return errs
}

const fmt = (m: Measurement) => {
  const v = m.value >= 100 ? m.value.toFixed(0) : m.value.toFixed(2)
  const iv = m.interval ? ` (${intervalText(m.interval, m.unit)})` : ''
  return `${m.name} ${v} ${m.unit}${m.spread ? ` (min ${m.spread.min.toFixed(1)}, max ${m.spread.max.toFixed(1)}, spread ${m.spread.relativePct}%)` : ''}${iv}`
}

/** The human view of a run. */
export function renderSummary(r: RunResult): string {
  const out: string[] = []
  const mark: Record<Status, string> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIP' }
  for (const c of r.cases) {
    out.push(`${mark[c.status].padEnd(5)} ${c.scenario} ${c.nic}/${c.variant}${c.reason ? ` — ${c.reason}` : ''}`)
    for (const k of c.checks) out.push(`  ${k.ok ? '✓' : '✗'} ${k.name}: ${k.evidence.split('\n')[0]}${k.known ? ` (known difference: ${k.known})` : ''}`)
    for (const m of c.measurements) out.push(`  • ${fmt(m)}`)
    if (c.evidence && c.status !== 'pass') out.push(...c.evidence.split('\n').slice(0, 30).map(l => `  | ${l}`))
    if (c.logs.console) out.push(`  console: ${c.logs.console}${c.logs.dmesg ? `   dmesg: ${c.logs.dmesg}` : ''}`)
  }
  if (r.error) {
    out.push(`ERROR (${r.error.fault}): ${r.error.message}`)
    if (r.error.hint) out.push(`  what to do: ${r.error.hint}`)
    if (r.error.evidence) out.push(...r.error.evidence.split('\n').slice(-30).map(l => `  | ${l}`))
  }
  out.push(`result: ${mark[r.status]}   (${r.run.dir}/result.json)`)
  return out.join('\n')
}
