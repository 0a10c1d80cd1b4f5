// Pieces of the scenarios that read the guest's output, on texts in the exact form the guest
// prints them.
import { expect } from 'chai'
import { parseCrashOptions, recoveryBreakdown, recoveryTimes } from '../scenarios/crash-udriver.ts'
import { parseRefLine } from '../scenarios/reference.ts'
import { microbedEvents, pingCounts } from '../scenarios/guest-ops.ts'
import { parseBenchLine } from '../scenarios/upcall-latency.ts'
import { parseFuzzLine, parseTimedOps, refusalDelta } from '../scenarios/reliability.ts'
import { parseCounts, parseMeminfo } from '../scenarios/soak.ts'
import { faultKinds, workloadOps, pickFault, sinceMark, FAULT_SLOTS, isPlanted } from '../scenarios/fault-campaign.ts'
import { e1000 } from '../orchestrator/slicer/specs/e1000.spec.ts'
import { renderTable } from '../scenarios/functional.ts'
import { codeLines } from '../orchestrator/slicer/splitstats.ts'

const DMESG = `[    3.724365] microbed: event=attach driver=e1000 dev=0000:00:03.0 handle=1 pid=148 live=0
[   10.100000] microbed: event=detach driver=e1000 dev=0000:00:03.0 handle=1 pid=148 reason=closed
[   10.150000] microbed: event=udriver-exit prog=mb-udriver status=139 run=1
[   10.300000] microbed: event=attach driver=e1000 dev=0000:00:03.0 handle=1 pid=213 live=1
[   10.480000] microbed: event=replay driver=e1000 dev=0000:00:03.0 handle=1 pid=213 result=0 mtu=1400 mac=52:54:00:6d:62:42 rx_flags=1 mc=4 autoneg=1
[   12.000000] microbed: event=detach driver=e1000 dev=0000:00:03.0 handle=1 pid=213 reason=timeout
[   14.000000] microbed: event=replay driver=e1000 dev=0000:00:03.0 handle=1 pid=227 result=-22 mtu=1400
[   15.000000] microbed: event=detach driver=e1000 dev=0000:00:03.0 handle=1 pid=227 reason=closed
[   20.000000] microbed: event=detach driver=e1000 dev=0000:00:03.0 handle=1 pid=0 reason=unregister`

describe('crash-udriver evidence', () => {
  it('reads the runtime events with their kernel timestamps', () => {
    const ev = microbedEvents(DMESG)
    expect(ev.map(e => e.event)).to.deep.equal(['attach', 'detach', 'udriver-exit', 'attach', 'replay', 'detach', 'replay', 'detach', 'detach'])
    expect(ev[1]!.ms).to.be.closeTo(10100, 1e-6)
  })
  it('times each recovery from detach to a successful replay; a failed or missing replay is null', () => {
    const t = recoveryTimes(DMESG)
    expect(t).to.have.length(3) // the unregister detach is an unload, not a death
    expect(t[0]).to.be.closeTo(380, 1e-6)
    expect(t[1]).to.equal(null) // replay result=-22
    expect(t[2]).to.equal(null) // never replayed
  })
  it('breaks each recovery into detect, restart, attach and replay; a recovery with a step missing is null', () => {
    const withStart = DMESG.replace('[   10.300000] microbed: event=attach', '[   10.160000] microbed: event=udriver-start prog=mb-udriver pid=213 run=2 standby=1\n[   10.300000] microbed: event=attach')
    const b = recoveryBreakdown(withStart)
    expect(b).to.have.length(3)
    expect(b[0]!.detect).to.be.closeTo(50, 1e-6)
    expect(b[0]!.restart).to.be.closeTo(10, 1e-6)
    expect(b[0]!.attach).to.be.closeTo(140, 1e-6)
    expect(b[0]!.replay).to.be.closeTo(180, 1e-6)
    expect(b[0]!.total).to.be.closeTo(380, 1e-6)
    expect(b[0]!.standby).to.equal(true)
    expect(b[1]).to.equal(null) // no udriver-exit, replay result=-22
    expect(recoveryBreakdown(DMESG)[0]).to.equal(null) // no udriver-start line
  })
  it('reads mb-ref\'s reference line and refuses a missing or non-positive figure', () => {
    expect(parseRefLine('pipe_rtt_us=171.25 fork_exec_us=7512.3 null_syscall_us=0.812 pipes=2000 forks=100 syscalls=200000\n')).to.deep.equal({ pipeRttUs: 171.25, forkExecUs: 7512.3, nullSyscallUs: 0.812 })
    expect(() => parseRefLine('mb-ref: fork: Resource temporarily unavailable')).to.throw(/mb-ref printed no result line/)
    expect(() => parseRefLine('pipe_rtt_us=0.00 fork_exec_us=7512.3 null_syscall_us=0.812 pipes=2000 forks=100 syscalls=200000')).to.throw(/not positive/)
  })
  it('validates --signal, --during and --crashes', () => {
    expect(parseCrashOptions({})).to.deep.equal({ signal: 'SIGSEGV', during: 'traffic', crashes: 10 })
    expect(parseCrashOptions({ signal: 'kill', during: 'ethtool', crashes: '3' })).to.deep.equal({ signal: 'SIGKILL', during: 'ethtool', crashes: 3 })
    expect(() => parseCrashOptions({ signal: 'SIGFOO' })).to.throw(/--signal SIGFOO is not one of SIGSEGV, SIGKILL/)
    expect(parseCrashOptions({ during: 'probe', crashes: '2' })).to.deep.equal({ signal: 'SIGSEGV', during: 'probe', crashes: 2 })
    expect(() => parseCrashOptions({ during: 'boot' })).to.throw(/--during boot is not one of traffic, ethtool, probe/)
    expect(() => parseCrashOptions({ crashes: '0' })).to.throw(/--crashes must be an integer from 1 to 200/)
  })
})

