// microbed slice: DriverSlicer's splitter. --driver NAME|all analyses our microdrivers' monolithic
// build and checks their hand split (fails on a violation); --linux NAME|all analyses the guest
// kernel's own drivers from Debian's linux-source package. With neither, both, and the research
// table. Writes results/slice/slice.json and results/slice/research.md (--json FILE: the JSON too).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../../base/errors.ts'
import type { Log } from '../../base/log.ts'
import { paths } from '../../base/options.ts'
import { SPECS } from '../../slicer/specs/index.ts'
import { LINUX_DRIVERS, linuxDriver, linuxTree, sliceLinux } from '../../slicer/split/linux.ts'
import { sliceOurs, specForDriver } from '../../slicer/split/ours.ts'
import { linuxRow, ourProblems, ourRow, renderLinux, renderOurs, researchMarkdown, type Row } from '../../slicer/split/report.ts'
import { NICS } from '../../testbed/nics.ts'
import type { Parsed } from '../args.ts'

export async function runSlice(p: Parsed, log: Log): Promise<number> {
  if (p.positional.length) throw new UsageError(`slice takes no arguments, got "${p.positional.join(' ')}"`, 'use --driver NAME|all and/or --linux NAME|all')
  const both = p.driver === undefined && p.linux === undefined
  const ours = p.driver === undefined ? (both ? SPECS.map(s => s.driver) : []) : p.driver === 'all' ? SPECS.map(s => s.driver) : [specForDriver(p.driver).driver]
  const linux = p.linux === undefined ? (both ? LINUX_DRIVERS.map(d => d.name) : []) : p.linux === 'all' ? LINUX_DRIVERS.map(d => d.name) : [linuxDriver(p.linux).name]

  const rows: Row[] = []
  const json: Record<string, unknown> = {}
  let failed = 0
  for (const d of ours) {
    const r = await sliceOurs(d)
    process.stdout.write(renderOurs(r) + '\n\n')
    rows.push(ourRow(r))
    const problems = ourProblems(r)
    for (const x of problems) log.warn(`${d}: ${x}`)
    failed += problems.length
    json[`ours/${d}`] = { row: ourRow(r), roots: r.analysis.roots, unknown: r.analysis.unknown, unresolved: r.analysis.unresolved, violations: r.violations, upcalls: r.upcalls, keptInKernel: r.keptInKernel, hand: r.hand, best: r.best }
  }
  if (linux.length) {
    const tree = await linuxTree(log)
    json.linuxSource = { package: tree.pkg, kernel: tree.kernelPkg, downloadMs: tree.downloadMs, extractMs: tree.extractMs }
    for (const d of linux) {
      const r = await sliceLinux(d, tree)
      process.stdout.write(renderLinux(r) + '\n\n')
      rows.push(linuxRow(r))
      json[`linux/${d}`] = { row: linuxRow(r), roots: r.analysis.roots, unknown: r.analysis.unknown, unresolved: r.analysis.unresolved, best: r.best }
    }
  }
  // NICs whose microdriver has not landed yet: their row in the research table says so.
  const pending = Object.values(NICS).filter(n => !n.microdriver).map(n => ({ driver: `our ${n.name}`, why: n.unavailable.split ?? 'no microdriver yet' }))
  const md = researchMarkdown(rows, both || (ours.length === SPECS.length && linux.length === LINUX_DRIVERS.length) ? pending : [])
  process.stdout.write(md + '\n')
  const dir = join(paths.results, 'slice')
  mkdirSync(dir, { recursive: true })
  const doc = JSON.stringify({ schema: 'microbed.slice/v1', rows, drivers: json }, null, 1)
  writeFileSync(join(dir, 'slice.json'), doc)
  writeFileSync(join(dir, 'research.md'), md + '\n')
  if (p.json) writeFileSync(p.json, doc)
  log.info(`wrote ${join(dir, 'slice.json')} and research.md`)
  return failed ? 1 : 0
}
