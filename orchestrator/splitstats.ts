// Split statistics: how much of the e1000 driver's own code runs in user space under `split`.
// The file lists come from the build files themselves (kmod/e1000/Kbuild for the split k-driver,
// udriver/Makefile's HW list for the control path), so they cannot drift from what is built.
// Lines are counted without blanks and comments; the runtime (kmod/core, udriver/lib) and the
// monolithic-only glue are not the driver's own code and are left out.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { paths } from './options.ts'

/** Lines of C that are neither blank nor only comment. */
export function codeLines(src: string): number {
  const noBlock = src.replace(/\/\*[\s\S]*?\*\//g, m => m.replace(/[^\n]/g, ''))
  return noBlock.split('\n').filter(l => l.replace(/\/\/.*$/, '').trim() !== '').length
}

/** Expands a make variable list such as `common := main.o ring.o` with $(common) references. */
function makeList(text: string, name: string, vars: Record<string, string[]> = {}): string[] {
  const m = new RegExp(`^${name.replace(/[-+]/g, '\\$&')}\\s*:?=\\s*((?:.*\\\\\\n)*.*)$`, 'm').exec(text)
  if (!m) throw new Error(`no "${name} :=" in the build file`)
  return m[1]!.replace(/\\\n/g, ' ').split(/\s+/).filter(Boolean).flatMap(w => {
    const ref = /^\$\((\w+)\)$/.exec(w)
    return ref ? (vars[ref[1]!] ?? makeList(text, ref[1]!)) : [w]
  })
}

export interface SplitStats {
  kernel: { file: string; lines: number }[]
  user: { file: string; lines: number }[]
  kernelLines: number
  userLines: number
  userSharePct: number
}

export function e1000SplitStats(root = paths.root): SplitStats {
  const kbuild = readFileSync(join(root, 'kmod/e1000/Kbuild'), 'utf8')
  const splitBlock = kbuild.slice(kbuild.indexOf('ifeq ($(MB_VARIANT),split)'))
  const common = makeList(kbuild, 'common')
  const kernelC = makeList(splitBlock, 'mb_e1000_split-y', { common }).map(o => `kmod/e1000/${o.replace(/\.o$/, '.c')}`)
  const kernelH = readdirSync(join(root, 'kmod/e1000')).filter(f => f.endsWith('.h')).map(f => `kmod/e1000/${f}`)
  const userC = makeList(readFileSync(join(root, 'udriver/Makefile'), 'utf8'), 'HW').map(f => `udriver/${f}`)
  const userH = readdirSync(join(root, 'udriver/e1000')).filter(f => f.endsWith('.h') && f !== 'e1000_udrv.h').map(f => `udriver/e1000/${f}`)
  const count = (files: string[]) => files.map(file => {
    if (!existsSync(join(root, file))) throw new Error(`${file} is named by the build files but does not exist`)
    return { file, lines: codeLines(readFileSync(join(root, file), 'utf8')) }
  })
  const kernel = count([...kernelC, ...kernelH])
  const user = count([...userC, ...userH])
  const kernelLines = kernel.reduce((a, f) => a + f.lines, 0)
  const userLines = user.reduce((a, f) => a + f.lines, 0)
  return { kernel, user, kernelLines, userLines, userSharePct: Math.round((1000 * userLines) / (kernelLines + userLines)) / 10 }
}

export function renderSplitStats(s: SplitStats): string {
  const rows = (side: string, fs: { file: string; lines: number }[]) => fs.map(f => `  ${side.padEnd(6)} ${String(f.lines).padStart(5)}  ${f.file}`)
  return [
    'e1000 driver lines (no blanks, no comments; the runtime, kmod/core and udriver/lib, excluded)',
    ...rows('kernel', SplitStatsSort(s.kernel)), ...rows('user', SplitStatsSort(s.user)),
    `kernel part (mb_e1000_split.ko): ${s.kernelLines} lines`,
    `user part (control path in mb-udriver): ${s.userLines} lines`,
    `moved out of the kernel: ${s.userSharePct}% (the paper moved up to 65%)`,
  ].join('\n')
}

const SplitStatsSort = (fs: { file: string; lines: number }[]) => [...fs].sort((a, b) => b.lines - a.lines)