describe('other scenario parsers', () => {
  it("reads mb-bench's result line and refuses anything else", () => {
    expect(parseBenchLine('upcall_null_us=72.31 ioctl_null_us=1.53 ratio=47.2 count=10000\n')).to.deep.equal({ upcallUs: 72.31, ioctlUs: 1.53, ratio: 47.2, count: 10000 })
    expect(() => parseBenchLine('mb-bench: no instance with a u-driver attached')).to.throw(/printed no result line/)
  })
  it('renders the functional table with a reason for every difference', () => {
    const t = new Map([
      ['MTU 9000', new Map([['native', { ok: true, evidence: 'ok' }], ['split', { ok: false, evidence: 'ping 1/3' }]])],
      ['ethtool -i', new Map([['native', { ok: true, evidence: 'e1000' }], ['split', { ok: true, evidence: 'mb_e1000' }]])],
    ]) as Parameters<typeof renderTable>[0]
    const text = renderTable(t, ['native', 'split'])
    expect(text).to.match(/^MTU 9000\s+ok\s+FAIL\s*$/m)
    expect(text).to.match(/^ethtool -i\s+ok\s+ok\s*$/m)
    expect(text).to.include('MTU 9000 on split: ping 1/3')
  })
  it('picks campaign faults deterministically, every slot in turn, in the spec each injector takes', () => {
    const a = Array.from({ length: 26 }, (_, i) => pickFault(7, i, e1000))
    expect(a).to.deep.equal(Array.from({ length: 26 }, (_, i) => pickFault(7, i, e1000)))
    const kinds = faultKinds(e1000), ops = workloadOps(e1000)
    expect(a.slice(0, FAULT_SLOTS.length).map(f => f.kind)).to.deep.equal([...FAULT_SLOTS])
    expect(kinds.range).to.deep.equal(e1000.rangeFaults)
    for (const f of a) {
      if (!isPlanted(f.kind)) {
        expect(f.spec, f.spec).to.match(/^(bitflip\.(text|data|heap|stack)|chan\.(arg|ret)):\d+$/)
        continue
      }
      const m = /^(\w+)(?:\.(\w+))?:(\w+):([123])$/.exec(f.spec)
      expect(m, f.spec).to.not.equal(null)
      expect(kinds[m![1]!]!.length ? kinds[m![1]!] : [undefined]).to.include(m![2])
      expect(ops).to.include(m![3])
    }
    // another seed, other faults; the campaign follows the workload's order of operations, not the spec's
    expect(pickFault(8, 7, e1000).spec).to.not.equal(pickFault(7, 7, e1000).spec)
    expect(pickFault(7, 0, e1000).spec).to.equal(pickFault(7, 0, { ...e1000, upcalls: [...e1000.upcalls].reverse() }).spec)
  })
  it("reads ping's summary, and gives 0 when there is none", () => {
    expect(pingCounts('--- 127.78.0.2 ping statistics ---\n3094 packets transmitted, 2306 packets received, 25% packet loss\n')).to.deep.equal({ sent: 3094, received: 2306 })
    expect(pingCounts('ping: sendto: Network is unreachable')).to.deep.equal({ sent: 0, received: 0 })
  })
  it("reads mb-fuzz's summary line", () => {
    expect(parseFuzzLine('fuzz seed=1 sent=100000 accepted=1173 refused=98827 attached=0 errors_by_errno=EINVAL:42741\n')).to.deep.equal({ seed: 1, sent: 100000, accepted: 1173, refused: 98827, byErrno: { EINVAL: 42741 } })
    expect(parseFuzzLine('fuzz seed=2 sent=5000 accepted=10 refused=4990 attached=7 errors_by_errno=EINVAL:4000,EPROTO:990 inflight_garbage=40 reattached=6\n')).to.deep.equal({ seed: 2, sent: 5000, accepted: 10, refused: 4990, byErrno: { EINVAL: 4000, EPROTO: 990 }, inflightGarbage: 40, reattached: 6 })
    expect(() => parseFuzzLine('mb-fuzz: open: Permission denied')).to.throw(/no summary line/)
  })
  it('reads control operations timed in the guest, a missing line as not run', () => {
    const out = "2\t309\tRTNETLINK answers: Transport endpoint is not connected\n255\t573\tCannot restart autonegotiation: Transport endpoint is not connected\n"
    expect(parseTimedOps(out, ['ip link set dut0 mtu 1500', 'ethtool -r dut0', 'ethtool -C dut0 rx-usecs 50'])).to.deep.equal([
      { op: 'ip link set dut0 mtu 1500', rc: 2, ms: 309, out: 'RTNETLINK answers: Transport endpoint is not connected' },
      { op: 'ethtool -r dut0', rc: 255, ms: 573, out: 'Cannot restart autonegotiation: Transport endpoint is not connected' },
      { op: 'ethtool -C dut0 rx-usecs 50', rc: NaN, ms: NaN, out: '' },
    ])
  })
  it("reads mb_core's refusals and counts lines and /proc/meminfo", () => {
    expect(refusalDelta('bad-header=10 length=2 policy=0 other=0 total=12\n', 'bad-header=25 length=2 policy=3 other=0 total=30\n')).to.deep.equal({ 'bad-header': 15, policy: 3, total: 18 })
    expect(parseCounts('instances=1 attached=1 retired=0 outage=0 channels=2 queued=0 pending=0 attaches=31 crashes=29\n')).to.deep.equal({ instances: 1, attached: 1, retired: 0, outage: 0, channels: 2, queued: 0, pending: 0, attaches: 31, crashes: 29 })
    expect(parseMeminfo('MemTotal:         492332 kB\nMemFree:          301120 kB\nSlab:              24180 kB\nSUnreclaim:        12004 kB\nHugePages_Total:       0\n')).to.deep.equal({ MemTotal: 492332, MemFree: 301120, Slab: 24180, SUnreclaim: 12004 })
  })
  it("takes a fault's kernel log from its own mark on, or all of it when the mark scrolled out", () => {
    const log = '[1.0] microbed: event=fault-fired a\n[2.0] microbed: event=mark id=split-2\n[3.0] microbed: event=detach b\n[4.0] microbed: event=mark id=split-20\n[5.0] c'
    expect(sinceMark(log, 'split-2')).to.equal('[3.0] microbed: event=detach b\n[4.0] microbed: event=mark id=split-20\n[5.0] c')
    expect(sinceMark(log, 'split-20')).to.equal('[5.0] c')
    expect(sinceMark('[9.0] x', 'split-3')).to.equal('[9.0] x')
  })
  it('counts code lines without blanks and comments', () => {
    expect(codeLines('/* a\n * b */\nint x; // y\n\n// z\n  return 0;\n')).to.equal(2)
  })
})

