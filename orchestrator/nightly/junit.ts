// junit.xml as Jenkins, GitLab and the GitHub reporter actions read it: one testsuite per
// scenario, one testcase per case (classname = scenario, name = nic/variant), <skipped> with the
// reason for skips, budget cuts and known failures, <failure> with the evidence of a regression,
// <error> for an error or an infrastructure failure, the case's checks and logs in <system-out>.
import type { Item } from './baseline.ts'
import type { NightlyCase, NightlyDoc } from './runner.ts'

/** XML text: escaped, and without the characters XML 1.0 cannot carry. */
export function xml(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
const attr = (s: string) => xml(s).replace(/\n/g, '&#10;')
const firstLine = (s: string | undefined) => (s ?? '').split('\n')[0]!.slice(0, 500)
const secs = (ms: number) => (ms / 1000).toFixed(3)

interface TestCase { name: string; classname: string; timeMs: number; outcome?: { tag: 'skipped' | 'error' | 'failure'; type: string; message: string; text: string }; out: string }

function caseOf(c: NightlyCase, items: Item[]): TestCase {
  const [scenario, nic, variant] = c.key.split('/') as [string, string, string]
  const r = c.result
  const mine = items.filter(i => i.case === c.key)
  const failing = mine.filter(i => i.failing)
  const verdict = mine.find(i => i.kind === 'case')
  const out: string[] = [`${c.kcidb} ${c.key}${r.reason ? ` — ${r.reason}` : ''}`]
  if (c.attempts.length > 1) out.push(`retried once after an infrastructure failure: ${c.attempts[0]!.reason ?? ''}`)
  for (const k of r.checks) out.push(`${k.ok ? 'ok  ' : k.known ? 'known' : 'FAIL'} ${k.name}: ${firstLine(k.evidence)}`)
  for (const m of r.measurements) out.push(`• ${m.name}: ${m.value} ${m.unit}`)
  for (const i of mine) if (i.outcome !== 'same') out.push(`baseline: ${i.outcome} — ${i.name}: ${i.detail}`)
  if (r.logs.console) out.push(`console: ${r.logs.console}`)
  if (r.logs.dmesg) out.push(`dmesg: ${r.logs.dmesg}`)
  const tc: TestCase = { name: `${nic}/${variant}`, classname: scenario, timeMs: c.durationMs, out: out.join('\n') }
  if (c.infra) tc.outcome = { tag: 'error', type: 'infrastructure', message: `infrastructure failure (not the driver's), after one retry: ${c.infra}`, text: r.evidence ?? '' }
  else if (failing.length) {
    const ev = failing.map(i => `${i.outcome}: ${i.name}: ${i.detail}${i.evidence ? `\n${i.evidence.split('\n').slice(0, 40).join('\n')}` : ''}`).join('\n\n')
    const isError = c.kcidb === 'ERROR'
    tc.outcome = { tag: isError ? 'error' : 'failure', type: isError ? (r.fault ?? 'error') : failing[0]!.outcome, message: isError ? firstLine(r.reason) : `${failing.length} ${failing.length === 1 ? 'check' : 'checks'} regressed or new failing: ${failing.map(i => i.name).join('; ')}`.slice(0, 1000), text: ev }
  } else if (c.kcidb === 'SKIP') tc.outcome = { tag: 'skipped', type: 'skip', message: firstLine(r.reason) || 'skipped', text: '' }
  else if (c.kcidb === 'FAIL' || c.kcidb === 'ERROR') tc.outcome = { tag: 'skipped', type: 'known failure', message: firstLine(verdict?.detail) || 'known failure', text: r.reason ?? '' }
  return tc
}

export function renderJunit(doc: NightlyDoc): string {
  const items = doc.comparison.items
  const suites = new Map<string, TestCase[]>()
  const add = (scenario: string, tc: TestCase) => { if (!suites.has(scenario)) suites.set(scenario, []); suites.get(scenario)!.push(tc) }
  for (const c of doc.cases) add(c.key.split('/')[0]!, caseOf(c, items))
  for (const cut of doc.budget.cut) for (const key of cut.cases) {
    const [scenario, nic, variant] = key.split('/') as [string, string, string]
    add(scenario, { name: `${nic}/${variant}`, classname: scenario, timeMs: 0, outcome: { tag: 'skipped', type: 'budget', message: `cut by the budget: ${cut.why}`, text: '' }, out: '' })
  }
  const count = (tcs: TestCase[], tag: string) => tcs.filter(t => t.outcome?.tag === tag).length
  const all = [...suites.values()].flat()
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="microbed nightly${doc.run.shard ? ` shard ${doc.run.shard.index}/${doc.run.shard.count}` : ''}" tests="${all.length}" failures="${count(all, 'failure')}" errors="${count(all, 'error')}" skipped="${count(all, 'skipped')}" time="${secs(all.reduce((s, t) => s + t.timeMs, 0))}" timestamp="${doc.run.startedAt.replace(/\.\d+Z$/, '')}">`]
  for (const [name, tcs] of suites) {
    // Unique names within a suite (a dashboard keys history by classname + name).
    const seen = new Map<string, number>()
    for (const t of tcs) { const n = seen.get(t.name) ?? 0; seen.set(t.name, n + 1); if (n) t.name = `${t.name} (${n + 1})` }
    lines.push(`  <testsuite name="${attr(name)}" tests="${tcs.length}" failures="${count(tcs, 'failure')}" errors="${count(tcs, 'error')}" skipped="${count(tcs, 'skipped')}" time="${secs(tcs.reduce((s, t) => s + t.timeMs, 0))}" timestamp="${doc.run.startedAt.replace(/\.\d+Z$/, '')}" hostname="${attr(doc.environment.host.hostname)}">`)
    lines.push('    <properties>', ...[['gitCommit', doc.run.gitCommit ?? ''], ['accel', doc.environment.accel?.accel ?? ''], ['run', doc.run.id], ['baseline', doc.comparison.baseline?.file ?? '']].map(([k, v]) => `      <property name="${k}" value="${attr(v!)}"/>`), '    </properties>')
    for (const t of tcs) {
      lines.push(`    <testcase classname="${attr(t.classname)}" name="${attr(t.name)}" time="${secs(t.timeMs)}">`)
      if (t.outcome) lines.push(`      <${t.outcome.tag} type="${attr(t.outcome.type)}" message="${attr(t.outcome.message)}">${xml(t.outcome.text)}</${t.outcome.tag}>`)
      if (t.out) lines.push(`      <system-out>${xml(t.out)}</system-out>`)
      lines.push('    </testcase>')
    }
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>', '')
  return lines.join('\n')
}
