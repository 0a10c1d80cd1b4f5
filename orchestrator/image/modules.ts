// Kernel module load order. The unpacked Debian kernel package has no modules.dep, so the order
// is computed from each module's .modinfo "depends=" field: dependencies first, each module once.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { moduleDepends } from './elf.ts'

export const modName = (s: string) => s.replace(/\.ko(\.xz|\.zst|\.gz)?$/, '').replace(/.*\//, '').replace(/-/g, '_')

export interface ModuleIndex {
  /** module name (underscored) → path relative to the modules root */
  files: Map<string, string>
  builtin: Set<string>
  depends(name: string): string[]
}

export function indexModules(modulesRoot: string): ModuleIndex {
  const files = new Map<string, string>()
  const walk = (dir: string) => {
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, ent.name)
      if (ent.isDirectory()) walk(p)
      else if (/\.ko$/.test(ent.name)) files.set(modName(ent.name), relative(modulesRoot, p))
      else if (/\.ko\.(xz|zst|gz)$/.test(ent.name)) throw new Error(`compressed module ${p}: this kernel compresses modules, which the image builder does not support yet`)
    }
  }
  walk(modulesRoot)
  const builtinFile = join(modulesRoot, 'modules.builtin')
  const builtin = new Set(existsSync(builtinFile) ? readFileSync(builtinFile, 'utf8').split('\n').filter(Boolean).map(modName) : [])
  const cache = new Map<string, string[]>()
  return {
    files, builtin,
    depends(name) {
      let d = cache.get(name)
      if (!d) {
        const rel = files.get(name)
        if (!rel) throw new Error(`module ${name} not found`)
        d = moduleDepends(readFileSync(join(modulesRoot, rel))).map(modName)
        cache.set(name, d)
      }
      return d
    },
  }
}

/**
 * The modules to load, in order, so that `wanted` can be loaded: dependencies before dependants,
 * built-in ones skipped. Throws on a missing module or a dependency cycle.
 */
export function loadOrder(wanted: string[], idx: Pick<ModuleIndex, 'files' | 'builtin' | 'depends'>): string[] {
  const order: string[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (name: string, chain: string[]) => {
    if (idx.builtin.has(name)) return
    const s = state.get(name)
    if (s === 'done') return
    if (s === 'visiting') throw new Error(`module dependency cycle: ${[...chain, name].join(' → ')}`)
    if (!idx.files.has(name)) throw new Error(`module ${name} (needed by ${chain.length ? chain[chain.length - 1] : 'the image'}) is neither in the kernel package nor built in`)
    state.set(name, 'visiting')
    for (const dep of idx.depends(name)) visit(dep, [...chain, name])
    state.set(name, 'done')
    order.push(name)
  }
  for (const w of wanted) visit(modName(w), [])
  return order
}