describe('boot breakdown and the bare boot', () => {
  const DMESG = `[    0.000000] Linux version 6.1.0-57-amd64
[    0.412000] Trying to unpack rootfs image as initramfs...
[    1.912000] Freeing initrd memory: 40656K
[    2.100000] Run /init as init process
[    2.150000] microbed: event=boot step=init
[    3.000000] microbed: event=udriver-start prog=mb-udriver pid=140 run=1
[    3.020000] microbed: event=attach driver=e1000 dev=0000:00:03.0 handle=1 pid=140 live=0
[    3.400000] microbed: event=boot step=modules-loaded
[    3.900000] microbed: event=boot step=nics-up
[    4.000000] microbed: event=boot step=host-key
[    4.100000] microbed: event=boot step=ssh-listening`
  it('splits a boot to SSH into its steps from the kernel log and the host clock', async () => {
    const { bootBreakdown } = await import('../orchestrator/testbed/bare.ts')
    const s = bootBreakdown(DMESG, 6000, 4600)
    expect(s.qemuToKernel).to.be.closeTo(1400, 1e-6)
    expect(s.kernelToInit).to.be.closeTo(2100, 1e-6)
    expect(s.initramfsUnpack).to.be.closeTo(1500, 1e-6)
    expect(s.modules).to.be.closeTo(1250, 1e-6)
    expect(s.udriverStart).to.be.closeTo(20, 1e-6)
    expect(s.nicsUp).to.be.closeTo(500, 1e-6)
    expect(s.sshReady).to.be.closeTo(200, 1e-6)
    expect(s.firstSsh).to.be.closeTo(500, 1e-6)
    const bare = bootBreakdown('[    2.1] Run /init as init process', 3000, 2500)
    expect(Object.keys(bare).sort()).to.deep.equal(['kernelToInit', 'qemuToKernel']) // no marks: steps absent, not zero
  })
  it('reads the bare /init\'s line, and nothing from a console without it', async () => {
    const { parseBareLine } = await import('../orchestrator/testbed/bare.ts')
    expect(parseBareLine('...\nmicrobed: event=bare-init uptime=1.87\n')).to.be.closeTo(1870, 1e-6)
    expect(parseBareLine('Kernel panic - not syncing: No working init found.')).to.equal(null)
  })
})
