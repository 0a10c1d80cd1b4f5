// The splitter's parser: C source to facts, with tree-sitter (web-tree-sitter and the tree-sitter-c
// grammar's wasm; no compiler, no headers). Per function: where it is, its code lines (split-stats'
// rule), its calls in source order with the atomic region each one is in, its indirect calls; per
// file: the functions stored into fields (ops initializers, `x->f = fn`) and passed to calls
// (registrations). The driver's own function-like macros are expanded at their call sites, so a
// call a macro hides (a register helper, a locked section) is seen where the macro is used.
import { createRequire } from 'node:module'
import { Language, Parser, type Node } from 'web-tree-sitter'
import { codeLines } from '../splitstats.ts'
import { LOCKS } from './contexts.ts'

export interface CallFact {
  callee: string
  line: number
  /** the innermost atomic region open at the call (kind of LOCKS), if any */
  region?: string
  /** the driver macro the call was found in, outermost first */
  via?: string
}

export interface IndirectFact {
  /** the field called through (`p->f(...)`, `p.f(...)`), if the callee is a field */
  field?: string
  /** the callee expression as written */
  expr: string
  line: number
  region?: string
  via?: string
}

export interface RefFact {
  /** an identifier that may name a function (resolved against the function table later) */
  name: string
  line: number
  /** passed as argument `arg` to a call of `call` */
  call?: string
  arg?: number
  /** stored into this field: `.field = name` in an initializer of `struct` (if known), or `x->field = name` */
  field?: string
  struct?: string
  /** from a designated initializer (`.field = name`) rather than an assignment */
  initializer?: boolean
  /** the function it appears in, if any */
  inFunction?: string
  via?: string
}

export interface LockRegionFact { kind: string; open: string; line: number }

export interface FunctionFact {
  name: string
  file: string
  /** the compiled file whose translation unit holds it (differs for an #include'd .c) */
  unit: string
  first: number
  last: number
  lines: number
  isStatic: boolean
  calls: CallFact[]
  indirect: IndirectFact[]
  regions: LockRegionFact[]
  /** its parameters and local variables: a call through one is an indirect call */
  locals: string[]
}

export interface MacroFact { name: string; params: string[]; variadic: boolean; body: string; file: string; line: number }

export interface FileFacts {
  file: string
  functions: FunctionFact[]
  refs: RefFact[]
  /** struct tags the file defines (a struct with a body): the driver's own, not the kernel's */
  structs: string[]
  /** tree-sitter could not parse some of it (macro-heavy code): the number of ERROR nodes */
  errors: number
}

let parser: Parser | undefined

/** The C parser, loaded once (the grammar's wasm from the tree-sitter-c package). */
export async function cParser(): Promise<Parser> {
  if (parser) return parser
  const require = createRequire(import.meta.url)
  await Parser.init()
  const wasm = require.resolve('tree-sitter-c/tree-sitter-c.wasm')
  const C = await Language.load(wasm)
  const p = new Parser()
  p.setLanguage(C)
  parser = p
  return p
}

/**
 * The kernel's attribute and section macros (`static int __init f(void)`, `void __iomem *p`) make
 * tree-sitter, which does not expand them, lose the definition: they are blanked, keeping every
 * line and column where it was.
 */
const ATTRIBUTES = /\b(__init|__exit|__initdata|__exitdata|__initconst|__cold|__hot|__maybe_unused|__always_unused|__always_inline|noinline|__noinline|__must_check|__user|__iomem|__force|__rcu|__percpu|__read_mostly|__ref|__refdata|__devinit|__devexit|__visible|__weak|__noreturn|__pure|__sched)\b/g

export function blankAttributes(src: string): string {
  return src.replace(ATTRIBUTES, m => ' '.repeat(m.length))
}

