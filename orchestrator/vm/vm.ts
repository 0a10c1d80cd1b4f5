// The VM: QEMU started with execa, console captured to a file and watched for kernel crashes,
// QMP for link up/down and quit. A VM never outlives its run: close() on the normal path, the
// cleanup registry on errors and signals, `setpriv --pdeathsig KILL` if the orchestrator is killed.
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { execa, type ResultPromise } from 'execa'
import { onCleanup } from '../base/cleanup.ts'
import { CrashWatcher, lastLines, type Crash } from './crash.ts'
import { BootError, HostError, describeExit } from '../base/errors.ts'
import type { Log } from '../base/log.ts'
import { createTapNamespace, type TapNamespace } from './netns.ts'
import { freePort, releasePort } from './ports.ts'
import { Qmp } from './qmp.ts'
import { DUT1_TAP, DUT_NETDEVS, DUT_TAP, GUEST_IPERF_PORT, qemuArgs, type QemuConfig } from './qemu.ts'
import { sleep } from '../base/retry.ts'

/** What the rest of the orchestrator needs from a running guest (syzkaller's Instance, small). */
/** A command's outcome on the host side of the NIC under test's cable. */
export interface HostRun { exitCode: number | undefined; stdout: string; stderr: string }

/**
 * A running guest as the scenarios see it (syzkaller's vm Instance): QemuVm is the backend; tests
 * give scenarios a fake one.
 */
export interface Instance {
  readonly sshPort: number
  /** How the host reaches the NIC under test's iperf3 server: argv prefix and address:port. */
  readonly traffic?: { exec: string[]; host: string; port: number }
  /** The same for the second NIC under test (dut1), when the guest has one. */
  readonly traffic1?: { exec: string[]; host: string; port: number }
  readonly consoleLog: string
  console(): string
  crash(): Crash | null
  /** Non-null once QEMU has exited: a description of how. */
  exited(): string | null
  /** Link up/down of NIC under test `index` (0: dut0, 1: dut1). */
  setLink(up: boolean, index?: number): Promise<void>
  /** One QMP command (e.g. object-add of a net filter on the `dut` netdev); its `return`. */
  qmpExecute(cmd: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>
  /** Runs argv on the host side of the NIC under test's cable (in the tap namespace for --net
   *  tap, e.g. an iperf3 client); a non-zero exit is data, not an error. */
  hostRun(argv: string[], o: { timeoutMs: number; index?: number }): Promise<HostRun>
  close(): Promise<void>
}

export interface VmSpec {
  kernel: string
  initramfs: string
  accel: 'kvm' | 'tcg'
  memoryMiB: number
  cpus: number
  modules: string[]
  dut?: { model: string; net: 'user' | 'tap' }
  /** A second NIC under test (dut1) on the same kind of back-end. */
  dut1?: { model: string }
  append?: string
  /** Where the console log and QMP socket go. */
  workDir: string
  log: Log
}

export class QemuVm implements Instance {
  sshPort = 0
  traffic?: { exec: string[]; host: string; port: number }
  traffic1?: { exec: string[]; host: string; port: number }
  readonly consoleLog: string
  private proc: ResultPromise | null = null
  private exitInfo: string | null = null
  private stderr = ''
  private watcher = new CrashWatcher()
  private consoleText = ''
  private consoleFd: number | null = null
  private consoleOffset = 0
  private poll: NodeJS.Timeout | null = null
  private ports: number[] = []
  private tapNs: TapNamespace | null = null
  private tapNs1: TapNamespace | null = null
  private unregister: (() => void) | null = null
  private qmpPath: string
  private qmpClient: Qmp | null = null
  private crashListeners: ((c: Crash) => void)[] = []

  private constructor(private readonly spec: VmSpec) {
    mkdirSync(spec.workDir, { recursive: true })
    this.consoleLog = join(spec.workDir, 'console.log')
    // unix socket paths are limited to 108 bytes: keep QMP's short, in /tmp.
    this.qmpPath = join('/tmp', `microbed-qmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`)
  }

  static async start(spec: VmSpec): Promise<QemuVm> {
    const vm = new QemuVm(spec)
    try {
      await vm.launch()
    } catch (e) {
      await vm.close()
      throw e
    }
    return vm
  }

