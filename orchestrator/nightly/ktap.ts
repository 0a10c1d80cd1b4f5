// results.ktap: KTAP version 1 (the kernel's Documentation/dev-tools/ktap.rst), one subtest per
// scenario with one test line per case: "# SKIP reason" for skips and budget cuts, "# XFAIL" for
// a known failure, a diagnostic line for each failing check; the parent line is not ok when any
// case is, and a regression fails it even if the case had passed.
import type { NightlyDoc } from './runner.ts'

const clean = (s: string) => s.replace(/[\r\n#]+/g, ' ').trim().slice(0, 300)

export function renderKtap(doc: NightlyDoc): string {
  const items = doc.comparison.items
  const lines: string[] = []
  const rows = new Map<string, { ok: boolean; line: (n: number) => string; diag: string[] }[]>()
  const add = (sc: string, r: { ok: boolean; line: (n: number) => string; diag: string[] }) => { if (!rows.has(sc)) rows.set(sc, []); rows.get(sc)!.push(r) }
  for (const c of doc.cases) {
    const [sc, nic, variant] = c.key.split('/') as [string, string, string]
    const failing = items.filter(i => i.case === c.key && i.failing)
    const name = `${nic}/${variant}`.replace(/\s/g, '_')
    let ok = failing.length === 0 && !c.infra, directive = ''
    if (c.kcidb === 'SKIP') directive = ` # SKIP ${clean(c.result.reason ?? 'skipped')}`
    else if (c.infra) directive = ` # SKIP infrastructure failure (not the driver's): ${clean(c.infra)}`
    else if (!failing.length && (c.kcidb === 'FAIL' || c.kcidb === 'ERROR')) { ok = false; directive = ` # XFAIL ${clean(items.find(i => i.case === c.key && i.kind === 'case')?.detail ?? 'known failure')}` }
    if (c.infra) ok = true // SKIP: it did not run to a verdict
    add(sc, { ok, line: n => `${ok ? 'ok' : 'not ok'} ${n} ${name}${directive}`, diag: failing.map(i => `# ${i.outcome}: ${clean(i.name)}: ${clean(i.detail)}`) })
  }
  for (const cut of doc.budget.cut) for (const key of cut.cases) {
    const [sc, nic, variant] = key.split('/') as [string, string, string]
    add(sc, { ok: true, line: n => `ok ${n} ${nic}/${variant} # SKIP cut by the budget: ${clean(cut.why)}`, diag: [] })
  }
  lines.push('KTAP version 1', `# microbed nightly ${doc.run.id}${doc.run.gitCommit ? ` at ${doc.run.gitCommit}` : ''}`, `1..${rows.size}`)
  let i = 0
  for (const [sc, rs] of rows) {
    i++
    lines.push('    KTAP version 1', `    # Subtest: ${sc}`, `    1..${rs.length}`)
    rs.forEach((r, j) => { lines.push(...r.diag.map(d => `    ${d}`), `    ${r.line(j + 1)}`) })
    // A row is "not ok" with XFAIL for a known failure; the parent counts it as passing.
    const bad = rs.some(r => !r.ok && !/# XFAIL/.test(r.line(0)))
    const allSkip = rs.every(r => /# SKIP/.test(r.line(0)))
    lines.push(`${bad ? 'not ok' : 'ok'} ${i} ${sc}${allSkip ? ' # SKIP every case skipped' : ''}`)
  }
  return lines.join('\n') + '\n'
}
