// Small pieces: port allocation, module load order, ELF reading, accelerator choice, retry,
// the CLI's answers to bad input.
import { expect } from 'chai'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { neededLibraries, isElf } from '../orchestrator/image/elf.ts'
import { chooseAccel, installCommand } from '../orchestrator/host/host.ts'
import { loadOrder, modName } from '../orchestrator/image/modules.ts'
import { NICS, memberOf, multiNic, parseNics, parseVariants } from '../orchestrator/testbed/nics.ts'
import { checkNicsFor } from '../orchestrator/testbed/scenario.ts'
import { SCENARIOS } from '../scenarios/index.ts'
import { pingGaps } from '../scenarios/guest-ops.ts'
import { deviceLog, recoveryBreakdown, recoveryTimes } from '../scenarios/crash-udriver.ts'
import { freePort, freePorts, releasePort } from '../orchestrator/vm/ports.ts'
import { retry, RetryExhausted } from '../orchestrator/base/retry.ts'
import { parseCli } from '../orchestrator/cli/args.ts'
import { Log } from '../orchestrator/base/log.ts'

describe('port allocation', () => {
  it('hands out distinct loopback ports that can be bound', async () => {
    const ports = await freePorts(20)
    expect(new Set(ports).size).to.equal(20)
    for (const p of ports.slice(0, 3)) {
      await new Promise<void>((resolve, reject) => {
        const s = createServer().once('error', reject).listen(p, '127.0.0.1', () => s.close(() => resolve()))
      })
    }
    ports.forEach(releasePort)
  })

  it('never hands out a port twice while it is held', async () => {
    const held = await freePorts(50)
    const next = await freePort()
    expect(held).to.not.include(next)
    ;[...held, next].forEach(releasePort)
  })
})

describe('kernel module load order', () => {
  const fake = (deps: Record<string, string[]>, builtin: string[] = []) => ({
    files: new Map(Object.keys(deps).map(k => [k, `kernel/${k}.ko`])),
    builtin: new Set(builtin),
    depends: (n: string) => deps[n] ?? [],
  })

  it('loads dependencies first, each module once (virtio_net as in Debian 6.1)', () => {
    const idx = fake({ virtio_ring: [], virtio: ['virtio_ring'], failover: [], net_failover: ['failover'], virtio_net: ['virtio_ring', 'virtio', 'net_failover'], virtio_pci: ['virtio_ring', 'virtio'] })
    const order = loadOrder(['virtio_pci', 'virtio_net'], idx)
    expect(order).to.deep.equal(['virtio_ring', 'virtio', 'virtio_pci', 'failover', 'net_failover', 'virtio_net'])
  })

  it('skips built-in modules and normalizes dashes', () => {
    expect(loadOrder(['8139cp'], fake({ '8139cp': ['mii'] }, ['mii']))).to.deep.equal(['8139cp'])
    expect(modName('kernel/drivers/net/foo-bar.ko')).to.equal('foo_bar')
  })

  it('says which module is missing and who needs it, and refuses cycles', () => {
    expect(() => loadOrder(['e1000'], fake({ e1000: ['ghost'] }))).to.throw(/module ghost \(needed by e1000\)/)
    expect(() => loadOrder(['a'], fake({ a: ['b'], b: ['a'] }))).to.throw(/cycle: a → b → a/)
  })
})

describe('ELF reader', () => {
  it('reads the libraries a host binary needs', () => {
    const ls = readFileSync('/bin/ls')
    expect(isElf(ls)).to.equal(true)
    expect(neededLibraries(ls)).to.include('libc.so.6')
  })
  it('refuses what is not ELF', () => {
    expect(isElf(Buffer.from('#!/bin/sh\n'))).to.equal(false)
    expect(() => neededLibraries(Buffer.alloc(100))).to.throw(/not an ELF/)
  })
})

