// The boot's physical reference and its breakdown. A bare boot: the same kernel and the same QEMU
// command line as a guest of nic/native, but an initramfs holding only mb-bare, an /init that
// prints its uptime and powers off; timed from QEMU's start to that line. And the breakdown of a
// real boot to SSH, from the kernel log's timestamps (the kernel's own lines and guest/init's
// `event=boot step=...` marks) and the host's clock.
import { execa } from 'execa'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { HostError, BootError } from '../base/errors.ts'
import { paths } from '../base/options.ts'
import { buildCpio } from '../image/cpio.ts'
import { QemuVm } from '../vm/vm.ts'
import { MGMT_MODULES, TOOL_MODULES, type NicSpec } from './nics.ts'
import type { Testbed } from './testbed.ts'

/** The bare initramfs (mb-bare as /init, /dev/console), built once per run into dir. */
export async function bareInitramfs(dir: string): Promise<string> {
  const udriver = join(paths.root, 'udriver')
  const r = await execa('make', ['-C', udriver, 'build/mb-bare'], { reject: false, all: true })
  if (r.exitCode !== 0) throw new HostError('building udriver/build/mb-bare (the bare-boot /init) failed', { evidence: String(r.all).slice(-2000) })
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'bare-initramfs.cpio')
  writeFileSync(file, buildCpio([
    { type: 'file', path: 'init', data: readFileSync(join(udriver, 'build', 'mb-bare')), mode: 0o755 },
    { type: 'dir', path: 'dev', mode: 0o755 },
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1, mode: 0o600 },
  ]))
  return file
}

export interface BareBoot { ms: number; kernelToInitMs: number }

/** Reads mb-bare's line: the kernel's uptime when /init ran, in ms; null when absent. */
export function parseBareLine(console: string): number | null {
  const m = /microbed: event=bare-init uptime=(\d+\.\d+)/.exec(console)
  return m ? Number(m[1]) * 1000 : null
}

/** One bare boot: QEMU start to mb-bare's line (host clock), and the kernel's share of it. */
export async function bareBoot(tb: Testbed, nic: NicSpec, initramfs: string, dir: string, timeoutMs = 120_000): Promise<BareBoot> {
  const drv = nic.variants.native!
  const t0 = Date.now()
  const vm = await QemuVm.start({
    kernel: tb.image.kernel, initramfs, accel: tb.accel.accel, memoryMiB: tb.opts.memoryMiB, cpus: tb.opts.cpus,
    modules: [...MGMT_MODULES, ...TOOL_MODULES, ...drv.modules], dut: { model: nic.qemuDevice, net: tb.opts.net },
    append: tb.opts.append || undefined, workDir: dir, log: tb.log,
  })
  try {
    for (;;) {
      const up = parseBareLine(vm.console())
      if (up !== null) return { ms: Date.now() - t0, kernelToInitMs: up }
      if (vm.exited() || Date.now() - t0 > timeoutMs) throw vm.bootError(`the bare boot's /init (mb-bare) did not report within ${timeoutMs / 1000} s${vm.exited() ? ` (QEMU ${vm.exited()})` : ''}`)
      await new Promise(r => setTimeout(r, 10))
    }
  } finally {
    await vm.close()
  }
}

/** A boot to SSH in steps (ms); a step whose marks are missing is absent. */
export type BootSteps = Partial<Record<'qemuToKernel' | 'kernelToInit' | 'initramfsUnpack' | 'modules' | 'udriverStart' | 'nicsUp' | 'sshReady' | 'firstSsh', number>>

export const BOOT_STEP_NAMES: Record<keyof BootSteps, string> = {
  qemuToKernel: 'QEMU start to kernel',
  kernelToInit: 'kernel to /init',
  initramfsUnpack: 'initramfs unpacking (inside kernel to /init)',
  modules: 'module loading (u-driver start inside)',
  udriverStart: 'u-driver start to attach',
  nicsUp: 'NICs named and up',
  sshReady: 'SSH server ready (dropbear)',
  firstSsh: 'first SSH session',
}

/**
 * The steps of one boot, from its dmesg, the host's boot time (QEMU start to first login, ms) and
 * the guest's uptime read right after that login (ms): what the host saw before the kernel's clock
 * started is QEMU's start.
 */
export function bootBreakdown(dmesg: string, bootMs: number, uptimeAtLoginMs: number): BootSteps {
  const at = (re: RegExp) => { const m = new RegExp(`^\\[\\s*(\\d+\\.\\d+)\\] ${re.source}`, 'm').exec(dmesg); return m ? Number(m[1]) * 1000 : undefined }
  const step = (s: string) => at(new RegExp(`microbed: event=boot step=${s}\\b`))
  const unpackStart = at(/Trying to unpack rootfs image as initramfs/), unpackEnd = at(/Freeing initrd memory/)
  const init = at(/Run \/init as init process/) ?? step('init')
  const mods = step('modules-loaded'), nics = step('nics-up'), key = step('host-key'), ssh = step('ssh-listening')
  const uStart = at(/microbed: event=udriver-start/), attach = at(/microbed: event=attach/)
  const d = (a?: number, b?: number) => (a !== undefined && b !== undefined ? b - a : undefined)
  const out: BootSteps = {
    qemuToKernel: bootMs - uptimeAtLoginMs,
    kernelToInit: init,
    initramfsUnpack: d(unpackStart, unpackEnd),
    modules: d(step('init'), mods),
    udriverStart: d(uStart, attach),
    nicsUp: d(mods, nics),
    sshReady: d(nics, ssh) ?? d(key, ssh),
    firstSsh: ssh !== undefined ? uptimeAtLoginMs - ssh : undefined,
  }
  for (const k of Object.keys(out) as (keyof BootSteps)[]) if (out[k] === undefined) delete out[k]
  return out
}

export { BootError }
