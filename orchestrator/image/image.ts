// The guest image: Debian's kernel and packages, downloaded into a cache and unpacked (no
// root-filesystem install), our kernel modules built against Debian's unpacked headers, and an
// initramfs assembled by our own cpio writer. Content-addressed: the image directory is named by
// a hash of every input, so an unchanged input is never rebuilt; a manifest records every version.
import { execFileSync } from 'node:child_process'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { execa } from 'execa'
import { pidAlive } from '../base/cleanup.ts'
import { buildCpio, type CpioEntry } from './cpio.ts'
import { aptFingerprint, download, libraryPackages, resolveKernelAbi, resolvePackages, unpack, type PackageInfo } from './debian.ts'
import { isElf, modinfo, moduleDepends, neededLibraries } from './elf.ts'
import { HostError, describeExit, errorMessage } from '../base/errors.ts'
import type { Log } from '../base/log.ts'
import { indexModules, loadOrder, modName } from './modules.ts'
import { allGuestModules } from '../testbed/nics.ts'
import { paths } from '../base/options.ts'

export interface ImageRecipe {
  kernelMetaPackage: string
  packages: string[]
  programs: string[]
  kmods: string[]
  /** Programs built from udriver/ (static), installed in /usr/sbin. */
  userspace: string[]
}

export interface Image {
  dir: string
  hash: string
  kernel: string // path of the PVH-bootable vmlinux
  initramfs: string
  sshKey: string // private key that logs in as root
  hostKey: string // the guests' SSH host key, an OpenSSH public key line: the client checks it
  manifest: Manifest
  built: boolean // false when an existing image was reused
}

export interface Manifest {
  hash: string
  builtAt: string
  kernelAbi: string
  kernelPackage: PackageInfo
  packages: PackageInfo[]
  kmods: { name: string; vermagic: string }[]
  modules: Record<string, string[]> // top-level module → load order
  sources: Record<string, string> // input file → sha256
  initramfsBytes: number
}

const ROOT = paths.root

export function loadRecipe(file = join(ROOT, 'images', 'guest.json')): ImageRecipe {
  const r = JSON.parse(readFileSync(file, 'utf8')) as ImageRecipe
  for (const k of ['kernelMetaPackage', 'packages', 'programs', 'kmods', 'userspace'] as const) if (!(k in r)) throw new HostError(`${file} lacks "${k}"`)
  return r
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

/** Every file under dir (relative paths, sorted), skipping build products. */
function listFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name)
      if (isBuildProduct(e.name) || e.name.startsWith('.')) continue
      if (e.isDirectory()) walk(p)
      else out.push(relative(ROOT, p))
    }
  }
  if (existsSync(dir)) walk(dir)
  return out
}

/** The files whose content decides the image: recipe, guest files, our modules' and programs' sources, the builder itself. */
function sourceFiles(recipe: ImageRecipe): string[] {
  return [
    'images/guest.json',
    ...listFiles(join(ROOT, 'guest')),
    // what is built from: their documentation is not (guest/ is copied whole, so it all counts)
    ...[...listFiles(join(ROOT, 'kmod')), ...listFiles(join(ROOT, 'test', 'kmod')), ...listFiles(join(ROOT, 'udriver'))].filter(f => !f.endsWith('.md')),
    ...listFiles(join(ROOT, 'orchestrator', 'image')),
    'orchestrator/testbed/nics.ts',
  ]
}

/** The SSH key that logs into every guest, and the guests' host key; made once per checkout. */
export async function ensureSshKey(): Promise<{ priv: string; pub: string; host: GuestHostKey }> {
  const priv = join(paths.cache, 'ssh', 'id_ed25519')
  if (!existsSync(priv)) {
    mkdirSync(dirname(priv), { recursive: true })
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'microbed', '-f', priv])
  }
  return { priv, pub: readFileSync(`${priv}.pub`, 'utf8'), host: ensureHostKey(join(paths.cache, 'ssh', 'guest_host_ed25519')) }
}

