// Boots a guest for one NIC and variant and hands back a ready session: the part of the flow
// image → vm → guest session that every scenario shares. A scenario sees the guest through two
// interfaces, the VM instance and the guest session; the boot function can be replaced (tests
// give scenarios fake guests, so their logic is checked without QEMU).
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { chooseAccel, prepareHost, type AccelChoice } from '../host/host.ts'
import { buildImage, type Image } from '../image/image.ts'
import type { Log } from '../base/log.ts'
import { MGMT_MODULES, TOOL_MODULES, memberOf, type NicSpec, type Variant } from './nics.ts'
import type { Options } from '../base/options.ts'
import { SshSession, type GuestSession } from '../session/ssh.ts'
import { QemuVm, type Instance } from '../vm/vm.ts'
import { KernelCrashError } from '../base/errors.ts'
import { sleep } from '../base/retry.ts'

export interface Testbed {
  opts: Options
  log: Log
  image: Image
  accel: AccelChoice
  imageMs: number
  runDir: string
  /** Boots a guest; bootGuest (QEMU) unless replaced. */
  boot?: BootFn
}

export type BootFn = (tb: Testbed, nic: NicSpec, variant: Variant, extra?: { append?: string; label?: string }) => Promise<Guest>

export interface Guest {
  vm: Instance
  ssh: GuestSession
  nic: NicSpec
  variant: Variant
  /** QEMU start to first successful SSH login. */
  bootMs: number
  dir: string
  /** Saves the guest's dmesg beside the console log; returns its path (null if the guest is gone). */
  saveDmesg(): Promise<string | null>
  close(): Promise<void>
}

export async function prepareTestbed(opts: Options, log: Log, runDir: string): Promise<Testbed> {
  await prepareHost(log, { install: opts.install })
  const accel = await chooseAccel(opts.accel)
  log.info(`accelerator: ${accel.accel.toUpperCase()} (${accel.reason})`)
  const { value: image, ms: imageMs } = await log.timed('image', () => buildImage(log))
  return { opts, log, image, accel, imageMs, runDir }
}

let guestCounter = 0

/** A guest for nic/variant, by the testbed's boot function. */
export function boot(tb: Testbed, nic: NicSpec, variant: Variant, extra: { append?: string; label?: string } = {}): Promise<Guest> {
  return (tb.boot ?? bootGuest)(tb, nic, variant, extra)
}

export async function bootGuest(tb: Testbed, nic: NicSpec, variant: Variant, extra: { append?: string; label?: string } = {}): Promise<Guest> {
  const drv = nic.variants[variant]
  if (!drv) throw new Error(`${nic.name}/${variant} is not available: ${nic.unavailable[variant] ?? 'unknown'}`)
  const dir = join(tb.runDir, `${extra.label ?? ''}${nic.name}-${variant}-${++guestCounter}`)
  const t0 = Date.now()
  const vm = await QemuVm.start({
    kernel: tb.image.kernel, initramfs: tb.image.initramfs, accel: tb.accel.accel, memoryMiB: tb.opts.memoryMiB, cpus: tb.opts.cpus,
    modules: [...MGMT_MODULES, ...TOOL_MODULES, ...drv.modules], dut: { model: memberOf(nic, 0).qemuDevice, net: tb.opts.net },
    dut1: nic.members?.[1] ? { model: nic.members[1].qemuDevice } : undefined,
    append: [drv.udriver ? `microbed.udriver=${drv.udriver}` : '', tb.opts.append, extra.append].filter(Boolean).join(' '), workDir: dir, log: tb.log,
  })
  // The guest is ready once its init says so (every NIC named and up, SSH listening).
  const saidReady = () => vm.console().includes('microbed: event=guest-ready')
  let ssh: SshSession | undefined
  try {
    ssh = await SshSession.connect(vm, tb.image.sshKey, { deadlineMs: tb.opts.bootTimeoutMs, commandTimeoutMs: tb.opts.commandTimeoutMs, log: tb.log, hostKey: tb.image.hostKey, saidReady })
    // SSH may answer before the init has said it.
    while (!saidReady()) {
      const crash = vm.crash()
      if (crash) throw new KernelCrashError(crash.kind, crash.excerpt)
      if (vm.exited() || Date.now() - t0 > tb.opts.bootTimeoutMs) throw vm.bootError(`the guest answered SSH but its init never said event=guest-ready within ${(tb.opts.bootTimeoutMs / 1000).toFixed(0)} s${vm.exited() ? ` (QEMU ${vm.exited()})` : ''}: look for its event=nic-missing, module-failed or init-error lines`)
      await sleep(10)
    }
    // The init's own failures (a mount, a sysctl, a file it writes, dropbear) fail the boot.
    const initError = /microbed: event=init-error .*/.exec(vm.console())
    if (initError) throw vm.bootError(`the guest's init failed a step: ${initError[0]}`)
  } catch (e) {
    ssh?.close()
    await vm.close()
    throw e
  }
  const bootMs = Date.now() - t0
  const guest: Guest = {
    vm, ssh, nic, variant, bootMs, dir,
    async saveDmesg() {
      if (vm.exited()) return null
      try {
        const r = await ssh.exec('dmesg', { timeoutMs: 15_000 })
        const file = join(dir, 'dmesg.log')
        writeFileSync(file, r.stdout)
        return file
      } catch { return null }
    },
    async close() {
      ssh.close()
      await vm.close()
    },
  }
  return guest
}

/** Throws KernelCrashError if the guest's console shows a crash. */
export function assertNoCrash(g: Guest): void {
  const c = g.vm.crash()
  if (c) throw new KernelCrashError(c.kind, c.excerpt)
}
