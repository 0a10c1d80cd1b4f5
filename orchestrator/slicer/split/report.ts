// The splitter's output: a readable table per driver, the same as JSON, and the research table
// (Markdown) that sets our drivers and Linux's beside the paper's figures.
import type { Analysis, Partition } from './analyze.ts'
import type { LinuxReport } from './linux.ts'
import type { OurReport } from './ours.ts'

/** The paper's headline (Ganapathy et al., ASPLOS 2008): share of code moved, share annotated. */
export const PAPER = { movablePct: 65, annotatedPct: '1–6' }

export interface Row {
  driver: string
  kind: 'linux' | 'ours'
  functions: { kernel: number; user: number }
  lines: { kernel: number; user: number }
  movablePct: number
  entryPoints: number
  downcalls: number
  annotations: number
  /** lines of the driver's functions the analysis read */
  analysedLines: number
  unknown: number
  unresolved: number
  elapsedMs: number
  /** ours: the hand split beside the analysis' largest share */
  hand?: { movablePct: number; splitStatsPct: number; violations: number; upcallsFound: number; upcallsMissing: string[]; undeclared: string[]; keptInKernel: number }
}

const row = (a: Analysis, p: Partition, kind: Row['kind'], elapsedMs: number): Row => ({
  driver: a.driver, kind,
  functions: { kernel: p.kernel.functions, user: p.user.functions },
  lines: { kernel: p.kernel.lines, user: p.user.lines },
  movablePct: p.movablePct, entryPoints: p.entryPoints.length, downcalls: p.downcalls.length, annotations: a.annotations,
  analysedLines: p.kernel.lines + p.user.lines, unknown: a.unknown.length, unresolved: a.unresolved.length, elapsedMs,
})

export function linuxRow(r: LinuxReport): Row { return row(r.analysis, r.best, 'linux', r.elapsedMs) }

export function ourRow(r: OurReport): Row {
  return {
    ...row(r.analysis, r.best, 'ours', r.elapsedMs), driver: `ours/${r.driver}`,
    hand: {
      movablePct: r.hand.movablePct, splitStatsPct: r.splitStatsPct, violations: r.violations.length,
      upcallsFound: r.upcalls.found.length, upcallsMissing: r.upcalls.missing.map(m => m.impl), undeclared: r.upcalls.undeclared.map(u => u.impl),
      keptInKernel: r.keptInKernel.length,
    },
  }
}

const pad = (s: string | number, n: number) => String(s).padEnd(n)

function partitionText(a: Analysis, p: Partition, title: string): string[] {
  const out = [
    title,
    `  kernel part: ${p.kernel.functions} functions, ${p.kernel.lines} lines; user part: ${p.user.functions} functions, ${p.user.lines} lines; movable ${p.movablePct}% (the paper: up to ${PAPER.movablePct}%)`,
    `  entry points (upcalls): ${p.entryPoints.length}; downcalls: ${p.downcalls.filter(d => d.kind === 'kernel-function').length} to kernel-part functions, ${p.downcalls.filter(d => d.kind === 'kernel-service').length} kernel services`,
  ]
  for (const e of p.entryPoints) out.push(`    upcall  ${pad(e.fn, 36)} ${e.because[0]}${e.because.length > 1 ? ` (+${e.because.length - 1})` : ''}`)
  const dk = p.downcalls.filter(d => d.kind === 'kernel-function')
  if (dk.length) out.push(`    downcalls to kernel-part functions: ${dk.map(d => d.callee).join(', ')}`)
  const ds = p.downcalls.filter(d => d.kind === 'kernel-service')
  if (ds.length) out.push(`    kernel services the user part calls: ${ds.map(d => d.callee).join(', ')}`)
  return out
}

function analysisText(a: Analysis): string[] {
  const out = [`  roots: ${a.roots.length} callbacks (${a.roots.filter(r => r.critical).length} critical, ${a.roots.filter(r => !r.critical && r.context !== 'process').length} other atomic)`]
  for (const r of a.roots.filter(r => r.critical || r.context !== 'process')) out.push(`    ${pad(r.critical ? 'critical' : r.context, 8)} ${pad(r.fn, 32)} ${r.via}`)
  out.push(`  callbacks of unknown context (kept in the kernel): ${a.unknown.length ? '' : 'none'}`)
  for (const u of a.unknown) out.push(`    ${pad(u.fn, 32)} ${u.via}`)
  out.push(`  unresolved indirect calls: ${a.unresolved.length ? '' : 'none'}`)
  const seen = new Set<string>()
  for (const u of a.unresolved) {
    const k = `${u.expr}|${u.why}`
    if (seen.has(k)) continue
    seen.add(k)
    const n = a.unresolved.filter(x => `${x.expr}|${x.why}` === k).length
    out.push(`    ${pad(u.expr, 32)} ${u.why} (${n} call${n > 1 ? 's' : ''}, first in ${u.fn}, ${u.file}:${u.line})`)
  }
  out.push(`  annotations: ${a.annotations}`)
  return out
}