describe('accelerator choice', () => {
  const yes = async () => ({ usable: true, why: 'the CPU has vmx and /dev/kvm opens' })
  const no = async () => ({ usable: false, why: 'the CPU shows no vmx/svm flag' })
  it('auto picks KVM only when it is usable, and says why', async () => {
    expect(await chooseAccel('auto', yes)).to.deep.include({ accel: 'kvm' })
    const t = await chooseAccel('auto', no)
    expect(t.accel).to.equal('tcg')
    expect(t.reason).to.include('no vmx/svm')
  })
  it('honours a forced choice, and refuses KVM where it cannot work', async () => {
    expect((await chooseAccel('tcg', yes)).accel).to.equal('tcg')
    expect((await chooseAccel('kvm', yes)).accel).to.equal('kvm')
    try { await chooseAccel('kvm', no); expect.fail('should refuse') } catch (e) { expect((e as Error).message).to.match(/KVM is not usable here: the CPU shows no vmx/) }
  })
  it('prints an exact apt command for what is missing', () => {
    expect(installCommand(['qemu-system-x86', 'iperf3', 'iperf3'])).to.equal('sudo apt-get update && sudo apt-get install -y --no-install-recommends qemu-system-x86 iperf3')
  })
})

describe('retry with backoff', () => {
  it('retries until success and logs each failed attempt', async () => {
    const log = new Log()
    let n = 0
    const v = await retry(async () => { if (++n < 3) throw new Error(`no ${n}`); return 'ok' }, { what: 'thing', deadlineMs: 5000, initialDelayMs: 1, log })
    expect(v).to.equal('ok')
    expect(log.events.filter(e => e.kind === 'retry').map(e => e.msg)).to.deep.equal(['thing: attempt 1 failed (no 1); retrying in 1 ms', 'thing: attempt 2 failed (no 2); retrying in 2 ms'])
  })
  it('gives up at the deadline with what was tried', async () => {
    try {
      await retry(async () => { throw new Error('refused') }, { what: 'SSH', deadlineMs: 50, initialDelayMs: 10 })
      expect.fail('should give up')
    } catch (e) {
      expect(e).to.be.instanceOf(RetryExhausted)
      expect((e as Error).message).to.match(/^SSH: gave up after \d+ attempts .* last error: refused$/)
    }
  })
  it('stops at once when the check throws (QEMU died)', async () => {
    let n = 0
    try {
      await retry(async () => { n++; throw new Error('x') }, { what: 'w', deadlineMs: 10_000, initialDelayMs: 1, check: () => { throw new Error('QEMU exited') } })
    } catch (e) { expect((e as Error).message).to.equal('QEMU exited') }
    expect(n).to.equal(1)
  })
})