/** The guests' SSH host key: dropbear's file, and the public key as an OpenSSH line. */
export interface GuestHostKey { dropbear: Buffer; pub: string }

/** SSH's wire form of a string (RFC 4251): a 32-bit big-endian length, then the bytes. */
function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(b.length)
  return Buffer.concat([len, b])
}

/**
 * The host key every guest's dropbear serves, made here once rather than by dropbearkey at every
 * boot (ed25519's key generation under TCG competed with the modules' probes for the one vCPU),
 * and known to the client, which checks it (hostVerifier) instead of taking any key. Dropbear's
 * ed25519 file: string "ssh-ed25519", then string of the 32-byte seed and the 32-byte public key.
 */
export function ensureHostKey(base: string): GuestHostKey {
  const file = `${base}.dropbear`, pubFile = `${base}.pub`
  if (!existsSync(file) || !existsSync(pubFile)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const jwk = privateKey.export({ format: 'jwk' })
    const seed = Buffer.from(jwk.d!, 'base64url'), pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')
    const type = Buffer.from('ssh-ed25519')
    mkdirSync(dirname(base), { recursive: true })
    writeFileSync(`${file}.tmp`, Buffer.concat([sshString(type), sshString(Buffer.concat([seed, pub]))]), { mode: 0o600 })
    writeFileSync(pubFile, `ssh-ed25519 ${Buffer.concat([sshString(type), sshString(pub)]).toString('base64')} microbed-guest\n`)
    renameSync(`${file}.tmp`, file)
  }
  return { dropbear: readFileSync(file), pub: readFileSync(pubFile, 'utf8').trim() }
}

interface Resolved {
  abi: string
  kernelPkg: PackageInfo
  headerPkgs: PackageInfo[]
  guestPkgs: PackageInfo[]
}

/** Versions of everything the image is made of; reused from .cache while apt's state is unchanged. */
async function resolveAll(recipe: ImageRecipe, log: Log): Promise<Resolved> {
  const memo = join(paths.cache, 'resolved.json')
  const key = sha256(JSON.stringify({ recipe, apt: aptFingerprint() }))
  try {
    const saved = JSON.parse(readFileSync(memo, 'utf8')) as { key: string; res: Resolved }
    if (saved.key === key) return saved.res
  } catch { /* none yet, or unreadable: resolve afresh */ }
  const [abi, libs] = await Promise.all([resolveKernelAbi(recipe.kernelMetaPackage, log), libraryPackages(recipe.packages, log)])
  const headerNames = [`linux-headers-${abi}`, `linux-headers-${abi.replace(/-amd64$/, '')}-common`, `linux-kbuild-${abi.split('.').slice(0, 2).join('.')}`]
  const names = [`linux-image-${abi}`, ...headerNames, ...recipe.packages, ...libs]
  const info = await resolvePackages(names, log)
  const get = (n: string) => info.get(n)!
  const res: Resolved = { abi, kernelPkg: get(`linux-image-${abi}`), headerPkgs: headerNames.map(get), guestPkgs: [...recipe.packages, ...libs].map(get) }
  mkdirSync(paths.cache, { recursive: true })
  writeFileSync(memo, JSON.stringify({ key, res }))
  return res
}

