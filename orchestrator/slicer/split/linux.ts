// The Linux drivers the splitter measures, from Debian's linux-source package of the guest kernel's
// version: downloaded once through the project's Debian downloader into .cache/debs, and only the
// paths the analysis reads are extracted from its tarball into .cache/linux-source/<version>/.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { HostError, UsageError } from '../../base/errors.ts'
import type { Log } from '../../base/log.ts'
import { paths } from '../../base/options.ts'
import { download, resolveKernelAbi, resolvePackages, type PackageInfo } from '../../image/debian.ts'
import { analyze, movable, summarize, type Analysis, type Partition } from './analyze.ts'
import { overridesOf } from './overrides/index.ts'
import { parseDriver } from './parse.ts'

/** A Linux driver the splitter knows: its source files and its own headers, inside the tree. */
export interface LinuxDriver {
  name: string
  /** .c files analysed, relative to the tree's root */
  sources: string[]
  /** the driver's own headers (their function-like macros are expanded, their inline functions counted) */
  headers: string[]
  doc: string
}

const E1000 = 'drivers/net/ethernet/intel/e1000'
const REALTEK = 'drivers/net/ethernet/realtek'

export const LINUX_DRIVERS: LinuxDriver[] = [
  { name: 'e1000', doc: 'Intel PRO/1000 (8254x), the chip our e1000 microdriver drives',
    sources: ['e1000_main.c', 'e1000_hw.c', 'e1000_ethtool.c', 'e1000_param.c'].map(f => `${E1000}/${f}`),
    headers: ['e1000.h', 'e1000_hw.h', 'e1000_osdep.h'].map(f => `${E1000}/${f}`) },
  { name: '8139too', doc: 'RealTek RTL8139, the driver the paper split', sources: [`${REALTEK}/8139too.c`], headers: [] },
  { name: '8139cp', doc: 'RealTek RTL8139C+, the guest\'s native driver for QEMU\'s RTL8139', sources: [`${REALTEK}/8139cp.c`], headers: [] },
]

/** The kernel's documentation of the callbacks' contexts, extracted beside the drivers. */
export const NETDEVICES_RST = 'Documentation/networking/netdevices.rst'

export function linuxDriver(name: string): LinuxDriver {
  const d = LINUX_DRIVERS.find(x => x.name === name)
  if (!d) throw new UsageError(`no Linux driver "${name}" in the splitter's list`, `--linux takes ${LINUX_DRIVERS.map(x => x.name).join(', ')} or all`)
  return d
}

export interface LinuxTree {
  /** the extracted tree (only the paths above) */
  root: string
  pkg: PackageInfo
  /** the guest kernel package whose version it matches */
  kernelPkg: PackageInfo
  /** one-time costs of this call: 0 when the cache already had them */
  downloadMs: number
  extractMs: number
}

/**
 * The source of the guest kernel: linux-source-<major.minor> at the version of the kernel the
 * image boots (linux-image-amd64's ABI), downloaded and extracted once.
 */
export async function linuxTree(log: Log, cacheDir = paths.cache): Promise<LinuxTree> {
  const abi = await resolveKernelAbi('linux-image-amd64', log)
  const series = abi.split('.').slice(0, 2).join('.')
  const kernelName = `linux-image-${abi}`, sourceName = `linux-source-${series}`
  const info = await resolvePackages([kernelName, sourceName], log)
  const kernelPkg = info.get(kernelName)!
  let pkg = info.get(sourceName)!
  if (pkg.version !== kernelPkg.version) {
    // apt's candidate moved ahead of (or behind) the kernel: ask for the kernel's version itself.
    pkg = { name: sourceName, version: kernelPkg.version }
  }
  const root = join(cacheDir, 'linux-source', `${pkg.name}_${pkg.version.replace(/:/g, '%3a')}`)
  const wanted = [...LINUX_DRIVERS.flatMap(d => [...d.sources, ...d.headers]), NETDEVICES_RST]
  if (existsSync(join(root, '.complete'))) return { root, pkg, kernelPkg, downloadMs: 0, extractMs: 0 }

  const t0 = Date.now()
  let deb: string
  try {
    deb = await download(pkg, cacheDir, log)
  } catch (e) {
    if (pkg.version === info.get(sourceName)!.version) throw e
    throw new HostError(`Debian has ${sourceName} ${info.get(sourceName)!.version}, not ${pkg.version} (the guest kernel's version), and the download of that version failed`, {
      hint: 'run `apt-get update`; if the mirror dropped that version, rebuild the image so the guest kernel moves to the current one', cause: e,
    })
  }
  const downloadMs = Date.now() - t0
  const t1 = Date.now()
  const tmp = `${root}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  try {
    // The .deb holds usr/src/linux-source-X.Y.tar.xz: take that one member, then only our paths from it.
    const tarball = `./usr/src/${sourceName}.tar.xz`
    const fsys = await execa('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" "$3"', 'sh', deb, tmp, tarball], { reject: false })
    if (fsys.exitCode !== 0) throw new HostError(`${deb} has no ${tarball}`, { evidence: fsys.stderr, hint: `remove ${deb} and run again to download it afresh` })
    const top = sourceName
    const r = await execa('tar', ['-xJf', join(tmp, tarball), '-C', tmp, '--strip-components=1', ...wanted.map(p => `${top}/${p}`)], { reject: false })
    if (r.exitCode !== 0) {
      throw new HostError(`extracting ${wanted.length} paths from ${sourceName}'s tarball failed`, {
        evidence: r.stderr.slice(-1500), hint: 'a path of LINUX_DRIVERS (orchestrator/slicer/split/linux.ts) may have moved in this kernel version',
      })
    }
    rmSync(join(tmp, 'usr'), { recursive: true, force: true })
    writeFileSync(join(tmp, '.complete'), JSON.stringify({ pkg, kernelPkg, paths: wanted }, null, 1))
    rmSync(root, { recursive: true, force: true })
    mkdirSync(join(root, '..'), { recursive: true })
    renameSync(tmp, root)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  const extractMs = Date.now() - t1
  log.info(`${sourceName} ${pkg.version}: downloaded in ${(downloadMs / 1000).toFixed(1)} s, ${wanted.length} paths extracted in ${(extractMs / 1000).toFixed(1)} s`)
  return { root, pkg, kernelPkg, downloadMs, extractMs }
}

export interface LinuxReport {
  driver: string
  tree: { pkg: PackageInfo; kernelPkg: PackageInfo; root: string }
  analysis: Analysis
  best: Partition
  elapsedMs: number
}

/** Analyses one Linux driver from an extracted tree (linuxTree's root). */
export async function sliceLinux(name: string, tree: Pick<LinuxTree, 'root' | 'pkg' | 'kernelPkg'>): Promise<LinuxReport> {
  const t0 = Date.now()
  const d = linuxDriver(name)
  const files = [...d.headers, ...d.sources].map(file => {
    const p = join(tree.root, file)
    if (!existsSync(p)) throw new HostError(`${file} is missing from ${tree.root}`, { hint: `remove ${tree.root} and run again to extract it afresh` })
    return { file, unit: file, src: readFileSync(p, 'utf8') }
  })
  const facts = await parseDriver(files)
  const analysis = analyze(`linux/${name}`, facts, overridesOf(`linux/${name}`))
  const best = summarize(analysis, movable(analysis))
  return { driver: `linux/${name}`, tree: { pkg: tree.pkg, kernelPkg: tree.kernelPkg, root: tree.root }, analysis, best, elapsedMs: Date.now() - t0 }
}
