// The splitter's analysis: from the facts of a driver's functions, its roots (callbacks the kernel
// calls, with their context), its call graph (direct calls, indirect calls resolved by field name,
// function pointers handed to driver functions), and the partition DriverSlicer's splitter makes:
// everything reachable from a critical root (interrupt, NAPI poll, transmit), from an atomic root
// or from inside an atomic region stays in the kernel; the rest may move to user space.
import { ATOMIC, LIBRARY_CALLBACKS, OPS_CONTEXTS, opsContext, REGISTRATIONS, type CallbackContext, type Context } from './contexts.ts'
import type { FileFacts, FunctionFact } from './parse.ts'

/** A driver's annotations for the splitter (the paper's annotations): one entry each. */
export interface Overrides {
  /** the context of a callback the table cannot tell (registered through an unknown call or field) */
  contexts?: Record<string, { context: Context; why: string }>
  /** the functions an indirect call through a field reaches when no store in the source says so */
  fields?: Record<string, { targets: string[]; why: string }>
}

export function annotationCount(o: Overrides): number {
  return Object.keys(o.contexts ?? {}).length + Object.keys(o.fields ?? {}).length
}

export interface FnInfo {
  id: string
  name: string
  file: string
  first: number
  last: number
  lines: number
  generated: boolean
}

export interface Root {
  fn: string
  context: Context
  critical: boolean
  /** how it is registered, e.g. `net_device_ops.ndo_start_xmit (main.c:333)` */
  via: string
  doc: string
}

export interface Edge { from: string; to: string; line: number; kind: 'call' | 'field' | 'argument'; field?: string }

export interface Unresolved { fn: string; file: string; line: number; expr: string; why: string }

export interface Analysis {
  driver: string
  files: { file: string; functions: number; lines: number; parseErrors: number }[]
  functions: FnInfo[]
  edges: Edge[]
  roots: Root[]
  /** callbacks whose context neither the table nor an annotation gives: kept in the kernel */
  unknown: { fn: string; via: string }[]
  unresolved: Unresolved[]
  /** the kernel part and why each function is in it: the chain from its root */
  kernel: Map<string, { root: string; path: string[]; reason: string }>
  annotations: number
  /** where atomic code starts: atomic roots and the driver functions called inside an atomic region */
  atomicStarts: { fn: string; context: Context; via: string }[]
  /** the parser's facts by function id */
  facts: Map<string, FunctionFact>
}

/** The one kernel struct of the context table with this (explicitly listed) field, if only one has it. */
function uniqueStruct(field: string): string | undefined {
  const has = Object.entries(OPS_CONTEXTS).filter(([, fs]) => Object.hasOwn(fs, field)).map(([s]) => s)
  return has.length === 1 ? has[0] : undefined
}

const CRIT_OR_ATOMIC = (r: { context: Context; critical: boolean }) => r.critical || ATOMIC.has(r.context)