/** Every `#define NAME(params) body` of a file. */
export function macrosOf(p: Parser, file: string, src: string): MacroFact[] {
  const tree = p.parse(src)
  if (!tree) throw new Error(`tree-sitter could not parse ${file}`)
  const out: MacroFact[] = []
  for (const m of tree.rootNode.descendantsOfType('preproc_function_def')) {
    if (!m) continue
    const name = m.childForFieldName('name')?.text
    const params = m.childForFieldName('parameters')
    if (!name || !params) continue
    const ps = params.namedChildren.filter((c): c is Node => !!c).map(c => c.text)
    const variadic = params.text.includes('...')
    const body = (m.childForFieldName('value')?.text ?? '').replace(/\\\r?\n/g, ' ').trim()
    out.push({ name, params: ps.filter(x => x !== '...'), variadic, body, file, line: m.startPosition.row + 1 })
  }
  tree.delete()
  return out
}

/** The text a macro call expands to, or undefined when the arguments do not fit its parameters. */
export function expandMacro(m: MacroFact, args: string[]): string | undefined {
  if (args.length < m.params.length || (!m.variadic && args.length > m.params.length && !(m.params.length === 0 && args.length === 1 && args[0] === ''))) return undefined
  const map = new Map<string, string>(m.params.map((p, i) => [p, args[i]!]))
  const rest = args.slice(m.params.length)
  map.set('__VA_ARGS__', rest.join(', '))
  let body = m.body
  // `, ## __VA_ARGS__` drops the comma when nothing is passed (GNU).
  if (!rest.length) body = body.replace(/,\s*##\s*__VA_ARGS__/g, '')
  body = body.replace(/#\s*(\w+)/g, (all, id: string) => all.startsWith('##') ? all : map.has(id) ? JSON.stringify(map.get(id)) : all)
  body = body.replace(/\b[A-Za-z_]\w*\b/g, id => map.get(id) ?? id)
  return body.replace(/\s*##\s*/g, '')
}

const lockKind = (name: string): { kind: string; open: boolean } | undefined => {
  for (const l of LOCKS) {
    if (l.open.test(name)) return { kind: l.kind, open: true }
    if (l.close.test(name)) return { kind: l.kind, open: false }
  }
  return undefined
}

/** The identifier a function definition defines. */
function definedName(fn: Node): string | undefined {
  let d: Node | null = fn.childForFieldName('declarator')
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator')
  let id = d?.childForFieldName('declarator')
  while (id && id.type !== 'identifier') id = id.childForFieldName('declarator') ?? id.namedChild(0)
  return id?.text
}

/** The function an argument or a stored value names, if it is a bare identifier, &name or a cast of one. */
function refName(n: Node | null): string | undefined {
  while (n && (n.type === 'pointer_expression' || n.type === 'cast_expression' || n.type === 'parenthesized_expression')) {
    n = n.type === 'cast_expression' ? n.childForFieldName('value') : n.type === 'pointer_expression' ? n.childForFieldName('argument') : n.namedChild(0)
  }
  return n?.type === 'identifier' ? n.text : undefined
}

/** The struct tag of the declaration an initializer belongs to (`struct net_device_ops x = {...}`). */
function initializerStruct(n: Node): string | undefined {
  for (let p: Node | null = n.parent; p; p = p.parent) {
    if (p.type === 'initializer_pair' && p !== n) return undefined // nested: the inner struct's type is not written
    if (p.type === 'declaration' || p.type === 'compound_literal_expression') {
      const t = p.childForFieldName('type')
      return t?.type === 'struct_specifier' ? t.childForFieldName('name')?.text : undefined
    }
  }
  return undefined
}

/** The names a function declares: its parameters and the variables of its body. */
function localsOf(fn: Node): string[] {
  const names = new Set<string>()
  const declared = (d: Node | null) => {
    // the name in a declarator: through pointers, arrays, parentheses and function-pointer syntax
    while (d && d.type !== 'identifier') d = d.childForFieldName('declarator') ?? (d.type === 'parenthesized_declarator' ? d.namedChild(0) : null)
    if (d) names.add(d.text)
  }
  let fd: Node | null = fn.childForFieldName('declarator')
  while (fd && fd.type !== 'function_declarator') fd = fd.childForFieldName('declarator')
  for (const p of fd?.childForFieldName('parameters')?.namedChildren ?? []) if (p?.type === 'parameter_declaration') declared(p.childForFieldName('declarator'))
  for (const d of fn.childForFieldName('body')?.descendantsOfType('declaration') ?? []) {
    for (const c of d?.childrenForFieldName('declarator') ?? []) declared(c?.type === 'init_declarator' ? c.childForFieldName('declarator') : c)
  }
  return [...names]
}

interface WalkState {
  fn?: FunctionFact
  /** open atomic regions: kind and the compound-statement depth it was opened at */
  open: { kind: string; depth: number; name: string }[]
  refs: RefFact[]
  via: string[]
  /** the functions a local variable was set to */
  localFns: Map<string, string[]>
}

/**
 * Parses the files of one driver. `files` maps a path to its text and its translation unit (the
 * compiled .c); macros are those of every file given, so a header's macros apply everywhere.
 */
export async function parseDriver(files: { file: string; unit: string; src: string }[]): Promise<FileFacts[]> {
  const p = await cParser()
  const macros = new Map<string, MacroFact>()
  for (const f of files) for (const m of macrosOf(p, f.file, f.src)) if (!macros.has(m.name)) macros.set(m.name, m)
  const expansions = new Map<string, Node | null>()
  const trees: { delete(): void }[] = []

  /** The expansion of a macro call, parsed as the body of a function (cached by its text). */
  const expansion = (text: string): Node | null => {
    if (expansions.has(text)) return expansions.get(text)!
    const t = p.parse(`void __microbed_expansion(void) {\n${text};\n}\n`)
    trees.push(t!)
    const body = t?.rootNode.descendantsOfType('compound_statement')[0] ?? null
    expansions.set(text, body)
    return body
  }

  const out: FileFacts[] = []
  for (const f of files) {
    const tree = p.parse(blankAttributes(f.src))
    if (!tree) throw new Error(`tree-sitter could not parse ${f.file}`)
    trees.push(tree)
    const lines = f.src.split('\n')
    const facts: FileFacts = { file: f.file, functions: [], refs: [], structs: [], errors: tree.rootNode.descendantsOfType('ERROR').length }
    for (const s of tree.rootNode.descendantsOfType('struct_specifier')) {
      const name = s?.childForFieldName('name')?.text
      if (s && name && s.childForFieldName('body')) facts.structs.push(name)
    }

    const walk = (n: Node, st: WalkState, depth: number, line?: number): void => {
      const at = line ?? n.startPosition.row + 1
      const region = () => st.open.length ? st.open[st.open.length - 1]!.kind : undefined
      const via = () => st.via.length ? st.via.join(' > ') : undefined
      if (n.type === 'compound_statement') depth++
      if (n.type === 'call_expression') {
        const callee = n.childForFieldName('function')
        const argNodes = (n.childForFieldName('arguments')?.namedChildren ?? []).filter((c): c is Node => !!c && c.type !== 'comment')
        const local = callee?.type === 'identifier' && st.fn?.locals.includes(callee.text)
        const name = callee?.type === 'identifier' && !local ? callee.text : undefined
        const macro = name ? macros.get(name) : undefined
        const expanded = macro && !st.via.includes(macro.name) && st.via.length < 8
          ? expandMacro(macro, argNodes.map(a => a.text)) : undefined
        if (macro && expanded !== undefined) {
          const body = expansion(expanded)
          if (body) {
            st.via.push(macro.name)
            walk(body, st, depth - 1, at)
            st.via.pop()
          }
          return
        }
        if (name) {
          const lk = lockKind(name)
          if (st.fn) st.fn.calls.push({ callee: name, line: at, region: region(), via: via() })
          if (lk?.open) {
            st.open.push({ kind: lk.kind, depth, name })
            st.fn?.regions.push({ kind: lk.kind, open: name, line: at })
          } else if (lk) {
            // An unlock deeper than its lock is an early exit (`if (x) { unlock; return; }`):
            // the region goes on for the code after it.
            const i = st.open.map(o => o.kind).lastIndexOf(lk.kind)
            if (i >= 0 && st.open[i]!.depth >= depth) st.open.splice(i, 1)
          }
        } else if (callee && (callee.type === 'string_literal' || callee.type === 'concatenated_string' || /^\(\s*(const\s+|unsigned\s+|enum\s+|struct\s+)?[A-Za-z_]\w*\s*\**\s*\)$/.test(callee.text))) {
          // not a call: `(u8)(x)` is a cast tree-sitter cannot tell from one without the typedef;
          // `"…" __MODULE_STRING(x)` a string
        } else if (callee && st.fn) {
          const field = callee.type === 'field_expression' ? callee.childForFieldName('field')?.text : undefined
          st.fn.indirect.push({ field, expr: callee.text, line: at, region: region(), via: via() })
        }
        argNodes.forEach((a, i) => {
          const r = refName(a)
          // a local holding a function (`irq_handler_t handler = e1000_intr; request_irq(…, handler, …)`)
          for (const v of r ? [r, ...(st.localFns.get(r) ?? [])] : []) {
            if (name) st.refs.push({ name: v, line: at, call: name, arg: i, inFunction: st.fn?.name, via: via() })
          }
        })
        if (callee && !name) walk(callee, st, depth, line)
        for (const a of argNodes) walk(a, st, depth, line)
        return
      }
      if (n.type === 'initializer_pair') {
        const field = n.namedChildren.find(c => c?.type === 'field_designator')?.namedChild(0)?.text
        const value = n.childForFieldName('value')
        const r = refName(value)
        if (field && r) st.refs.push({ name: r, line: at, field, struct: initializerStruct(n), initializer: true, inFunction: st.fn?.name, via: via() })
      }
      if (n.type === 'init_declarator' && st.fn) {
        const id = n.childForFieldName('declarator'), r = refName(n.childForFieldName('value'))
        if (id?.type === 'identifier' && r) st.localFns.set(id.text, [...(st.localFns.get(id.text) ?? []), r])
      }
      if (n.type === 'assignment_expression') {
        const left = n.childForFieldName('left')
        const r = refName(n.childForFieldName('right'))
        if (left?.type === 'identifier' && r && st.fn?.locals.includes(left.text)) st.localFns.set(left.text, [...(st.localFns.get(left.text) ?? []), r])
        if (left?.type === 'field_expression' && r) st.refs.push({ name: r, line: at, field: left.childForFieldName('field')?.text, inFunction: st.fn?.name, via: via() })
      }
      if (n.type === 'function_definition') {
        const name = definedName(n)
        if (name) {
          const first = n.startPosition.row + 1, last = n.endPosition.row + 1
          const isStatic = n.namedChildren.some(c => c?.type === 'storage_class_specifier' && c.text === 'static')
          const fn: FunctionFact = { name, file: f.file, unit: f.unit, first, last, lines: codeLines(lines.slice(first - 1, last).join('\n')), isStatic, calls: [], indirect: [], regions: [], locals: localsOf(n) }
          const prev = facts.functions.find(x => x.name === name)
          if (prev) {
            // defined twice under #if/#else: one function whose facts are both branches'
            prev.first = Math.min(prev.first, first); prev.last = Math.max(prev.last, last); prev.lines += fn.lines
            walk(n.childForFieldName('body')!, { fn: prev, open: [], refs: st.refs, via: [], localFns: new Map() }, 0)
          } else {
            facts.functions.push(fn)
            const body = n.childForFieldName('body')
            if (body) walk(body, { fn, open: [], refs: st.refs, via: [], localFns: new Map() }, 0)
          }
          return
        }
      }
      for (const c of n.children) if (c) walk(c, st, depth, line)
    }
    walk(tree.rootNode, { open: [], refs: facts.refs, via: [], localFns: new Map() }, 0)
    out.push(facts)
  }
  for (const t of trees) t.delete()
  return out
}