describe('bad input', () => {
  it('lists the valid NICs and variants', () => {
    expect(() => parseNics('e1001')).to.throw(/unknown NIC "e1001"/)
    try { parseNics('e1001') } catch (e) { expect((e as { hint: string }).hint).to.equal('valid NICs: e1000, rtl8139, all, or both (e1000 + rtl8139 in one guest)') }
    expect(parseNics('all').map(n => n.name)).to.deep.equal(['e1000', 'rtl8139'])
    expect(() => parseVariants('hybrid')).to.throw(/unknown variant "hybrid"/)
  })
  it('rejects bad option values with what was wrong', () => {
    expect(() => parseCli(['scenario', 'smoke', '--accel', 'xen'])).to.throw(/--accel must be auto, kvm or tcg, not "xen"/)
    expect(() => parseCli(['scenario', 'smoke', '--repeat', '0'])).to.throw(/--repeat must be an integer from 1/)
    expect(() => parseCli(['scenario', 'smoke', '--bogus'])).to.throw(/bogus/)
  })
  it('the CLI names the valid scenarios for an unknown one, and exits 64', () => {
    let out = ''
    try { execFileSync('node', ['bin/microbed.js', 'scenario', 'nope'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) } catch (e) {
      const err = e as { status: number; stderr: string }
      expect(err.status).to.equal(64)
      out = err.stderr
    }
    expect(out).to.match(/unknown scenario "nope"/).and.match(/valid scenarios: smoke, throughput/)
  })
  it('the CLI names the valid NICs for an unknown one', () => {
    try { execFileSync('node', ['bin/microbed.js', 'scenario', 'smoke', '--nic', 'ne2000'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }); expect.fail('should fail') } catch (e) {
      expect((e as { stderr: string }).stderr).to.match(/unknown NIC "ne2000"/).and.match(/valid NICs: e1000, rtl8139, all/)
    }
  })
})

describe('several NICs under test in one guest (--nic both)', () => {
  it('is a setup of the NIC table\'s NICs: dut0 e1000, dut1 rtl8139, one u-driver, every module once', () => {
    const [both] = parseNics('both')
    expect(both!.members!.map(m => m.name)).to.deep.equal(['e1000', 'rtl8139'])
    expect(memberOf(both!, 1).name).to.equal('rtl8139')
    expect(() => memberOf(NICS.e1000!, 1)).to.throw(/no NIC under test dut1/)
    expect(both!.variants.split!.udriver).to.equal('mb-udriver')
    expect(both!.variants.split!.modules).to.deep.equal(['mb_core', 'mb_e1000_split', 'mb_rtl8139_split'])
    expect(both!.variants.native!.modules).to.deep.equal(['e1000', '8139cp'])
  })
  it('offers a variant only where every member has it with the same u-driver', () => {
    const a = NICS.e1000!, b = { ...NICS.rtl8139!, variants: { ...NICS.rtl8139!.variants, split: { ...NICS.rtl8139!.variants.split!, udriver: 'other-udriver' } }, unavailable: {} }
    const s = multiNic('odd', [a, b])
    expect(s.variants.split).to.equal(undefined)
    expect(s.unavailable.split).to.match(/different u-drivers \(mb-udriver, other-udriver\)/)
    expect(() => multiNic('three', [a, a, a])).to.throw(/two slots/)
  })
  it('a scenario for one NIC refuses the setup, one for several refuses a single NIC, each saying what to use', () => {
    const [both] = parseNics('both')
    expect(() => checkNicsFor(SCENARIOS.smoke!, [both!], ['both'])).to.throw(/runs with one NIC under test/)
    expect(() => checkNicsFor(SCENARIOS['fault-isolation']!, [NICS.e1000!], ['both'])).to.throw(/needs several NICs/)
    for (const name of ['functional', 'crash-udriver']) expect(() => checkNicsFor(SCENARIOS[name]!, [both!, NICS.e1000!], ['both'])).to.not.throw()
  })
  it('counts a ping lost only when a later one was answered', () => {
    const line = (n: number) => `64 bytes from 127.81.0.2: icmp_seq=${n} ttl=255 time=0.5 ms`
    expect(pingGaps([1, 2, 3, 5].map(line).join('\n'))).to.deep.equal({ answered: 4, upTo: 5, lost: [4] })
    expect(pingGaps([1, 2, 3].map(line).join('\n') + '\n--- ping statistics ---\n5 packets transmitted, 3 received').lost).to.deep.equal([])
    expect(pingGaps('').upTo).to.equal(0)
    // busybox ping (the guest's) counts from seq=0
    const bb = (n: number) => `64 bytes from 127.81.0.2: seq=${n} ttl=255 time=0.5 ms`
    expect(pingGaps([0, 1, 3].map(bb).join('\n'))).to.deep.equal({ answered: 3, upTo: 4, lost: [2] })
    expect(pingGaps([1, 2].map(bb).join('\n')).lost).to.deep.equal([0])
  })
  it('reads one device\'s recoveries out of a kernel log that interleaves two', () => {
    const log = [
      '[   1.000000] microbed: event=detach driver=e1000 dev=0000:00:03.0 handle=1 pid=7 reason=closed',
      '[   1.001000] microbed: event=detach driver=rtl8139 dev=0000:00:04.0 handle=2 pid=7 reason=closed',
      '[   1.010000] microbed: event=udriver-exit prog=mb-udriver status=139 run=1',
      '[   1.020000] microbed: event=udriver-start prog=mb-udriver pid=9 run=2 standby=1',
      '[   1.030000] microbed: event=attach driver=rtl8139 dev=0000:00:04.0 handle=2 pid=9 live=1',
      '[   1.040000] microbed: event=replay driver=rtl8139 dev=0000:00:04.0 handle=2 pid=9 result=0',
      '[   1.050000] microbed: event=attach driver=e1000 dev=0000:00:03.0 handle=1 pid=9 live=1',
      '[   1.070000] microbed: event=replay driver=e1000 dev=0000:00:03.0 handle=1 pid=9 result=0',
    ].join('\n')
    expect(recoveryTimes(deviceLog(log, '0000:00:03.0')).map(t => Math.round(t!))).to.deep.equal([70])
    expect(recoveryTimes(deviceLog(log, '0000:00:04.0')).map(t => Math.round(t!))).to.deep.equal([39])
    expect(recoveryBreakdown(deviceLog(log, '0000:00:03.0'))[0]).to.include({ standby: true })
  })
})