/** Finds or builds the image for the current inputs. */
export async function buildImage(log: Log, opts: { force?: boolean } = {}): Promise<Image> {
  const recipe = loadRecipe()
  const res = await resolveAll(recipe, log)
  const key = await ensureSshKey()
  const sources: Record<string, string> = {}
  for (const f of sourceFiles(recipe)) sources[f] = sha256(readFileSync(join(ROOT, f)))
  const hash = sha256(JSON.stringify({ recipe, pkgs: [res.kernelPkg, ...res.headerPkgs, ...res.guestPkgs].map(p => `${p.name}=${p.version}`), sources, key: key.pub, hostKey: key.host.pub })).slice(0, 16)
  const dir = join(paths.images, hash)
  const kernel = kernelPath(res.abi, res.kernelPkg.version)
  const image = (manifest: Manifest, built: boolean): Image => ({ dir, hash, kernel, initramfs: join(dir, 'initramfs.cpio'), sshKey: key.priv, hostKey: key.host.pub, manifest, built })
  if (!opts.force && existsSync(join(dir, 'manifest.json'))) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest
    if (existsSync(kernel)) {
      log.info(`image ${hash} is up to date (kernel ${res.abi})`)
      return image(manifest, false)
    }
  }

  log.step(`building image ${hash}: kernel ${res.abi} (${res.kernelPkg.version}), ${res.guestPkgs.length} guest packages`)
  const unpacked = new Map<string, string>()
  for (const p of [res.kernelPkg, ...res.guestPkgs]) {
    const deb = await download(p, paths.cache, log)
    unpacked.set(p.name, await unpack(deb, join(paths.cache, 'unpacked', `${p.name}_${p.version.replace(/:/g, '%3a')}`)))
  }
  const kroot = unpacked.get(res.kernelPkg.name)!
  await extractVmlinux(join(kroot, 'boot', `vmlinuz-${res.abi}`), kernel)
  const headers = await prepareHeaders(res, log)
  removeDeadKbuilds()
  const work = kbuildDir(hash)
  let built: Awaited<ReturnType<typeof buildOurs>>
  let assembled: ReturnType<typeof assemble>
  try {
    built = await buildOurs(recipe, headers, res.abi, work, log)
    assembled = assemble(recipe, res, unpacked, built.kmods, built.programs, key.pub, key.host)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  const { kmods } = built
  const { entries, modules } = assembled

  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  const cpio = buildCpio(entries)
  writeFileSync(join(tmp, 'initramfs.cpio'), cpio)
  const manifest: Manifest = {
    hash, builtAt: new Date().toISOString(), kernelAbi: res.abi, kernelPackage: res.kernelPkg,
    packages: [...res.headerPkgs, ...res.guestPkgs], kmods: kmods.map(k => ({ name: k.name, vermagic: k.vermagic })), modules, sources, initramfsBytes: cpio.length,
  }
  writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  if (existsSync(join(dir, 'manifest.json'))) {
    // Another run built the same image meanwhile and may be booting it: keep theirs.
    rmSync(tmp, { recursive: true, force: true })
    log.done(`image ${hash}: built by another run meanwhile; using it`)
    return image(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest, true)
  }
  rmSync(dir, { recursive: true, force: true })
  renameSync(tmp, dir)
  pruneImages(dir, KEEP_IMAGES)
  log.done(`image ${hash}: initramfs ${(cpio.length / 1048576).toFixed(1)} MiB, manifest ${join(dir, 'manifest.json')}`)
  return image(manifest, true)
}

/** Images kept besides the current one: every source edit makes a new one of ~30 MiB. */
const KEEP_IMAGES = 4

/** Removes all but the `keep` most recently built images (and unfinished builds of dead runs). */
function pruneImages(current: string, keep: number): void {
  const dirs = readdirSync(paths.images).map(n => join(paths.images, n)).filter(d => d !== current && statSync(d).isDirectory())
  const finished = dirs.filter(d => existsSync(join(d, 'manifest.json'))).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
  const deadTmp = dirs.filter(d => /\.tmp-(\d+)$/.test(d) && !pidAlive(Number(/\.tmp-(\d+)$/.exec(d)![1])))
  for (const d of [...finished.slice(keep), ...deadTmp]) rmSync(d, { recursive: true, force: true })
}

const kernelPath = (abi: string, version: string) => join(paths.cache, 'kernel', `${abi}_${version}`, 'vmlinux')

