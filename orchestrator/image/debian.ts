// Debian packages for the guest: resolve versions with apt-cache, download with apt-get into a
// cache (no root-filesystem install), unpack with dpkg-deb. Every version is recorded.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { HostError } from '../base/errors.ts'
import type { Log } from '../base/log.ts'

export interface PackageInfo { name: string; version: string; sha256?: string; size?: number }

const isRoot = () => process.getuid?.() === 0
let updated = false

async function aptCache(args: string[], log: Log): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const r = await execa('apt-cache', args, { reject: false, env: { LC_ALL: 'C' } })
    if (r.exitCode === 0 && r.stdout.trim() !== '') return r.stdout
    // Empty or stale package lists: refresh once when we may, else say how.
    if (attempt === 0 && isRoot() && !updated) {
      log.step('apt package lists are missing or stale: running apt-get update')
      await execa('apt-get', ['update'], { reject: false })
      updated = true
      continue
    }
    throw new HostError(`apt-cache ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`, {
      hint: isRoot() ? 'check /etc/apt/sources.list reaches a Debian 12 (bookworm) mirror' : 'run: sudo apt-get update',
    })
  }
}

/** The candidate version of each package, as apt would install it. */
export async function resolvePackages(names: string[], log: Log): Promise<Map<string, PackageInfo>> {
  const out = new Map<string, PackageInfo>()
  const text = await aptCache(['show', '--no-all-versions', ...names], log)
  for (const stanza of text.split(/\n\n+/)) {
    const field = (f: string) => new RegExp(`^${f}: (.*)$`, 'm').exec(stanza)?.[1]
    const name = field('Package'), version = field('Version')
    if (name && version && !out.has(name)) out.set(name, { name, version, sha256: field('SHA256'), size: Number(field('Size')) || undefined })
  }
  const missing = names.filter(n => !out.has(n))
  if (missing.length) throw new HostError(`Debian has no package named ${missing.join(', ')}`, { hint: 'check images/guest.json' })
  return out
}

/** The kernel ABI the meta-package points at, e.g. linux-image-amd64 → 6.1.0-56-amd64. */
export async function resolveKernelAbi(meta: string, log: Log): Promise<string> {
  const text = await aptCache(['depends', meta], log)
  const m = /Depends: linux-image-(\d[^\s]*-amd64)(?:-unsigned)?\b/.exec(text)
  if (!m) throw new HostError(`cannot tell which kernel ${meta} depends on`, { evidence: text })
  return m[1]!
}

/** Every shared-library package the given packages need, recursively (Depends and Pre-Depends). */
export async function libraryPackages(names: string[], log: Log): Promise<string[]> {
  const text = await aptCache(['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', ...names], log)
  const all = new Set(text.split('\n').filter(l => /^\S/.test(l) && !l.startsWith('<')).map(l => l.trim()))
  return [...all].filter(p => /^(lib\S+|zlib1g)$/.test(p) && !/perl|-common$|-bin$|-modules/.test(p)).sort()
}

/** Downloads one package version into cacheDir/debs/NAME/VERSION/ unless already there; returns the .deb path. */
export async function download(pkg: PackageInfo, cacheDir: string, log: Log): Promise<string> {
  const dir = join(cacheDir, 'debs', pkg.name, pkg.version.replace(/:/g, '%3a'))
  const found = existsSync(dir) ? readdirSync(dir).filter(f => f.endsWith('.deb')) : []
  if (found.length === 1) return join(dir, found[0]!)
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  log.cmd(`apt-get download ${pkg.name}=${pkg.version}`)
  const r = await execa('apt-get', ['download', `${pkg.name}=${pkg.version}`], { cwd: tmp, reject: false, env: { LC_ALL: 'C' } })
  const debs = readdirSync(tmp).filter(f => f.endsWith('.deb'))
  if (r.exitCode !== 0 || debs.length !== 1) {
    rmSync(tmp, { recursive: true, force: true })
    throw new HostError(`could not download ${pkg.name}=${pkg.version}`, { evidence: (r.stderr || r.stdout).slice(-1500), hint: 'check the network path to the Debian mirror; run `apt-get update` if the version is gone' })
  }
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, '..'), { recursive: true })
  renameSync(tmp, dir)
  return join(dir, debs[0]!)
}

/** Unpacks a .deb into dest (atomically: a half-unpacked tree is never left at dest). */
export async function unpack(deb: string, dest: string): Promise<string> {
  if (existsSync(dest)) return dest
  const tmp = `${dest}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  await execa('dpkg-deb', ['-x', deb, tmp])
  mkdirSync(join(dest, '..'), { recursive: true })
  renameSync(tmp, dest)
  return dest
}

/**
 * A fingerprint of everything apt's answers depend on (package lists, sources, pinning, installed
 * state): while it is unchanged, resolving the same names gives the same versions, so the answer
 * can be reused without starting apt-cache (which takes ~0.6 s a call).
 */
export function aptFingerprint(): string {
  const h = createHash('sha256')
  const add = (p: string) => {
    try {
      const st = statSync(p)
      if (st.isDirectory()) { for (const f of readdirSync(p).sort()) if (f !== 'lock' && f !== 'partial') add(join(p, f)) }
      else h.update(`${p}\0${st.size}\0${st.mtimeMs}\n`)
    } catch { h.update(`${p}\0absent\n`) }
  }
  for (const p of ['/var/lib/apt/lists', '/etc/apt/sources.list', '/etc/apt/sources.list.d', '/etc/apt/preferences', '/etc/apt/preferences.d', '/var/lib/dpkg/status']) add(p)
  return h.digest('hex')
}