export function renderLinux(r: LinuxReport): string {
  return [
    `Linux ${r.driver.replace(/^linux\//, '')} (${r.tree.pkg.name} ${r.tree.pkg.version}; analysed in ${(r.elapsedMs / 1000).toFixed(2)} s)`,
    ...analysisText(r.analysis),
    ...partitionText(r.analysis, r.best, '  the analysis\' partition:'),
  ].join('\n')
}

export function renderOurs(r: OurReport): string {
  const out = [
    `our ${r.driver} (monolithic build ${r.modules.monolithic}.ko, split ${r.modules.split}.ko; analysed in ${(r.elapsedMs / 1000).toFixed(2)} s)`,
    ...analysisText(r.analysis),
    ...partitionText(r.analysis, r.hand, '  the hand split (what the build files link where; generated code and monolithic-only glue not counted):'),
    `  the analysis allows: ${r.best.movablePct}% movable (${r.best.user.functions} functions, ${r.best.user.lines} lines); the hand split moves ${r.hand.movablePct}% (split-stats, whole files: ${r.splitStatsPct}%)`,
    `  atomic code reaching the control path: ${r.violations.length ? '' : 'none'}`,
    ...r.violations.map(v => `    VIOLATION from ${v.context} root ${v.root} (${v.via}): ${v.path.join(' -> ')}`),
    `  kernel->user calls against the spec's upcalls: ${r.upcalls.found.length} match`,
    ...r.upcalls.missing.map(m => `    in the spec, not called: ${m.impl}: ${m.why}`),
    ...r.upcalls.undeclared.map(u => `    NOT IN THE SPEC: ${u.impl}, called by ${u.callers.join(', ')}`),
    `  functions the analysis would move that the hand split keeps in the kernel: ${r.keptInKernel.length}`,
    ...r.keptInKernel.map(k => `    ${pad(k.fn, 28)} ${String(k.lines).padStart(4)} lines  ${k.reason}`),
  ]
  return out.join('\n')
}

/** The verdict of our driver's check: what fails it. */
export function ourProblems(r: OurReport): string[] {
  return [
    ...r.violations.map(v => `atomic code reaches the control path: ${v.path.join(' -> ')} (${v.context} root: ${v.via})`),
    ...r.upcalls.undeclared.map(u => `the kernel calls ${u.impl} (from ${u.callers.join(', ')}), which is no upcall of the spec`),
    ...r.upcalls.missing.filter(m => !/^internal/.test(m.why)).map(m => `the spec's upcall ${m.impl} is not called by any kernel code`),
  ]
}

export interface Benchmarks { splitNativeTx?: number; splitNativeRx?: number; cpuDeltaPts?: number; source: string }

/** The research table: every driver's row beside the paper's figures. */
export function researchMarkdown(rows: Row[], pending: { driver: string; why: string }[], bench: Record<string, Benchmarks | undefined> = {}): string {
  const head = '| driver | functions kernel / user | code lines kernel / user | movable | entry points (upcalls) | annotations | our hand split | split/native throughput, CPU |'
  const sep = '| --- | --- | --- | --- | --- | --- | --- | --- |'
  const lines = rows.map(r => {
    const b = bench[r.driver]
    const bs = b ? `${b.splitNativeTx ?? '?'} tx, ${b.splitNativeRx ?? '?'} rx; CPU +${b.cpuDeltaPts ?? '?'} pts (${b.source})` : r.kind === 'ours' ? 'not measured in this run (`npm run bench-split`)' : '—'
    return `| ${r.kind === 'linux' ? `Linux ${r.driver.replace(/^linux\//, '')}` : `our ${r.driver.replace(/^ours\//, '')}`} | ${r.functions.kernel} / ${r.functions.user} | ${r.lines.kernel} / ${r.lines.user} | ${r.movablePct}% | ${r.entryPoints} | ${r.annotations} (${r.analysedLines ? (100 * r.annotations / r.analysedLines).toFixed(1) : 0}% of lines) | ${r.hand ? `${r.hand.movablePct}% moved, ${r.hand.violations} violations, ${r.hand.keptInKernel} movable functions kept` : '—'} | ${bs} |`
  })
  return [head, sep, ...lines,
    ...pending.map(p => `| ${p.driver} | pending: ${p.why} | | | | | | |`),
    `| the paper (Ganapathy et al. 2008) | | | up to ${PAPER.movablePct}% | | ${PAPER.annotatedPct}% of lines | | |`].join('\n')
}
