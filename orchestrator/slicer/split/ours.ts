// Our own microdrivers under the splitter: the sources of the monolithic build (what
// kmod/<driver>/Kbuild links into the monolithic module, with the portable control path it
// #includes), the hand partition the build files make (split-stats' file lists), and the check of
// that partition: no atomic root reaches the control path, and the kernel calls into it exactly
// where the interface spec declares an upcall.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { UsageError } from '../../base/errors.ts'
import { paths } from '../../base/options.ts'
import type { DriverSpec } from '../spec.ts'
import { SPECS } from '../specs/index.ts'
import { isGenerated, makeList, splitStats } from '../splitstats.ts'
import { analyze, movable, pct, summarize, violations, type Analysis, type Overrides, type Partition, type Violation } from './analyze.ts'
import { KERNEL_ONLY } from './contexts.ts'
import { overridesOf } from './overrides/index.ts'
import { parseDriver, type FileFacts } from './parse.ts'

export interface SourceFile { file: string; unit: string; src: string }

/** The modules kmod/<driver>/Kbuild builds: the split one and the monolithic one, with its objects. */
export function kbuildModules(driver: string, root = paths.root): { split: string; monolithic: string; objects: string[] } {
  const file = join(root, 'kmod', driver, 'Kbuild')
  if (!existsSync(file)) throw new UsageError(`kmod/${driver}/Kbuild does not exist`, `the microdriver ${driver} needs its k-driver folder kmod/${driver}/ (see README, "Adding a microdriver")`)
  const text = readFileSync(file, 'utf8')
  const m = /^ifeq \(\$\(MB_VARIANT\),split\)\n([\s\S]*?)^else\n([\s\S]*?)^endif/m.exec(text)
  if (!m) throw new UsageError(`kmod/${driver}/Kbuild has no "ifeq ($(MB_VARIANT),split) … else … endif" block`, 'the splitter reads the monolithic module\'s objects from it')
  const mod = (block: string) => /^obj-m\s*:?=\s*(\S+)\.o\s*$/m.exec(block)?.[1]
  const split = mod(m[1]!), monolithic = mod(m[2]!)
  if (!split || !monolithic) throw new UsageError(`kmod/${driver}/Kbuild: no obj-m in each branch of the MB_VARIANT block`)
  const common = /^common\s*:?=/m.test(text) ? makeList(text, 'common') : []
  return { split, monolithic, objects: makeList(m[2]!, `${monolithic}-y`, { common }) }
}

const INCLUDE = /^\s*#\s*include\s+"([^"]+)"/gm

/**
 * The files of the monolithic build: its .c files, the .c files they #include (in their unit) and
 * every header they reach by a quoted include (for the macros and inline functions).
 */
export function monolithicSources(driver: string, root = paths.root, edits: Record<string, string> = {}): SourceFile[] {
  const { objects } = kbuildModules(driver, root)
  const out: SourceFile[] = []
  const seen = new Set<string>()
  const read = (file: string) => {
    if (edits[file] !== undefined) return edits[file]!
    if (!existsSync(join(root, file))) throw new UsageError(`${file} is named by the build files but does not exist`, `check kmod/${driver}/Kbuild`)
    return readFileSync(join(root, file), 'utf8')
  }
  const add = (file: string, unit: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const src = read(file)
    out.push({ file, unit: file.endsWith('.c') ? unit : file, src })
    for (const m of src.matchAll(INCLUDE)) {
      const inc = normalize(join(dirname(file), m[1]!))
      if (existsSync(join(root, inc)) || edits[inc] !== undefined) add(inc, file.endsWith('.c') ? unit : inc)
    }
  }
  for (const o of objects) { const c = `kmod/${driver}/${o.replace(/\.o$/, '.c')}`; add(c, c) }
  return out
}

export function specForDriver(driver: string): DriverSpec {
  const s = SPECS.find(x => x.driver === driver)
  if (!s) throw new UsageError(`no microdriver "${driver}"`, `--driver takes one of the drivers with an interface spec (orchestrator/slicer/specs/index.ts): ${SPECS.map(x => x.driver).join(', ')}`)
  return s
}

export interface OurReport {
  driver: string
  modules: { split: string; monolithic: string }
  analysis: Analysis
  facts: FileFacts[]
  /** which side each file is on in the hand split: the split module, the u-driver, or monolithic-only glue */
  sideOf: Record<string, 'kernel' | 'user' | 'glue'>
  hand: Partition
  best: Partition
  /** the share of split-stats (whole files, headers included), for comparison */
  splitStatsPct: number
  violations: Violation[]
  /** kernel→user edges against the spec's upcalls */
  upcalls: { found: { impl: string; callers: string[] }[]; missing: { impl: string; why: string }[]; undeclared: { impl: string; callers: string[] }[] }
  /** functions the analysis would move that the hand split keeps in the kernel */
  keptInKernel: { fn: string; file: string; lines: number; reason: string }[]
  elapsedMs: number
}