/** The bzImage's payload is xz-compressed; QEMU boots the ELF inside through PVH, which is faster. */
export async function extractVmlinux(bzImage: string, dest: string): Promise<void> {
  if (existsSync(dest)) return
  const bz = readFileSync(bzImage)
  const at = bz.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
  if (at < 0) throw new HostError(`${bzImage} has no xz payload: the kernel is not compressed with xz`)
  const r = await execa('xz', ['-dc', '--single-stream'], { input: bz.subarray(at), encoding: 'buffer', stripFinalNewline: false, maxBuffer: 512 * 1048576 })
  const elf = Buffer.from(r.stdout)
  if (!isElf(elf)) throw new HostError(`the xz payload of ${bzImage} is not an ELF kernel`)
  mkdirSync(dirname(dest), { recursive: true })
  writeFileSync(`${dest}.tmp`, elf)
  renameSync(`${dest}.tmp`, dest)
}

/** Unpacks linux-headers-ABI, -common and linux-kbuild into one tree and points the absolute include at it. */
async function prepareHeaders(res: Resolved, log: Log): Promise<string> {
  const root = join(paths.cache, 'headers', `${res.abi}_${res.kernelPkg.version}`)
  const kdir = join(root, 'usr', 'src', `linux-headers-${res.abi}`)
  if (existsSync(join(root, '.ready'))) return kdir
  rmSync(root, { recursive: true, force: true })
  mkdirSync(root, { recursive: true })
  for (const p of res.headerPkgs) await execa('dpkg-deb', ['-x', await download(p, paths.cache, log), root])
  const mk = join(kdir, 'Makefile')
  writeFileSync(mk, readFileSync(mk, 'utf8').replace(/^include \/usr\/src\//m, `include ${root}/usr/src/`))
  writeFileSync(join(root, '.ready'), '')
  return kdir
}

interface BuiltKmod { name: string; file: string; vermagic: string }
/** A program of ours; a multi-call one (mb-tools) also answers to each of its links. */
interface BuiltProgram { name: string; data: Buffer; links: string[] }

/** Build products never copied into a build tree nor hashed as inputs. */
const isBuildProduct = (name: string) => /\.(o|ko|mod|mod\.c|cmd|order|symvers)$/.test(name) || name === 'build'

/** The scratch directory of this process's build of image `hash`: two runs that build the same
 * image at once (e.g. two scenarios started together) must not share it. */
function kbuildDir(hash: string): string {
  return join(paths.cache, 'kbuild', `${hash}-${process.pid}`)
}

/** Scratch build directories left by processes that died mid-build. */
function removeDeadKbuilds(): void {
  const root = join(paths.cache, 'kbuild')
  if (!existsSync(root)) return
  for (const d of readdirSync(root)) {
    const m = /^[0-9a-f]{16}-(\d+)$/.exec(d)
    if (m && !pidAlive(Number(m[1]))) rmSync(join(root, d), { recursive: true, force: true })
  }
}

/**
 * Builds our kernel modules (each folder images/guest.json lists, kmod/NAME or test/kmod/NAME,
 * against the unpacked headers: with its own Makefile given KDIR, else plain kbuild) and the
 * user-space programs (udriver/, static), in a scratch copy of kmod/, test/kmod/ and udriver/ so
 * the source tree stays clean and concurrent builds do not collide.
 */
async function buildOurs(recipe: ImageRecipe, kdir: string, abi: string, work: string, log: Log): Promise<{ kmods: BuiltKmod[]; programs: BuiltProgram[] }> {
  rmSync(work, { recursive: true, force: true })
  for (const top of ['kmod', 'udriver', 'test/kmod']) {
    if (existsSync(join(ROOT, top))) cpSync(join(ROOT, top), join(work, top), { recursive: true, filter: src => !isBuildProduct(src.replace(/.*\//, '')) })
  }
  const make = async (what: string, args: string[]) => {
    log.cmd(`make ${args.join(' ')}`)
    const r = await execa('make', args, { reject: false, all: true })
    if (r.exitCode !== 0) throw new HostError(`building ${what} failed (make ${describeExit(r.exitCode)})`, { evidence: String(r.all).slice(-3000) })
  }
  const kmods: BuiltKmod[] = []
  const seen = new Set<string>()
  for (const name of recipe.kmods) {
    const dir = join(work, name)
    if (!/^(kmod|test\/kmod)\/[\w-]+$/.test(name) || !existsSync(dir)) throw new HostError(`images/guest.json lists kmod "${name}", which is not a folder kmod/NAME or test/kmod/NAME of the repository`)
    if (existsSync(join(dir, 'Makefile'))) await make(name, ['-C', dir, `KDIR=${kdir}`])
    else await make(name, ['-C', kdir, `M=${dir}`, 'modules'])
    // A module's Makefile may build others it needs (e1000 builds core): take every .ko once.
    for (const d of [dir, ...recipe.kmods.map(n => join(work, n))]) {
      if (!existsSync(d) || !statSync(d).isDirectory()) continue
      for (const f of readdirSync(d).filter(f => f.endsWith('.ko'))) {
        if (seen.has(f)) continue
        seen.add(f)
        const file = join(d, f)
        await stripDebug(file)
        const vermagic = modinfo(readFileSync(file)).get('vermagic')?.[0] ?? ''
        if (!vermagic.startsWith(`${abi} `)) throw new HostError(`${relative(work, file)} was built for "${vermagic}", not ${abi}`)
        kmods.push({ name: f.replace(/\.ko$/, ''), file, vermagic })
      }
    }
  }
  const programs: BuiltProgram[] = []
  if (recipe.userspace.length) {
    await make('udriver/', ['-C', join(work, 'udriver')])
    for (const name of recipe.userspace) {
      const file = join(work, 'udriver', 'build', name)
      if (!existsSync(file)) throw new HostError(`udriver/ built no ${name} (images/guest.json "userspace")`)
      await stripDebug(file)
      const data = readFileSync(file)
      if (neededLibraries(data).length) throw new HostError(`udriver/build/${name} is dynamically linked; the guest needs it static (-static)`)
      programs.push({ name, data, links: name === MULTI_CALL ? multiCallNames(file) : [] })
    }
  }
  return { kmods, programs }
}

/** Our multi-call binary (udriver/tools/mb-tools.c): the guest's tools, one static glibc for eight. */
const MULTI_CALL = 'mb-tools'

/** The names a multi-call binary of ours answers to (`--list`; it is static, so it runs here). */
function multiCallNames(file: string): string[] {
  let out: string
  try {
    out = execFileSync(file, ['--list'], { encoding: 'utf8', timeout: 10_000 })
  } catch (e) {
    throw new HostError(`${relative(ROOT, file)} --list failed: ${errorMessage(e)}`, { hint: 'rebuild it: make -C udriver clean all' })
  }
  const names = out.split('\n').map(s => s.trim()).filter(Boolean)
  const bad = names.find(n => !/^mb-[a-z0-9-]+$/.test(n))
  if (!names.length || bad) throw new HostError(`${relative(ROOT, file)} --list printed ${bad ? `"${bad}", not a tool name` : 'nothing'}`)
  return names
}

/**
 * Drops the debug sections of a module or program we built (the symbol table stays), as Debian's
 * packages ship theirs (INSTALL_MOD_STRIP): the kernel headers build with -g, and the debug info
 * was 13 of the initramfs's 39 MiB, which the guest's kernel unpacks at every boot.
 */
async function stripDebug(file: string): Promise<void> {
  const r = await execa('strip', ['--strip-debug', file], { reject: false, all: true })
  if (r.exitCode !== 0) throw new HostError(`strip --strip-debug ${relative(ROOT, file)} failed (${describeExit(r.exitCode)})`, { evidence: String(r.all).slice(-2000), hint: 'strip comes with binutils, which gcc-12 depends on: apt-get install binutils' })
}

/** Debian ships some files under /bin, /sbin, /lib; the guest is merged-/usr like an installed Debian 12. */
export function mergedUsr(p: string): string {
  const rel = p.replace(/^\/+/, '')
  return /^(bin|sbin|lib|lib64)\//.test(rel) ? `usr/${rel}` : rel
}

const LIB_DIRS = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'lib64', 'usr/lib']

function assemble(recipe: ImageRecipe, res: Resolved, unpacked: Map<string, string>, kmods: BuiltKmod[], ours: BuiltProgram[], pubKey: string, hostKey: GuestHostKey) {
  const entries = new Map<string, CpioEntry>()
  const put = (e: CpioEntry) => { entries.set(e.path, e) }
  const roots = res.guestPkgs.map(p => unpacked.get(p.name)!)

  // Top-level merged-/usr links and the few device nodes needed before devtmpfs is mounted.
  for (const d of ['bin', 'sbin', 'lib', 'lib64']) put({ type: 'symlink', path: d, target: `usr/${d}` })
  for (const d of ['proc', 'sys', 'dev', 'run', 'tmp', 'root', 'var/log', 'etc/dropbear', 'usr/lib64', 'usr/share/udhcpc']) put({ type: 'dir', path: d, mode: d === 'tmp' ? 0o1777 : d === 'root' ? 0o700 : 0o755 })
  put({ type: 'chardev', path: 'dev/console', major: 5, minor: 1 })
  put({ type: 'chardev', path: 'dev/null', major: 1, minor: 3, mode: 0o666 })

  // Programs, then every shared library they need (transitively), then busybox applets for the rest.
  const findInPackages = (rel: string): string | undefined => {
    for (const r of roots) {
      const p = join(r, rel)
      if (existsSync(p)) return realpathSync(p)
    }
    return undefined
  }
  const elfQueue: Buffer[] = []
  for (const prog of recipe.programs) {
    const file = findInPackages(prog)
    if (!file) throw new HostError(`program ${prog} (images/guest.json) is in none of the guest packages`, { hint: 'add the package that ships it to "packages"' })
    const data = readFileSync(file)
    put({ type: 'file', path: mergedUsr(prog), data, mode: 0o755 })
    if (isElf(data)) elfQueue.push(data)
  }
  const libs = new Set<string>()
  while (elfQueue.length) {
    for (const soname of neededLibraries(elfQueue.pop()!)) {
      if (libs.has(soname)) continue
      libs.add(soname)
      const file = LIB_DIRS.map(d => findInPackages(join(d, soname))).find(Boolean)
      if (!file) throw new HostError(`no guest package provides ${soname}`, { hint: 'add the Debian package that ships it to "packages" in images/guest.json' })
      const data = readFileSync(file)
      put({ type: 'file', path: `usr/lib/x86_64-linux-gnu/${soname}`, data, mode: 0o755 })
      elfQueue.push(data)
    }
  }
  const loader = findInPackages('lib/x86_64-linux-gnu/ld-linux-x86-64.so.2') ?? findInPackages('usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2')
  if (!loader) throw new HostError('the dynamic loader ld-linux-x86-64.so.2 is in no guest package (libc6 missing?)')
  put({ type: 'file', path: 'usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', data: readFileSync(loader), mode: 0o755 })
  put({ type: 'symlink', path: 'usr/lib64/ld-linux-x86-64.so.2', target: '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' })

  // A real program shadows the busybox applet of the same name wherever busybox would put it
  // (iproute2 ships /bin/ip, busybox's applet is /sbin/ip: both are on PATH).
  const realPrograms = new Set(recipe.programs.map(p => p.replace(/.*\//, '')))
  for (const a of busyboxApplets(findInPackages('bin/busybox')!)) {
    const path = mergedUsr(a)
    if (!realPrograms.has(path.replace(/.*\//, '')) && !path.startsWith('linuxrc')) put({ type: 'symlink', path, target: '/bin/busybox' })
  }

  // Kernel modules, Debian's and ours in one index: each top-level module with its dependencies,
  // and its load order in /etc/microbed/modules/NAME (the guest's init reads it).
  const kroot = join(unpacked.get(res.kernelPkg.name)!, 'lib', 'modules', res.abi)
  const debianIdx = indexModules(kroot)
  const ourFiles = new Map(kmods.map(k => [modName(k.name), k.file]))
  const guestPath = (n: string) => ourFiles.has(n) ? `/lib/modules/microbed/${n}.ko` : `/lib/modules/${res.abi}/${debianIdx.files.get(n)!}`
  const idx = {
    files: new Map([...debianIdx.files.keys(), ...ourFiles.keys()].map(n => [n, guestPath(n)])),
    builtin: debianIdx.builtin,
    depends: (n: string) => ourFiles.has(n) ? moduleDepends(readFileSync(ourFiles.get(n)!)).map(modName) : debianIdx.depends(n),
  }
  const modules: Record<string, string[]> = {}
  const needed = new Set<string>()
  for (const m of [...allGuestModules(), ...ourFiles.keys()]) {
    const order = loadOrder([m], idx)
    modules[m] = order.map(guestPath)
    order.forEach(n => needed.add(n))
    put({ type: 'file', path: `etc/microbed/modules/${m}`, data: Buffer.from(modules[m]!.join('\n') + '\n') })
  }
  for (const n of needed) {
    const src = ourFiles.get(n) ?? join(kroot, debianIdx.files.get(n)!)
    put({ type: 'file', path: mergedUsr(guestPath(n)), data: readFileSync(src) })
  }

  for (const p of ours) {
    put({ type: 'file', path: `usr/sbin/${p.name}`, data: p.data, mode: 0o755 })
    for (const l of p.links) put({ type: 'symlink', path: `usr/sbin/${l}`, target: p.name })
  }
  // The guest's /init is ours (udriver/tools/mb-init.c, one of mb-tools): it loads the modules,
  // names the NICs and starts the SSH server in its own process, where a script forked forty times.
  if (!ours.some(p => p.name === 'mb-init' || p.links.includes('mb-init'))) throw new HostError(`images/guest.json "userspace" lacks mb-init, the guest's /init (one of ${MULTI_CALL}'s tools)`)
  put({ type: 'symlink', path: 'init', target: 'usr/sbin/mb-init' })

  // Our guest files (guest/: /etc), the login, and the version of everything for the guest to report.
  for (const f of listFiles(join(ROOT, 'guest'))) {
    const rel = relative(join(ROOT, 'guest'), join(ROOT, f))
    const st = statSync(join(ROOT, f))
    put({ type: 'file', path: mergedUsr(rel), data: readFileSync(join(ROOT, f)), mode: st.mode & 0o111 ? 0o755 : 0o644 })
  }
  put({ type: 'file', path: 'root/.ssh/authorized_keys', data: Buffer.from(pubKey), mode: 0o600 })
  put({ type: 'file', path: 'etc/dropbear/dropbear_ed25519_host_key', data: hostKey.dropbear, mode: 0o600 })
  put({ type: 'dir', path: 'root/.ssh', mode: 0o700 })
  put({ type: 'file', path: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/bash\n') })
  put({ type: 'file', path: 'etc/group', data: Buffer.from('root:x:0:\n') })
  put({ type: 'file', path: 'etc/shells', data: Buffer.from('/bin/sh\n/bin/bash\n') })
  put({ type: 'file', path: 'etc/microbed/kernel-abi', data: Buffer.from(res.abi + '\n') })
  return { entries: [...entries.values()], modules }
}

/** busybox-static runs on any x86-64 host; it lists where each of its applets belongs. */
function busyboxApplets(busybox: string): string[] {
  return execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').map(s => s.trim()).filter(Boolean)
}