/** Builds the graph and the analysis' own partition. `generated` tells generated files apart. */
export function analyze(driver: string, facts: FileFacts[], overrides: Overrides = {}, generated: (file: string) => boolean = () => false): Analysis {
  const all: FunctionFact[] = facts.flatMap(f => f.functions)
  const byName = new Map<string, FunctionFact[]>()
  for (const fn of all) byName.set(fn.name, [...(byName.get(fn.name) ?? []), fn])
  const idOf = new Map<FunctionFact, string>()
  for (const fn of all) idOf.set(fn, byName.get(fn.name)!.length > 1 ? `${fn.name}@${fn.file}` : fn.name)
  const ownStructs = new Set(facts.flatMap(f => f.structs))
  /** the definition a name means from a translation unit: its own static one, else the global one */
  const resolve = (name: string, unit?: string): string | undefined => {
    const c = byName.get(name)
    if (!c) return undefined
    const pick = c.find(f => f.unit === unit) ?? c.find(f => !f.isStatic) ?? c[0]!
    return idOf.get(pick)
  }
  const unitOfFn = new Map(all.map(f => [idOf.get(f)!, f.unit]))
  const unitOfFile = new Map(all.map(f => [f.file, f.unit]))
  const fnOf = new Map(all.map(f => [idOf.get(f)!, f]))

  const edges: Edge[] = []
  const roots: Root[] = []
  const unknown: { fn: string; via: string }[] = []
  const unresolved: Unresolved[] = []
  const fieldTargets = new Map<string, Set<string>>()
  // A call into a library that calls the driver back counts as an indirect call through the fields it uses.
  for (const fn of all) for (const c of fn.calls) for (const l of LIBRARY_CALLBACKS) {
    if (l.calls.test(c.callee)) for (const field of l.fields) fn.indirect.push({ field, expr: `${c.callee}() -> ${field}`, line: c.line, region: c.region, via: c.via })
  }
  const calledFields = new Set(all.flatMap(f => f.indirect.map(i => i.field).filter((x): x is string => !!x)))
  const addTarget = (field: string, fn: string) => fieldTargets.set(field, new Set([...(fieldTargets.get(field) ?? []), fn]))
  const addRoot = (fn: string, c: CallbackContext, via: string) => {
    if (!roots.some(r => r.fn === fn && r.via === via)) roots.push({ fn, context: c.context, critical: !!c.critical, via, doc: c.doc })
  }
  const unknownCallback = (fn: string, via: string) => {
    const o = overrides.contexts?.[fnOf.get(fn)!.name]
    if (o) addRoot(fn, { context: o.context, doc: `annotation: ${o.why}` }, via)
    else if (!unknown.some(u => u.fn === fn && u.via === via)) unknown.push({ fn, via })
  }

  for (const f of facts) {
    for (const r of f.refs) {
      const unit = r.inFunction ? unitOfFn.get(resolve(r.inFunction, unitOfFile.get(f.file))!) : unitOfFile.get(f.file) ?? f.file
      const fn = resolve(r.name, unit)
      if (!fn) continue
      const at = `${f.file}:${r.line}`
      if (r.field) {
        addTarget(r.field, fn)
        // An initializer tree-sitter could not tie to its declaration (an #ifdef inside it): a
        // field name only one of the table's structs has says which it is.
        const struct = r.struct ?? uniqueStruct(r.field)
        if (struct && !ownStructs.has(struct)) {
          const c = opsContext(struct, r.field)
          if (c) addRoot(fn, c, `${struct}.${r.field} (${at})`)
          else unknownCallback(fn, `${struct}.${r.field} (${at}): not in the context table`)
        } else if (!struct && !calledFields.has(r.field)) {
          unknownCallback(fn, `stored into ->${r.field} (${at}), which the driver never calls`)
        }
      } else if (r.call) {
        const reg = REGISTRATIONS[r.call]
        const callee = resolve(r.call, unit)
        if (reg?.args[r.arg!]) addRoot(fn, reg.args[r.arg!]!, `${r.call}() (${at})`)
        else if (callee) edges.push({ from: callee, to: fn, line: r.line, kind: 'argument' })
        else if (!reg) unknownCallback(fn, `passed to ${r.call}() (${at}): not in the registration table`)
      }
    }
  }
  for (const [field, o] of Object.entries(overrides.fields ?? {})) for (const t of o.targets) { const id = resolve(t); if (id) addTarget(field, id) }

  for (const fn of all) {
    const id = idOf.get(fn)!
    for (const c of fn.calls) {
      const to = resolve(c.callee, fn.unit)
      if (to) edges.push({ from: id, to, line: c.line, kind: 'call' })
    }
    for (const i of fn.indirect) {
      const ts = i.field ? fieldTargets.get(i.field) : undefined
      if (ts?.size) for (const to of ts) edges.push({ from: id, to, line: i.line, kind: 'field', field: i.field })
      else unresolved.push({ fn: id, file: fn.file, line: i.line, expr: i.expr,
        why: i.field ? `no function is stored into a field named ${i.field} in the analysed sources` : 'a call through a variable or an expression, not a field' })
    }
  }

  // The kernel part: breadth-first from the roots that must stay, so each function's reason is
  // its shortest chain from one.
  const kernel = new Map<string, { root: string; path: string[]; reason: string }>()
  const succ = new Map<string, string[]>()
  for (const e of edges) succ.set(e.from, [...(succ.get(e.from) ?? []), e.to])
  const atomicStarts: Analysis['atomicStarts'] = roots.filter(CRIT_OR_ATOMIC).map(r => ({ fn: r.fn, context: r.context, via: r.via }))
  const queue: string[] = []
  const pinned = new Map<string, { root: string; path: string[]; reason: string }>()
  const seed = (fn: string, reason: string) => { if (!kernel.has(fn)) { kernel.set(fn, { root: fn, path: [fn], reason }); queue.push(fn) } }
  for (const r of roots) if (CRIT_OR_ATOMIC(r)) seed(r.fn, `${r.critical ? 'critical' : r.context} root: ${r.via}`)
  for (const u of unknown) seed(u.fn, `callback of unknown context, kept: ${u.via}`)
  for (const fn of all) {
    const id = idOf.get(fn)!
    // The holder of a region stays (a kernel lock is not held from user space), but only what it
    // calls inside the region is atomic: its other callees are judged on their own.
    if (fn.regions.length) pinned.set(id, { root: id, path: [id], reason: `holds an atomic region (${fn.regions[0]!.open}, ${fn.file}:${fn.regions[0]!.line})` })
    for (const c of fn.calls) {
      const to = c.region ? resolve(c.callee, fn.unit) : undefined
      if (to) {
        seed(to, `called inside a ${c.region} region of ${id} (line ${c.line})`)
        atomicStarts.push({ fn: to, context: 'atomic', via: `inside a ${c.region} region of ${id} (${fn.file}:${c.line})` })
      }
    }
    for (const i of fn.indirect) if (i.region && i.field) for (const to of fieldTargets.get(i.field) ?? []) {
      seed(to, `called through ->${i.field} inside a ${i.region} region of ${id} (line ${i.line})`)
      atomicStarts.push({ fn: to, context: 'atomic', via: `through ->${i.field} inside a ${i.region} region of ${id} (${fn.file}:${i.line})` })
    }
  }
  while (queue.length) {
    const fn = queue.shift()!
    const k = kernel.get(fn)!
    for (const to of succ.get(fn) ?? []) if (!kernel.has(to)) { kernel.set(to, { root: k.root, path: [...k.path, to], reason: k.reason }); queue.push(to) }
  }
  for (const [id, p] of pinned) if (!kernel.has(id)) kernel.set(id, p)

  const functions: FnInfo[] = all.map(f => ({ id: idOf.get(f)!, name: f.name, file: f.file, first: f.first, last: f.last, lines: f.lines, generated: generated(f.file) }))
  return {
    driver, functions, edges, roots, unknown, unresolved, kernel, annotations: annotationCount(overrides), atomicStarts, facts: fnOf,
    files: facts.map(f => ({ file: f.file, functions: f.functions.length, lines: f.functions.reduce((a, x) => a + x.lines, 0), parseErrors: f.errors })),
  }
}

