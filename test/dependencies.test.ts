// The dependency rules of the tree, read from every #include and import line, so that the layout
// keeps saying what the architecture says (after Playwright's DEPS.list checks):
//  1. The runtime names no driver: kmod/core, kmod/include and udriver/lib include nothing of a
//     driver's folders, and udriver/mb-udriver.c only the runtime (its table of drivers is
//     generated, udriver/gen/drivers.c). Not even the word: no driver's name appears in them.
//  2. User space reaches kernel code only through the uapi header: nothing under udriver/ includes
//     anything under kmod/ but kmod/include/uapi/.
//  3. A k-driver reaches user-space code only for what both variants compile: its own driver's
//     portable control path and generated protocol (udriver/<driver>/), and the portable parts of
//     the runtime (udriver/lib/drvapi.h, fault.h, fault.c). Driver folders never reach another
//     driver's.
//  4. Scenarios are imported only by the CLI's command layer (orchestrator/cli/) and by tests; the
//     stages of orchestrator/ below it (base, host, image, vm, session, testbed, run, results,
//     slicer) never import them, and base/ imports no other stage.
import { expect } from 'chai'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { ROOT } from '../orchestrator/slicer/generate.ts'
import { SPECS } from '../orchestrator/slicer/specs/index.ts'

function walk(dir: string, ext: RegExp): string[] {
  const out: string[] = []
  for (const e of readdirSync(join(ROOT, dir))) {
    const p = join(dir, e)
    if (e === 'node_modules' || e === 'build' || e.startsWith('.')) continue
    if (statSync(join(ROOT, p)).isDirectory()) out.push(...walk(p, ext))
    else if (ext.test(e)) out.push(p)
  }
  return out
}

/** Every quoted #include of the C files under `dirs`, resolved from the including file. */
function includes(dirs: string[]): { from: string; to: string; line: string }[] {
  return dirs.flatMap(d => walk(d, /\.[ch]$/)).flatMap(from =>
    readFileSync(join(ROOT, from), 'utf8').split('\n').filter(l => /^\s*#\s*include\s+"/.test(l)).map(line => ({
      from, line: line.trim(), to: normalize(join(dirname(from), /"([^"]+)"/.exec(line)![1]!)),
    })))
}

/** Every relative import of the TypeScript files under `dirs`, resolved from the importing file. */
function imports(dirs: string[]): { from: string; to: string }[] {
  return dirs.flatMap(d => walk(d, /\.ts$/)).flatMap(from =>
    [...readFileSync(join(ROOT, from), 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]/g)].map(m => ({
      from, to: normalize(join(dirname(from), m[1]!)),
    })))
}

const drivers = SPECS.map(s => s.driver)
const driverDirs = drivers.flatMap(d => [`kmod/${d}/`, `udriver/${d}/`])
const under = (p: string, dir: string) => p === dir.replace(/\/$/, '') || p.startsWith(dir)
const RUNTIME = ['kmod/core', 'kmod/include', 'udriver/lib']
const show = (x: { from: string; line?: string; to: string }[]) => x.map(i => `${i.from}: ${i.line ?? ''} -> ${i.to}`)

describe('dependency rules of the tree', () => {
  it('has driver folders to check (one per spec) and finds the includes and imports it reads', () => {
    expect(drivers.length).to.be.greaterThan(0)
    expect(includes(['kmod']).length).to.be.greaterThan(20)
    expect(imports(['orchestrator']).length).to.be.greaterThan(20)
  })

  it('1. the runtime names no driver: no include of a driver folder, no driver name in its files', () => {
    const bad = includes([...RUNTIME, 'udriver/mb-udriver.c'].filter(d => !d.endsWith('.c'))).filter(i => driverDirs.some(d => under(i.to, d)))
    expect(show(bad)).to.deep.equal([])
    const daemon = readFileSync(join(ROOT, 'udriver/mb-udriver.c'), 'utf8')
    expect(daemon.split('\n').filter(l => /^\s*#\s*include\s+"/.test(l) && !/"lib\//.test(l))).to.deep.equal([])
    for (const file of [...RUNTIME.flatMap(d => walk(d, /\.[ch]$/)), 'udriver/mb-udriver.c']) {
      const text = readFileSync(join(ROOT, file), 'utf8')
      for (const d of drivers) expect(new RegExp(`\\b${d}\\b`, 'i').test(text), `${file} names the driver ${d}`).to.equal(false)
    }
  })

  it('2. user space reaches kernel code only through kmod/include/uapi/', () => {
    const bad = includes(['udriver']).filter(i => under(i.to, 'kmod/') && !under(i.to, 'kmod/include/uapi/'))
    expect(show(bad)).to.deep.equal([])
  })

  it("3. a k-driver reaches only its own driver's portable code and the runtime's portable parts; no driver reaches another's", () => {
    const portableLib = ['udriver/lib/drvapi.h', 'udriver/lib/fault.h', 'udriver/lib/fault.c']
    const bad = drivers.flatMap(d => includes([`kmod/${d}`]).filter(i => under(i.to, 'udriver/') && !under(i.to, `udriver/${d}/`) && !portableLib.includes(i.to)))
    expect(show(bad)).to.deep.equal([])
    const cross = drivers.flatMap(d => includes([`kmod/${d}`, `udriver/${d}`]).filter(i => drivers.some(o => o !== d && (under(i.to, `kmod/${o}/`) || under(i.to, `udriver/${o}/`)))))
    expect(show(cross)).to.deep.equal([])
  })

  it('4. scenarios are imported only by the CLI command layer and by tests; base/ imports no other stage', () => {
    const bad = imports(['orchestrator']).filter(i => under(i.to, 'scenarios/') && !under(i.from, 'orchestrator/cli/'))
    expect(show(bad)).to.deep.equal([])
    const base = imports(['orchestrator/base']).filter(i => under(i.to, 'orchestrator/') && !under(i.to, 'orchestrator/base/'))
    expect(show(base)).to.deep.equal([])
  })
})
