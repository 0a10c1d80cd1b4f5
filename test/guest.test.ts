// Real QEMU: the whole flow image → vm → guest session → scenario, under the accelerator auto
// picks (TCG on machines without vmx/svm) or MICROBED_TEST_ACCEL.
import { expect } from 'chai'
import { spawn, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildImage } from '../orchestrator/image/image.ts'
import { pidAlive } from '../orchestrator/base/cleanup.ts'
import { Log } from '../orchestrator/base/log.ts'
import { NICS } from '../orchestrator/testbed/nics.ts'
import { defaults, paths, type Options } from '../orchestrator/base/options.ts'
import { sleep } from '../orchestrator/base/retry.ts'
import { bootGuest, prepareTestbed, type Guest, type Testbed } from '../orchestrator/testbed/testbed.ts'
import { smoke } from '../scenarios/smoke.ts'
import { BootError, KernelCrashError } from '../orchestrator/base/errors.ts'

const qemuOf = (dir: string) => { try { return execFileSync('pgrep', ['-f', `qemu-system-x86_64.*${dir}`], { encoding: 'utf8' }).trim() } catch { return '' } }

async function until(what: string, ms: number, f: () => boolean | Promise<boolean>) {
  const t0 = Date.now()
  while (!(await f())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(100)
  }
}