export interface PartSummary { functions: number; lines: number }

export interface Partition {
  kernel: PartSummary
  user: PartSummary
  movablePct: number
  /** user-part functions the kernel reaches: registered callbacks and callees of kernel-part code (upcalls) */
  entryPoints: { fn: string; because: string[] }[]
  /** what user-part code calls in the kernel: kernel-part functions and kernel services (downcalls) */
  downcalls: { callee: string; kind: 'kernel-function' | 'kernel-service'; callers: string[] }[]
}

/** The summary of a partition: `user` holds the ids of the user part, `counted` the functions counted. */
export function summarize(a: Analysis, user: Set<string>, counted: (f: FnInfo) => boolean = f => !f.generated): Partition {
  const fns = a.functions.filter(counted)
  const sum = (xs: FnInfo[]) => ({ functions: xs.length, lines: xs.reduce((s, f) => s + f.lines, 0) })
  const k = sum(fns.filter(f => !user.has(f.id))), u = sum(fns.filter(f => user.has(f.id)))
  const entry = new Map<string, Set<string>>()
  const because = (fn: string, why: string) => entry.set(fn, new Set([...(entry.get(fn) ?? []), why]))
  for (const r of a.roots) if (user.has(r.fn)) because(r.fn, `registered: ${r.via} (${r.context})`)
  for (const e of a.edges) if (user.has(e.to) && !user.has(e.from)) because(e.to, `called by ${e.from}${e.kind === 'field' ? ` through ->${e.field}` : e.kind === 'argument' ? ' (passed to it)' : ''}`)
  const down = new Map<string, { kind: 'kernel-function' | 'kernel-service'; callers: Set<string> }>()
  const known = new Set(a.functions.map(f => f.id))
  for (const e of a.edges) if (user.has(e.from) && !user.has(e.to)) {
    const d = down.get(e.to) ?? { kind: 'kernel-function' as const, callers: new Set<string>() }
    d.callers.add(e.from); down.set(e.to, d)
  }
  const names = new Set(a.functions.map(f => f.name))
  for (const id of user) for (const c of a.facts.get(id)?.calls ?? []) {
    if (known.has(c.callee) || names.has(c.callee)) continue
    const d = down.get(c.callee) ?? { kind: 'kernel-service' as const, callers: new Set<string>() }
    d.callers.add(id); down.set(c.callee, d)
  }
  return {
    kernel: k, user: u, movablePct: pct(u.lines, k.lines + u.lines),
    entryPoints: [...entry].map(([fn, b]) => ({ fn, because: [...b].sort() })).sort((x, y) => x.fn.localeCompare(y.fn)),
    downcalls: [...down].map(([callee, d]) => ({ callee, kind: d.kind, callers: [...d.callers].sort() })).sort((x, y) => x.kind.localeCompare(y.kind) || x.callee.localeCompare(y.callee)),
  }
}

/** The analysis' own partition: every function outside the kernel part moves. */
export function movable(a: Analysis): Set<string> {
  return new Set(a.functions.map(f => f.id).filter(id => !a.kernel.has(id)))
}

export interface Violation { root: string; context: Context; via: string; path: string[] }

/**
 * Every path from an atomic root (or an atomic region) to code of the user part of a given
 * partition: the shortest per pair of root and user-part function, through kernel-part code only.
 */
export function violations(a: Analysis, user: Set<string>): Violation[] {
  const succ = new Map<string, string[]>()
  for (const e of a.edges) succ.set(e.from, [...new Set([...(succ.get(e.from) ?? []), e.to])])
  const out: Violation[] = []
  for (const s of a.atomicStarts) {
    const seen = new Map<string, string[]>([[s.fn, [s.fn]]])
    const q = [s.fn]
    while (q.length) {
      const fn = q.shift()!
      const path = seen.get(fn)!
      if (user.has(fn)) { out.push({ root: s.fn, context: s.context, via: s.via, path }); continue }
      for (const to of succ.get(fn) ?? []) if (!seen.has(to)) { seen.set(to, [...path, to]); q.push(to) }
    }
  }
  return out
}

export const pct = (part: number, whole: number) => whole ? Math.round((1000 * part) / whole) / 10 : 0