  private async launch(attempt = 1): Promise<void> {
    const { spec } = this
    rmSync(this.consoleLog, { force: true })
    this.sshPort = await freePort()
    this.ports = [this.sshPort]
    let dut: QemuConfig['dut']
    let dut1: QemuConfig['dut1']
    if (spec.dut1 && !spec.dut) throw new HostError('a second NIC under test needs a first')
    if (spec.dut?.net === 'tap') {
      this.tapNs = await createTapNamespace(DUT_TAP)
      dut = { model: spec.dut.model, backend: { type: 'tap', ifname: this.tapNs.tap } }
      this.traffic = { exec: this.tapNs.exec, host: DUT_TAP.guest, port: GUEST_IPERF_PORT }
      if (spec.dut1) {
        this.tapNs1 = await createTapNamespace(DUT1_TAP)
        dut1 = { model: spec.dut1.model, backend: { type: 'tap', ifname: this.tapNs1.tap } }
        this.traffic1 = { exec: this.tapNs1.exec, host: DUT1_TAP.guest, port: GUEST_IPERF_PORT }
      }
    } else if (spec.dut) {
      const iperfPort = await freePort()
      this.ports.push(iperfPort)
      dut = { model: spec.dut.model, backend: { type: 'user', forwards: [{ hostPort: iperfPort, guestPort: GUEST_IPERF_PORT }] } }
      this.traffic = { exec: [], host: '127.0.0.1', port: iperfPort }
      if (spec.dut1) {
        const port1 = await freePort()
        this.ports.push(port1)
        dut1 = { model: spec.dut1.model, backend: { type: 'user', forwards: [{ hostPort: port1, guestPort: GUEST_IPERF_PORT }] } }
        this.traffic1 = { exec: [], host: '127.0.0.1', port: port1 }
      }
    }
    const config: QemuConfig = {
      kernel: spec.kernel, initramfs: spec.initramfs, accel: spec.accel, memoryMiB: spec.memoryMiB, cpus: spec.cpus,
      consoleLog: this.consoleLog, qmpSocket: this.qmpPath, sshPort: this.sshPort, modules: spec.modules, dut, dut1, append: spec.append,
    }
    const args = qemuArgs(config)
    spec.log.cmd(`qemu-system-x86_64 ${args.join(' ')}`)
    // setpriv --pdeathsig: QEMU dies with us even if we are SIGKILLed and no cleanup runs.
    const proc = execa('setpriv', ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args], { reject: false, stdin: 'ignore', buffer: false })
    this.proc = proc
    const pid = proc.pid
    // on a signal or at exit: QEMU killed, and its QMP socket file (which QEMU made) removed
    const qmp = this.qmpPath
    this.unregister = onCleanup(`QEMU pid ${pid}`, () => {
      if (pid) try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
      rmSync(qmp, { force: true })
    })
    proc.stderr?.on('data', (d: Buffer) => { this.stderr += d.toString() })
    proc.then(r => { this.exitInfo = describeExit(r.exitCode, r.signal) + (this.stderr ? `; QEMU said: ${this.stderr.trim().slice(-500)}` : '') })
    this.poll = setInterval(() => this.readConsole(), 100)

    // QEMU fails fast on a bad configuration or a taken port; wait for its QMP socket to appear.
    const t0 = Date.now()
    while (!existsSync(this.qmpPath)) {
      if (this.exitInfo) {
        if (/Could not set up host forwarding rule/.test(this.stderr) && attempt < 5) {
          spec.log.emit('retry', `a forwarded port was taken before QEMU bound it; retrying with new ports (attempt ${attempt + 1})`)
          this.resetForRetry()
          return this.launch(attempt + 1)
        }
        throw new HostError(`QEMU did not start: ${this.exitInfo}`, { evidence: this.stderr.trim() })
      }
      if (Date.now() - t0 > 15_000) throw new HostError('QEMU started but created no QMP socket within 15 s', { evidence: this.stderr })
      await sleep(20)
    }
    if (this.tapNs) await this.tapNs.configure()
    if (this.tapNs1) await this.tapNs1.configure()
    spec.log.info(`QEMU pid ${pid} (${spec.accel.toUpperCase()}), SSH on 127.0.0.1:${this.sshPort}, console ${this.consoleLog}`)
  }