describe('real guests under QEMU', function () {
  let tb: Testbed
  const log = new Log()
  const opts: Options = { ...defaults, accel: (process.env.MICROBED_TEST_ACCEL as Options['accel']) ?? 'auto' }

  before(async function () {
    this.timeout(20 * 60_000) // a fresh machine downloads and unpacks the kernel and packages
    tb = await prepareTestbed(opts, log, mkdtempSync(join(tmpdir(), 'microbed-test-')))
  })

  it('an unchanged image is found again, not rebuilt', async () => {
    const again = await buildImage(log)
    expect(again.built).to.equal(false)
    expect(again.hash).to.equal(tb.image.hash)
    expect(existsSync(join(again.dir, 'manifest.json'))).to.equal(true)
    expect(again.manifest.kernelAbi).to.match(/^\d+\.\d+\.\d+-\d+-amd64$/)
    expect(again.manifest.modules.e1000).to.be.an('array').that.is.not.empty
  })

  for (const nic of ['e1000', 'rtl8139']) {
    it(`smoke passes on ${nic}/native`, async () => {
      const [c] = await smoke.run(tb, NICS[nic]!, ['native'])
      expect(c!.status, `${c!.reason}\n${c!.evidence ?? ''}`).to.equal('pass')
      expect(c!.checks.map(k => k.name)).to.include.members(['dut0 carrier up', 'ethtool -i dut0 names the driver', 'no kernel crash on the console'])
      expect(c!.checks.every(k => k.ok)).to.equal(true)
    })
  }

  describe('one e1000 guest', () => {
    let g: Guest
    before(async () => { g = await bootGuest(tb, NICS.e1000!, 'native') })
    after(async () => { await g?.close() })

    it('runs the unpacked tools with their libraries (iperf3, ethtool, full iproute2)', async () => {
      const r = await g.ssh.exec('iperf3 --version && ethtool --version && ip -V && ip -d link show dut0 && netstat -ltn && pgrep -x dropbear && readlink /init && readlink /usr/sbin/mb-supervise')
      expect(r.stdout).to.match(/^iperf 3\./m).and.match(/ethtool version/).and.match(/ip utility, iproute2-/).and.match(/:22\b/).and.match(/^\d+$/m).and.match(/^usr\/sbin\/mb-init\nmb-tools$/m)
      expect(r.stdout).to.match(/dut0: <[^>]*\bUP\b[^>]*> mtu 1500/) // administratively up (carrier may still be coming)
    })

    it('pushes files as a tar stream, streams command output, and times out a stuck command', async () => {
      await g.ssh.push([{ path: 'a.txt', data: Buffer.from('hello guest\n') }, { path: 'sub/run.sh', data: Buffer.from('echo ran\n'), mode: 0o755 }], '/tmp/pushed')
      const chunks: string[] = []
      const r = await g.ssh.exec('cat /tmp/pushed/a.txt; /tmp/pushed/sub/run.sh; for i in 1 2 3; do echo line$i; sleep 0.2; done', { onStdout: c => chunks.push(c) })
      expect(r.stdout).to.equal('hello guest\nran\nline1\nline2\nline3\n')
      expect(chunks.length).to.be.greaterThan(1)
      const t0 = Date.now()
      try { await g.ssh.exec('sleep 30', { timeoutMs: 1000 }); expect.fail('should time out') } catch (e) {
        expect((e as Error).message).to.equal('`sleep 30` did not finish within 1 s in the guest')
      }
      expect(Date.now() - t0).to.be.lessThan(5000)
      const bad = await g.ssh.exec('exit 3', { check: false })
      expect(bad.code).to.equal(3)
    })

    it('loads a module built out of tree against the unpacked Debian headers', async () => {
      const abi = tb.image.manifest.kernelAbi
      await g.ssh.exec('insmod /lib/modules/microbed/mb_hello.ko && rmmod mb_hello')
      const dmesg = (await g.ssh.exec('dmesg')).stdout
      expect(dmesg).to.include(`microbed: event=hello-loaded kernel=${abi}`)
      expect(dmesg).to.include('microbed: event=hello-unloaded')
    })

    it('sees link down and up from QEMU (QMP set_link) as carrier within 2 s', async () => {
      const carrier = async () => (await g.ssh.exec('cat /sys/class/net/dut0/carrier', { check: false })).stdout.trim()
      await g.vm.setLink(false)
      await until('carrier 0 after set_link down', 2000, async () => (await carrier()) === '0')
      await g.vm.setLink(true)
      await until('carrier 1 after set_link up', 2000, async () => (await carrier()) === '1')
    })

    it('detects a real kernel oops from the console, with the report as evidence', async () => {
      expect(g.vm.crash()).to.equal(null)
      await g.ssh.exec('insmod /lib/modules/microbed/mb_crashtest.ko mode=null', { check: false, timeoutMs: 5000 }).catch(() => undefined)
      await until('the crash detector to fire', 10_000, () => g.vm.crash() !== null)
      expect(g.vm.crash()!.kind).to.equal('NULL pointer dereference')
      // the report's first line can come in a console read of its own; the rest follows it
      await until('the report to reach RIP', 5000, () => /RIP: 0010:/.test(g.vm.crash()!.excerpt))
      expect(g.vm.crash()!.excerpt).to.match(/RIP: 0010:mb_crash/)
    })
  })

  it('runs two guests at once without port collisions', async () => {
    const [a, b] = await Promise.all([bootGuest(tb, NICS.e1000!, 'native', { label: 'pair-' }), bootGuest(tb, NICS.rtl8139!, 'native', { label: 'pair-' })])
    try {
      expect(a.vm.sshPort).to.not.equal(b.vm.sshPort)
      const [ra, rb] = await Promise.all([a.ssh.exec('ethtool -i dut0'), b.ssh.exec('ethtool -i dut0')])
      expect(ra.stdout).to.match(/^driver: e1000$/m)
      expect(rb.stdout).to.match(/^driver: 8139cp$/m)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('--net tap: smoke passes with the tap in a namespace of ours, removed afterwards', async function () {
    if (process.getuid?.() !== 0) this.skip() // --net tap needs root; the user-networking path is tested above
    const [c] = await smoke.run({ ...tb, opts: { ...tb.opts, net: 'tap' } }, NICS.e1000!, ['native'])
    expect(c!.status, `${c!.reason}\n${c!.evidence ?? ''}`).to.equal('pass')
    expect(c!.checks.find(k => k.name.startsWith('ping'))!.name).to.include('127.79.0.1')
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).to.not.match(new RegExp(`^mb-${process.pid}-`, 'm'))
  })

  it('reports a boot failure (bad kernel command line) with the console, and leaves no QEMU', async () => {
    try {
      const g = await bootGuest(tb, NICS.e1000!, 'native', { append: 'rdinit=/does-not-exist root=/dev/nowhere', label: 'badboot-' })
      await g.close()
      expect.fail('the guest should not boot')
    } catch (e) {
      expect(e).to.satisfy((x: unknown) => x instanceof KernelCrashError || x instanceof BootError)
      const err = e as KernelCrashError
      expect(err.evidence).to.match(/Kernel panic - not syncing/)
      expect(err.evidence).to.match(/does-not-exist|Unable to mount root fs/)
    }
    expect(qemuOf(tb.runDir + '/badboot-')).to.equal('')
  })

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`a ${signal} during boot stops QEMU and exits ${signal === 'SIGINT' ? 130 : 143}`, async function () {
      const child = spawn('node', ['bin/microbed.js', 'scenario', 'smoke', '--nic', 'e1000', '--accel', opts.accel], { cwd: paths.root, stdio: ['ignore', 'pipe', 'pipe'] })
      let err = ''
      child.stderr.on('data', (d: Buffer) => { err += d.toString() })
      const exited = new Promise<number | null>(r => child.on('exit', code => r(code)))
      await until('QEMU to start', 60_000, () => /QEMU pid (\d+)/.test(err))
      const qemuPid = Number(/QEMU pid (\d+)/.exec(err)![1])
      expect(pidAlive(qemuPid)).to.equal(true)
      child.kill(signal)
      const code = await exited
      expect(code).to.equal(signal === 'SIGINT' ? 130 : 143)
      expect(err).to.match(new RegExp(`${signal} received; cleaned up: QEMU pid ${qemuPid}`))
      await until(`QEMU pid ${qemuPid} to be gone`, 3000, () => !pidAlive(qemuPid))
      // nothing of the run left in /tmp either: its QMP socket is the orchestrator's to remove
      const left = readdirSync('/tmp').filter(f => f.startsWith(`microbed-qmp-${child.pid}-`))
      expect(left, 'QMP socket files of the signalled run').to.deep.equal([])
    })
  }
})
