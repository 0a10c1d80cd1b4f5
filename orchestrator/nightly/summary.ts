// summary.md: the nightly in a screenful, for a CI job summary (kept under 1 MiB): the verdict and
// why, regressions with their evidence, infrastructure failures, budget cuts, expired known
// failures, the verdict matrix and the counts of the baseline comparison.
import { OUTCOMES, type Item } from './baseline.ts'
import { fmtS } from './matrix.ts'
import type { NightlyDoc } from './runner.ts'

export const SUMMARY_LIMIT = 1024 * 1024
const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 400)
const ICON: Record<string, string> = { PASS: '✅ PASS', FAIL: '❌ FAIL', ERROR: '⛔ ERROR', MISS: '⚠️ MISS', SKIP: '⏭ SKIP', DONE: 'DONE', CUT: '✂️ CUT' }

export function renderSummary(doc: NightlyDoc): string {
  const c = doc.comparison
  const out: string[] = []
  const verdict = { pass: 'nothing regressed', regressed: `${c.regressions} regression${c.regressions === 1 ? '' : 's'}`, incomplete: 'the run could not complete' }[doc.status]
  out.push(`# microbed nightly: ${doc.status.toUpperCase()} — ${verdict} (exit ${doc.exitCode})`, '')
  const dur = (Date.parse(doc.run.finishedAt) - Date.parse(doc.run.startedAt)) / 1000
  out.push(`Run \`${doc.run.id}\`${doc.run.mergedFrom ? ` (merged from ${doc.run.mergedFrom.length} shards)` : doc.run.shard ? ` (shard ${doc.run.shard.index}/${doc.run.shard.count})` : ''} at \`${doc.run.gitCommit ?? 'unknown commit'}\`, ${doc.environment.accel?.accel.toUpperCase() ?? '?'}, ${Number.isFinite(dur) ? fmtS(dur) : '?'} of a ${doc.budget.minutes} min budget; baseline \`${c.baseline?.file ?? 'none'}\`.`, '')
  if (doc.error) out.push(`**The run stopped:** ${md(doc.error.message)}${doc.error.hint ? ` — ${md(doc.error.hint)}` : ''}`, '')
  out.push(`Comparison with the baseline: ${OUTCOMES.map(o => `${c.counts[o]} ${o}`).join(', ')}.`, '')
  const section = (title: string, rows: Item[], limit = 50) => {
    if (!rows.length) return
    out.push(`## ${title} (${rows.length})`, '', '| case | check or figure | detail |', '| --- | --- | --- |')
    for (const i of rows.slice(0, limit)) out.push(`| \`${i.case}\` | ${md(i.name)} | ${md(i.detail)}${i.evidence ? `<br>${md(i.evidence.split('\n').slice(0, 3).join(' ⏎ '))}` : ''} |`)
    if (rows.length > limit) out.push(`| … | ${rows.length - limit} more | see report.html |`)
    out.push('')
  }
  section('Regressions and new failures', c.items.filter(i => i.failing))
  const infra = doc.cases.filter(x => x.infra)
  if (infra.length) out.push(`## Infrastructure failures, after one retry (${infra.length}) — not counted as driver failures`, '', ...infra.map(x => `- \`${x.key}\`: ${md(x.infra!)}`), '')
  const retried = doc.cases.filter(x => x.attempts.length > 1 && !x.infra)
  if (retried.length) out.push(`## Passed on the retry after an infrastructure failure (${retried.length})`, '', ...retried.map(x => `- \`${x.key}\`: first attempt: ${md(x.attempts[0]!.reason ?? '')}`), '')
  if (doc.budget.cut.length) out.push(`## Cut by the budget (${doc.budget.cut.reduce((s, x) => s + x.cases.length, 0)} cases)`, '', ...doc.budget.cut.map(x => `- \`${x.job}\`: ${md(x.why)}`), '')
  if (c.expired.length) out.push(`## Expired known-failure entries (${c.expired.length})`, '', ...c.expired.map(k => `- \`${k.case}${k.check ? ` › ${k.check}` : ''}\`: expired ${k.expires} — ${md(k.reason)} (${md(k.ref)})`), '')
  section('Unexpected passes (a known failure that passed: the entry may be stale)', c.items.filter(i => i.outcome === 'unexpected pass'), 20)
  section('Better than the baseline', c.items.filter(i => i.outcome === 'better'), 20)
  section('Missing (in the baseline, not in this run)', c.items.filter(i => i.outcome === 'missing'), 20)
  // The verdict matrix: scenario rows, nic/variant columns.
  // Columns in the matrix's order (NIC table, then variants), not alphabetical.
  const cols = [...new Set([...doc.matrix.jobs.flatMap(j => j.cases), ...doc.cases.map(x => x.key)].map(k => k.split('/').slice(1).join('/')))].filter(col => doc.cases.some(x => x.key.endsWith(`/${col}`)) || doc.budget.cut.some(x => x.cases.some(k => k.endsWith(`/${col}`))))
  const rowsSc = [...new Set([...doc.cases.map(x => x.key.split('/')[0]!), ...doc.budget.cut.flatMap(x => x.cases.map(k => k.split('/')[0]!))])]
  const byKey = new Map(doc.cases.map(x => [x.key, x]))
  const cutKeys = new Set(doc.budget.cut.flatMap(y => y.cases))
  const failingKeys = new Set(c.items.filter(i => i.failing).map(i => i.case))
  const cell = (sc: string, col: string) => {
    const k = `${sc}/${col}`, x = byKey.get(k)
    if (!x) return cutKeys.has(k) ? ICON.CUT! : ''
    const failing = failingKeys.has(k)
    return `${ICON[x.kcidb]}${failing ? ' (regressed)' : x.kcidb === 'FAIL' || x.kcidb === 'ERROR' ? ' (known)' : ''}`
  }
  out.push('## Verdicts', '', `| scenario | ${cols.join(' | ')} |`, `| --- | ${cols.map(() => '---').join(' | ')} |`, ...rowsSc.map(sc => `| ${sc} | ${cols.map(col => cell(sc, col)).join(' | ')} |`), '')
  out.push('Full detail: `report.html` (open it in a browser), `junit.xml`, `results.ktap`, `results.json`.', '')
  let text = out.join('\n')
  if (Buffer.byteLength(text) > SUMMARY_LIMIT - 200) text = Buffer.from(text).subarray(0, SUMMARY_LIMIT - 200).toString().replace(/\uFFFD*$/, '') + '\n\n… (cut at 1 MiB; see report.html)\n'
  return text
}