/** Analyses one of our microdrivers and checks its hand partition. `edits` replace files' text (tests). */
export async function sliceOurs(driver: string, opts: { root?: string; edits?: Record<string, string>; overrides?: Overrides; spec?: DriverSpec } = {}): Promise<OurReport> {
  const t0 = Date.now()
  const root = opts.root ?? paths.root
  const spec = opts.spec ?? specForDriver(driver)
  const modules = kbuildModules(driver, root)
  const files = monolithicSources(driver, root, opts.edits)
  const facts = await parseDriver(files)
  const gen = new Set(files.filter(f => isGenerated(f.src)).map(f => f.file))
  const analysis = analyze(driver, facts, opts.overrides ?? overridesOf(driver), f => gen.has(f))

  // The hand split, from the same build files split-stats reads.
  const stats = splitStats(driver, modules.split, root)
  const userFiles = new Set([...stats.user.map(f => f.file), ...stats.generated.filter(g => g.side === 'user').map(g => g.file)])
  const kernelFiles = new Set([...stats.kernel.map(f => f.file), ...stats.generated.filter(g => g.side === 'kernel').map(g => g.file)])
  const sideOf: OurReport['sideOf'] = {}
  for (const f of files) sideOf[f.file] = userFiles.has(f.file) ? 'user' : kernelFiles.has(f.file) ? 'kernel' : 'glue'
  const user = new Set(analysis.functions.filter(f => sideOf[f.file] === 'user').map(f => f.id))
  const counted = (f: { file: string; generated: boolean }) => !f.generated && sideOf[f.file] !== 'glue'
  const hand = summarize(analysis, user, counted)
  const best = summarize(analysis, movable(analysis), counted)

  // Kernel→user edges: each must be the implementation of an upcall (or the spec's hw setup).
  const calls = new Map<string, Set<string>>()
  for (const e of analysis.edges) if (user.has(e.to) && !user.has(e.from)) calls.set(e.to, new Set([...(calls.get(e.to) ?? []), e.from]))
  const declared = new Map<string, string>(spec.upcalls.map(u => [u.impl, u.internal ? 'internal' : 'upcall']))
  declared.set(spec.hwSetup, 'setup')
  const found = [...calls].filter(([impl]) => declared.has(impl)).map(([impl, c]) => ({ impl, callers: [...c].sort() }))
  const undeclared = [...calls].filter(([impl]) => !declared.has(impl)).map(([impl, c]) => ({ impl, callers: [...c].sort() }))
  const missing = [...declared].filter(([impl]) => !calls.has(impl)).map(([impl, kind]) => ({
    impl, why: kind === 'internal' ? 'internal upcall: the runtime issues it (no ctl-table entry, so no caller in the monolithic build)' : 'declared in the spec, but no kernel code calls it',
  }))

  const kernelOnly = (id: string) => [...new Set((analysis.facts.get(id)?.calls ?? []).map(c => c.callee).filter(c => KERNEL_ONLY.test(c)))]
  const kernelCallees = (id: string) => [...new Set(analysis.edges.filter(e => e.from === id && analysis.kernel.has(e.to)).map(e => e.to))]
  const upcallNames = new Set(spec.upcalls.map(u => u.name))
  const upcallsMade = (id: string) => [...new Set((analysis.facts.get(id)?.indirect ?? []).map(i => i.field).filter((f): f is string => !!f && upcallNames.has(f)))]
  const unres = (id: string) => [...new Set(analysis.unresolved.filter(u => u.fn === id).map(u => u.expr.replace(/^.*->/, '')))]
  const list = (xs: string[], n: number) => `${xs.slice(0, n).join(', ')}${xs.length > n ? ', …' : ''}`
  const keptInKernel = analysis.functions
    .filter(f => counted(f) && !user.has(f.id) && !analysis.kernel.has(f.id))
    .map(f => {
      const ko = kernelOnly(f.id), kc = kernelCallees(f.id), up = upcallsMade(f.id)
      const reg = analysis.roots.find(r => r.fn === f.id)
      const reason = ko.length ? `uses kernel-only services: ${list(ko, 5)}`
        : reg && up.length ? `the kernel's entry (${reg.via.replace(/ \(.*$/, '')}) of the upcall ${list(up, 3)}`
          : up.length ? `makes the upcall ${list(up, 3)}`
            : kc.length ? `calls kernel-part code: ${list(kc, 4)}`
              : unres(f.id).length ? `calls through ->${list(unres(f.id), 3)}, which no code of this build fills (under split the runtime's)`
              : 'uses only the k-driver\'s own state (struct fields, no call the analysis sees)'
      return { fn: f.id, file: f.file, lines: f.lines, reason }
    })

  return {
    driver, modules: { split: modules.split, monolithic: modules.monolithic }, analysis, facts, sideOf, hand, best,
    splitStatsPct: stats.userSharePct, violations: violations(analysis, user), upcalls: { found, missing, undeclared }, keptInKernel,
    elapsedMs: Date.now() - t0,
  }
}

export { pct }
