// Host preparation: find every tool the flow needs; when one is missing and we are root with apt,
// install it (said on screen, --no-install-recommends); otherwise stop with the exact command to run.
import { existsSync } from 'node:fs'
import { $, which } from 'zx'
import { HostError } from '../base/errors.ts'
import type { Log } from '../base/log.ts'

export interface HostNeed {
  what: string // a command on PATH, or an absolute path to a file
  pkg: string // the Debian package that provides it
  why: string
  /** Needed only by `npm test` (installed by its setup, not by every command). */
  tests?: true
}

/** What the whole flow needs on the host, and the Debian package of each. */
export const HOST_NEEDS: HostNeed[] = [
  { what: 'qemu-system-x86_64', pkg: 'qemu-system-x86', why: 'runs the guest' },
  { what: 'iperf3', pkg: 'iperf3', why: 'host side of the throughput scenario' },
  { what: 'apt-get', pkg: 'apt', why: 'downloads the guest packages' },
  { what: 'dpkg-deb', pkg: 'dpkg', why: 'unpacks the guest packages' },
  { what: 'xz', pkg: 'xz-utils', why: 'decompresses the kernel image' },
  { what: 'make', pkg: 'make', why: 'builds the kernel modules' },
  { what: 'gcc-12', pkg: 'gcc-12', why: 'the compiler the Debian kernel was built with' },
  { what: '/usr/include/stdio.h', pkg: 'libc6-dev', why: 'host-side C tests' },
  { what: '/usr/lib/x86_64-linux-gnu/libelf.so.1', pkg: 'libelf1', why: "the kernel headers' objtool" },
  { what: '/usr/lib/x86_64-linux-gnu/libcrypto.so.3', pkg: 'libssl3', why: "the kernel headers' sign-file" },
  { what: 'ssh-keygen', pkg: 'openssh-client', why: 'makes the key that logs into the guest' },
  { what: 'setpriv', pkg: 'util-linux', why: 'ties QEMU to the orchestrator (--pdeathsig)' },
  { what: 'ip', pkg: 'iproute2', why: 'network namespaces and taps for --net tap' },
  { what: 'cpio', pkg: 'cpio', why: 'the independent reader in the initramfs tests' },
  { what: 'chromium', pkg: 'chromium', why: "the nightly report's browser test (driven by playwright-core)", tests: true },
  { what: 'xmllint', pkg: 'libxml2-utils', why: 'validates the nightly junit.xml against the JUnit XSD', tests: true },
]

async function present(need: HostNeed): Promise<boolean> {
  if (need.what.startsWith('/')) return existsSync(need.what)
  return (await which(need.what, { nothrow: true })) !== null
}

export async function missingHostNeeds(needs: HostNeed[] = HOST_NEEDS): Promise<HostNeed[]> {
  const missing: HostNeed[] = []
  for (const n of needs) if (!(await present(n))) missing.push(n)
  return missing
}

export function installCommand(pkgs: string[]): string {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${[...new Set(pkgs)].join(' ')}`
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0

/** Ensures every host need is met (with `tests`, also those only `npm test` has), installing with apt when root. Throws HostError otherwise. */
export async function prepareHost(log: Log, opts: { install: boolean; tests?: boolean } = { install: true }): Promise<void> {
  const missing = await missingHostNeeds(HOST_NEEDS.filter(n => opts.tests || !n.tests))
  if (missing.length === 0) return
  const pkgs = [...new Set(missing.map(m => m.pkg))]
  const list = missing.map(m => `${m.what} (${m.pkg}: ${m.why})`).join('; ')
  if (!opts.install || !isRoot() || (await which('apt-get', { nothrow: true })) === null) {
    throw new HostError(`missing on this host: ${list}`, { hint: `install them with:\n  ${installCommand(pkgs)}` })
  }
  log.step(`installing host packages: ${pkgs.join(' ')} (apt-get --no-install-recommends)`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  try {
    await $({ env, quiet: true })`apt-get update`
    await $({ env, quiet: true })`apt-get install -y --no-install-recommends ${pkgs}`
  } catch (e) {
    const out = e instanceof Error ? e.message : String(e)
    throw new HostError(`apt-get could not install ${pkgs.join(' ')}`, { hint: `run by hand:\n  ${installCommand(pkgs)}`, evidence: out.slice(-2000) })
  }
  const still = await missingHostNeeds(missing)
  if (still.length) throw new HostError(`still missing after apt-get install: ${still.map(m => m.what).join(', ')}`)
  log.done(`host packages installed: ${pkgs.join(' ')}`)
}

/** Which accelerator to use. auto = KVM only when the CPU shows vmx/svm and /dev/kvm opens. */
export type Accel = 'kvm' | 'tcg'
export interface AccelChoice { accel: Accel; reason: string }

export async function chooseAccel(requested: 'auto' | Accel, probe = defaultKvmProbe): Promise<AccelChoice> {
  const kvm = await probe()
  if (requested === 'tcg') return { accel: 'tcg', reason: 'forced with --accel tcg' }
  if (requested === 'kvm') {
    if (!kvm.usable) throw new HostError(`--accel kvm was asked for, but KVM is not usable here: ${kvm.why}`, { hint: 'use --accel tcg (or auto), or enable virtualization in the firmware and load kvm_intel/kvm_amd' })
    return { accel: 'kvm', reason: 'forced with --accel kvm' }
  }
  return kvm.usable ? { accel: 'kvm', reason: `auto: ${kvm.why}` } : { accel: 'tcg', reason: `auto: ${kvm.why}` }
}

export interface KvmProbe { usable: boolean; why: string }

export async function defaultKvmProbe(): Promise<KvmProbe> {
  const { readFile, open } = await import('node:fs/promises')
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '')
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? []
  const hw = flags.includes('vmx') ? 'vmx' : flags.includes('svm') ? 'svm' : null
  if (!hw) return { usable: false, why: 'the CPU shows no vmx/svm flag (a /dev/kvm here would be a software hypervisor a stock kernel cannot boot on)' }
  try {
    const fh = await open('/dev/kvm', 'r+')
    await fh.close()
  } catch (e) {
    return { usable: false, why: `the CPU has ${hw} but /dev/kvm does not open (${(e as NodeJS.ErrnoException).code ?? e})` }
  }
  return { usable: true, why: `the CPU has ${hw} and /dev/kvm opens` }
}