  private resetForRetry() {
    this.unregister?.()
    this.unregister = null
    this.ports.forEach(releasePort)
    this.ports = []
    this.exitInfo = null
    this.stderr = ''
    this.tapNs?.destroy()
    this.tapNs = null
    this.tapNs1?.destroy()
    this.tapNs1 = null
    if (this.poll) clearInterval(this.poll)
    this.poll = null
    // The next QEMU writes a new console file: forget the old one.
    if (this.consoleFd !== null) closeSync(this.consoleFd)
    this.consoleFd = null
    this.consoleOffset = 0
    this.consoleText = ''
    this.watcher = new CrashWatcher()
  }

  private readConsole(): void {
    if (this.consoleFd === null) {
      if (!existsSync(this.consoleLog)) return
      this.consoleFd = openSync(this.consoleLog, 'r')
    }
    const buf = Buffer.alloc(65536)
    for (;;) {
      const n = readSync(this.consoleFd, buf, 0, buf.length, this.consoleOffset)
      if (n <= 0) break
      this.consoleOffset += n
      const chunk = buf.toString('utf8', 0, n)
      this.consoleText += chunk
      const crash = this.watcher.feed(chunk)
      if (crash) {
        this.spec.log.warn(`kernel crash on the console: ${crash.kind}: ${crash.line}`)
        this.crashListeners.forEach(f => f(crash))
      }
    }
  }

  console(): string { this.readConsole(); return this.consoleText }
  crash(): Crash | null { this.readConsole(); return this.watcher.crash }
  exited(): string | null { return this.exitInfo }
  onCrash(f: (c: Crash) => void): void { this.crashListeners.push(f) }

  private qmp(): Qmp {
    this.qmpClient ??= new Qmp(this.qmpPath)
    return this.qmpClient
  }

  /** One QMP command (e.g. object-add of a net filter on the `dut` netdev); its `return`. */
  async qmpExecute(cmd: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<unknown> {
    return this.qmp().execute(cmd, args, timeoutMs)
  }

  async hostRun(argv: string[], o: { timeoutMs: number; index?: number }): Promise<HostRun> {
    const traffic = o.index === 1 ? this.traffic1 : this.traffic
    if (!traffic) throw new HostError(`this guest has no traffic path to NIC under test dut${o.index ?? 0}`)
    const [cmd, ...args] = [...traffic.exec, ...argv]
    const r = await execa(cmd!, args, { reject: false, timeout: o.timeoutMs })
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }
  }

  /** Link up/down on the NIC under test, as a cable pull seen by the guest. */
  async setLink(up: boolean, index = 0): Promise<void> {
    const name = DUT_NETDEVS[index]
    if (!name || (index === 1 && !this.spec.dut1)) throw new HostError(`this guest has no NIC under test dut${index}`)
    await this.qmp().execute('set_link', { name, up })
  }

  /** Stops QEMU (QMP quit, then SIGKILL after 5 s) and removes everything the VM made. Idempotent. */
  async close(): Promise<void> {
    const proc = this.proc
    if (proc && !this.exitInfo) {
      try { await this.qmp().execute('quit', undefined, 2000) } catch { /* fall through to kill */ }
      const killer = setTimeout(() => proc.kill('SIGKILL'), 5000)
      await proc.catch(() => undefined)
      clearTimeout(killer)
    }
    this.qmpClient?.close()
    this.readConsole()
    if (this.poll) clearInterval(this.poll)
    this.poll = null
    if (this.consoleFd !== null) closeSync(this.consoleFd)
    this.consoleFd = null
    this.tapNs?.destroy()
    this.tapNs = null
    this.tapNs1?.destroy()
    this.tapNs1 = null
    this.ports.forEach(releasePort)
    this.ports = []
    rmSync(this.qmpPath, { force: true })
    this.unregister?.()
    this.unregister = null
    this.proc = null
  }

  /** A BootError carrying the console's last lines, for "the guest never came up" failures. */
  bootError(message: string): BootError {
    return new BootError(message, { evidence: lastLines(this.console(), 40), hint: `full console log: ${this.consoleLog}` })
  }
}
