// Scenario logic on fake guests (test/fakes/guest.ts), no QEMU: the verdicts of functional,
// crash-udriver and throughput on canned outputs, each with a case that must fail. The same
// scenarios run against real guests in test/split.test.ts and test/guest.test.ts.
import { expect } from 'chai'
import { NICS, type Variant } from '../orchestrator/testbed/nics.ts'
import type { CaseResult } from '../orchestrator/results/results.ts'
import { crashUdriver } from '../scenarios/crash-udriver.ts'
import { functionalScenario } from '../scenarios/functional.ts'
import { throughput } from '../scenarios/throughput.ts'
import { smallPackets } from '../scenarios/small-packets.ts'
import { judgeRatio } from '../orchestrator/cli/commands/bench-packets.ts'
import { FakeGuest, fakeTestbed, waitEventRule, type Rule } from './fakes/guest.ts'

const e1000 = NICS.e1000!
const why = (c: CaseResult) => `${c.status}: ${c.reason ?? ''}\n${c.checks.map(k => `${k.ok ? 'ok' : 'FAIL'} ${k.name}: ${k.evidence}`).join('\n')}`

/** A NIC device as functional's promiscuous rows see it: flags, carrier, pings. */
function deviceRules(v: Variant, o: { promiscBreaksTraffic?: boolean } = {}): Rule[] {
  let promisc = false
  return [
    { match: /^cat \/sys\/class\/net\/dut0\/carrier$/, reply: '1' },
    { match: /^ethtool -i dut0$/, reply: `driver: ${e1000.variants[v]!.driverName}\nversion: 6.1\nbus-info: 0000:00:03.0\n` },
    { match: /^ip link set dut0 promisc (on|off)$/, reply: m => { promisc = m[1] === 'on'; return '' } },
    { match: /^ip -d link show dut0$/, reply: () => `2: dut0: <BROADCAST,MULTICAST${promisc ? ',PROMISC' : ''},UP> mtu 1500\n    link/ether 52:54:00:12:34:56 promiscuity ${promisc ? 1 : 0} minmtu 68` },
    { match: /^ping -c 3 /, reply: () => `3 packets transmitted, ${promisc && o.promiscBreaksTraffic ? 0 : 3} packets received` },
  ]
}

describe('scenario logic on fake guests (no QEMU)', function () {
  this.timeout(60_000)
  const ops = ['ethtool -i', 'promiscuous on', 'promiscuous off']
  const fn = functionalScenario(op => ops.includes(op))

  it('functional: split matching monolithic passes, every operation a check with its evidence', async () => {
    const tb = fakeTestbed((nic, v) => new FakeGuest(nic, v, deviceRules(v)))
    const cases = await fn.run(tb, e1000, ['monolithic', 'split'])
    for (const c of cases) expect(c.status, why(c)).to.equal('pass')
    const split = cases.find(c => c.variant === 'split')!
    expect(split.checks.map(k => k.name)).to.include.members([...ops, 'split matches monolithic on every operation', 'no kernel crash on the console'])
    expect(split.checks.find(k => k.name === 'promiscuous on')!.evidence).to.match(/PROMISC.*traffic after: ping 3\/3/)
  })

  it('functional: split failing where monolithic works fails split, naming the operation', async () => {
    const tb = fakeTestbed((nic, v) => new FakeGuest(nic, v, deviceRules(v, { promiscBreaksTraffic: v === 'split' })))
    const cases = await fn.run(tb, e1000, ['monolithic', 'split'])
    expect(cases.find(c => c.variant === 'monolithic')!.status).to.equal('pass')
    const split = cases.find(c => c.variant === 'split')!
    expect(split.status, why(split)).to.equal('fail')
    expect(split.reason).to.match(/^promiscuous on: .*ping 0\/3/)
    expect(split.checks.find(k => k.name === 'split matches monolithic on every operation')).to.include({ ok: false, evidence: 'differs on: promiscuous on' })
  })

  /** A split guest whose u-driver, when killed, comes back (a replay) unless `dead`. */
  // The fake's kernel log advances 50 ms a line: a recovery (detach, attach, replay) is 100 ms.
  function crashGuest(v: Variant, o: { dead?: boolean; forkExecUs?: number } = {}): (nic: typeof e1000) => FakeGuest {
    return nic => {
      let pid = 200
      const st = { mtu: '1500', mac: '52:54:00:12:34:56', promisc: false, groups: 2 }
      const g = new FakeGuest(nic, v, [
        waitEventRule,
        { match: /max_restarts$/, reply: '' },
        { match: /^ip link set dut0 mtu (\d+) && ip link set dut0 address (\S+) && ip link set dut0 promisc on && ip maddr add \S+ dev dut0/, reply: m => { st.mtu = m[1]!; st.mac = m[2]!; st.promisc = true; st.groups = 3; return '' } },
        { match: /^ip maddr show dev dut0$/, reply: () => `2:\tdut0\n\tlink  33:33:00:00:00:01\n\tlink  01:00:5e:00:00:01\n${st.groups > 2 ? '\tlink  01:00:5e:01:02:03\n' : ''}\tinet  224.0.0.1\n` },
        { match: /carrier\)" = 1 \] && break; sleep 0.1; done; ping -c 2/, reply: '' },
        { match: /^basename \$\(readlink \/sys\/class\/net\/dut0\/device\)$/, reply: '0000:00:03.0' },
        { match: /^ping -i 0\.01 -w \d+ -I dut0 \S+ > \/tmp\/baseline-ping-dut0\.log 2>&1 &\nwait$/, reply: '' },
        { match: /^tail -2 \/tmp\/baseline-ping-dut0\.log$/, reply: '500 packets transmitted, 500 packets received, 0% packet loss' },
        { match: /^\(ping -i 0\.01 .*crash-ping-dut0\.log/, reply: '' },
        { match: /^pid=\$\(pgrep -x mb-udriver\) && kill -SEGV \$pid/, reply: () => {
          g.log(`microbed: event=detach driver=e1000 dev=0000:00:03.0 handle=1 pid=${pid} reason=closed`)
          if (!o.dead) {
            pid++
            g.log(`microbed: event=attach driver=e1000 dev=0000:00:03.0 handle=1 pid=${pid} live=1`)
            g.log(`microbed: event=replay driver=e1000 dev=0000:00:03.0 handle=1 pid=${pid} result=0 mtu=${st.mtu} mac=${st.mac} rx_flags=1 mc=${st.groups} uc=0 autoneg=1`)
          }
          return `killed ${pid}`
        } },
        { match: /pgrep -x ping >\/dev\/null \|\| break/, reply: '' },
        { match: /^cat \/tmp\/crash-ping-dut0\.log$/, reply: '1000 packets transmitted, 1000 packets received, 0% packet loss' },
        { match: /^cat \/sys\/class\/net\/dut0\/mtu$/, reply: () => st.mtu },
        { match: /^cat \/sys\/class\/net\/dut0\/address$/, reply: () => st.mac },
        { match: /^ip link show dut0$/, reply: () => `2: dut0: <BROADCAST,MULTICAST${st.promisc ? ',PROMISC' : ''},UP> mtu ${st.mtu}` },
        { match: /^ethtool -c dut0; ethtool -a dut0$/, reply: 'rx-usecs: 100\nAutonegotiate: off\nRX: off\nTX: off\n' },
        { match: /^ethtool -i dut0 \| grep -q/, reply: '3 packets transmitted, 3 packets received' },
        { match: /^mb-ref$/, reply: `pipe_rtt_us=170.00 fork_exec_us=${(o.forkExecUs ?? 25_000).toFixed(1)} null_syscall_us=0.800 pipes=2000 forks=100 syscalls=200000\n` },
      ])
      g.vm = { ...g.vm, traffic: undefined } // no iperf3 from the host: pings carry the traffic check
      g.log('microbed: event=attach driver=e1000 dev=0000:00:03.0 handle=1 pid=200 live=1')
      return g
    }
  }
  const crashOpts = { crash: { signal: 'SIGSEGV', during: 'traffic' as const, crashes: 1 } }

  it('crash-udriver: a u-driver that comes back with its configuration passes, with its recovery time', async () => {
    const tb = fakeTestbed(nic => crashGuest('split')(nic), crashOpts)
    const [c] = await crashUdriver.run(tb, e1000, ['split'])
    expect(c!.status, why(c!)).to.equal('pass')
    expect(c!.measurements.find(m => m.name.startsWith('recovery time'))!.samples).to.have.length(1)
    expect(c!.checks.find(k => k.name.startsWith('the configuration set before'))!.evidence).to.include('mtu 1400, address 52:54:00:6d:62:42, PROMISC')
  })

  it('crash-udriver: a recovery above 5 × fork+exec+wait is reported beside its target, not judged (a timing: bench-split judges it)', async () => {
    const tb = fakeTestbed(nic => crashGuest('split', { forkExecUs: 7500 })(nic), crashOpts)
    const lines: string[] = []
    const info = tb.log.info.bind(tb.log)
    tb.log.info = (m: string) => { lines.push(m); info(m) }
    const [c] = await crashUdriver.run(tb, e1000, ['split'])
    expect(c!.status, why(c!)).to.equal('pass')
    expect(c!.checks.filter(x => /fork\+exec/.test(x.name))).to.have.length(0)
    expect(c!.measurements.find(m => m.name === 'recovery / fork+exec+wait')!.value).to.be.closeTo(13.33, 0.01)
    expect(lines.join('\n')).to.match(/median recovery 100\.0 ms = 13\.33 × fork\+exec\+wait \(7\.50 ms, mb-ref\).*target ≤ 5 ×: above it/)
  })

  it('crash-udriver: a u-driver that never comes back fails the case, with the kernel log as evidence', async () => {
    const tb = fakeTestbed(nic => crashGuest('split', { dead: true })(nic), crashOpts)
    const [c] = await crashUdriver.run(tb, e1000, ['split'])
    expect(c!.status, why(c!)).to.equal('fail')
    const back = c!.checks.find(k => k.name.startsWith('the u-driver came back by itself'))!
    expect(back.ok).to.equal(false)
    expect(back.evidence).to.match(/^0\/1 recovered; kernel log: detach$/)
  })

  it('crash-udriver: native has no u-driver and is skipped, saying so', async () => {
    const tb = fakeTestbed(nic => crashGuest('native')(nic), crashOpts)
    const [c] = await crashUdriver.run(tb, e1000, ['native'])
    expect(c!.status).to.equal('skip')
    expect(c!.reason).to.match(/no u-driver/)
  })

  /** A guest for throughput: 75 % busy between CPU samples, iperf3 on the host answers with `mbit`. */
  function tputGuest(nic: typeof e1000, v: Variant, mbit: number): FakeGuest {
    let t = 0
    return new FakeGuest(nic, v, [
      { match: /^iperf3 -s -D /, reply: '' },
      { match: /^cat \/proc\/uptime \/proc\/stat$/, reply: () => { t += 10; return `${t.toFixed(2)} ${(t / 4).toFixed(2)}\ncpu  1 0 1 1 0 0 0 0 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\n` } },
    ], [
      { match: /^iperf3 -c /, reply: JSON.stringify({ end: { sum_received: { bits_per_second: mbit * 1e6 } } }) },
    ])
  }

  it('throughput: figures per variant and split/native ratios measured side by side', async () => {
    const tb = fakeTestbed((nic, v) => tputGuest(nic, v, v === 'split' ? 450 : 500), { repeat: 2 })
    const cases = await throughput.run(tb, e1000, ['native', 'split'])
    for (const c of cases) expect(c.status, why(c)).to.equal('pass')
    const split = cases.find(c => c.variant === 'split')!
    expect(split.measurements.find(m => m.name === 'split/native rx throughput ratio')!.value).to.be.closeTo(0.9, 1e-9)
    expect(split.measurements.find(m => m.name.startsWith('TCP rx'))).to.include({ value: 450, unit: 'Mbit/s' })
    expect(tb.guests.flatMap(g => g.hostCommands).filter(a => a.includes('-R')).length).to.equal(4) // tx runs: 2 rounds × 2 variants
  })

  it('throughput: a variant whose runs move nothing fails', async () => {
    const tb = fakeTestbed((nic, v) => tputGuest(nic, v, v === 'split' ? 0 : 500), { repeat: 2 })
    const cases = await throughput.run(tb, e1000, ['native', 'split'])
    expect(cases.find(c => c.variant === 'native')!.status).to.equal('pass')
    const split = cases.find(c => c.variant === 'split')!
    expect(split.status, why(split)).to.equal('fail')
    expect(split.reason).to.match(/^iperf3 rx moved traffic in all 2 runs: Mbit\/s: 0, 0/)
  })
})

describe('small-packets and bench-packets on fake guests (no QEMU)', function () {
  this.timeout(60_000)
  /** A guest 75 % busy between CPU samples around TCP, 10 % in the UDP rx window; the host's
   *  iperf3 answers TCP with `mbit` and UDP with `pps(rate)` delivered of 3 s. */
  function packetGuest(nic: typeof e1000, v: Variant, o: { mbit: number; pps: (offered: number) => number }): FakeGuest {
    let t = 0, hostRx = 1000
    return new FakeGuest(nic, v, [
      { match: /^iperf3 -s -D /, reply: '' },
      { match: /^cat \/proc\/uptime \/proc\/stat$/, reply: () => { t += 10; return `${t.toFixed(2)} ${(t / 4).toFixed(2)}\ncpu  1 0 1 1 0 0 0 0 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\n` } },
      { match: /^sleep 1; cat \/proc\/uptime \/proc\/stat; echo @@; sleep \d+; cat \/proc\/uptime \/proc\/stat$/, reply: () => `10.00 8.00\ncpu  1 0 1 1 0 0 0 0 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\nintr 1\n@@\n20.00 17.00\ncpu  1 0 1 1 0 0 0 0 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\n` },
      // tx: mb-pkt sends from the guest (10 % busy over its window), the host's tap counts what arrived
      { match: /^mb-pkt send 127\.79\.0\.1 9 (\d+) 3$/, reply: m => { const got = o.pps(Number(m[1])) * 3; hostRx += got; return `sent=${got + 6} seconds=3.000 cpu_busy=100 cpu_total=1000\n` } },
    ], [
      { match: /^sh -c cat \/sys\/class\/net\/\*\/statistics\/rx_packets$/, reply: () => `0\n${hostRx}\n` },
      { match: /^iperf3 -c .* -u .*-b (\d+) /, reply: m => { const offered = Number(m[1]) / (18 * 8); const got = o.pps(offered) * 3; return JSON.stringify({ end: { sum_sent: { packets: got + 30, seconds: 3 }, sum_received: { packets: got + 30, lost_packets: 30, seconds: 3 } } }) } },
      { match: /^iperf3 -c /, reply: JSON.stringify({ end: { sum_received: { bits_per_second: o.mbit * 1e6 } } }) },
    ])
  }
  const udp = (max: number) => (offered: number) => (offered === 0 ? max : Math.min(offered, max))

  it('reports packets/s, CPU per packet and TCP per variant, and split/native ratios with intervals', async () => {
    const tb = fakeTestbed((nic, v) => packetGuest(nic, v, { mbit: 500, pps: udp(v === 'split' ? 9900 : 10000) }), { repeat: 5, net: 'tap', iperfSeconds: 3 })
    const cases = await smallPackets.run(tb, e1000, ['native', 'monolithic', 'split'])
    for (const c of cases) expect(c.status, why(c)).to.equal('pass')
    const split = cases.find(c => c.variant === 'split')!
    expect(split.measurements.find(m => m.name.startsWith('small packets rx'))).to.include({ value: 9900, unit: 'packets/s' })
    // 10 % busy over the window at 1000 packets/s: 100 µs of guest CPU per packet
    expect(split.measurements.find(m => m.name.startsWith('guest CPU per packet, rx'))!.value).to.be.closeTo(0.1 * 1e6 / 1000, 1e-6)
    expect(split.measurements.find(m => m.name.startsWith('small packets tx'))).to.include({ value: 9900, unit: 'packets/s' })
    expect(split.measurements.find(m => m.name.startsWith('guest CPU per packet, tx'))!.value).to.be.closeTo(0.1 * 1e6 / 1000, 1e-6)
    const r = split.measurements.find(m => m.name === 'split/native rx small-packet rate ratio')!
    expect(r.value).to.be.closeTo(0.99, 1e-9)
    expect(r.interval).to.include({ coveragePct: 93.8 })
    expect(judgeRatio(r).ok).to.equal(true)
  })

  it('fails a case whose fixed rate is not below saturation, and skips without a tap', async () => {
    const tb = fakeTestbed((nic, v) => packetGuest(nic, v, { mbit: 500, pps: udp(v === 'split' ? 1100 : 10000) }), { repeat: 5, net: 'tap', iperfSeconds: 3 })
    const cases = await smallPackets.run(tb, e1000, ['native', 'split'])
    expect(cases.find(c => c.variant === 'native')!.status).to.equal('pass')
    const split = cases.find(c => c.variant === 'split')!
    expect(split.status, why(split)).to.equal('fail')
    expect(split.reason).to.match(/rx: 1000 packets\/s is not below saturation/)
    const user = await smallPackets.run(fakeTestbed(() => { throw new Error('must not boot') }), e1000, ['split'])
    expect(user[0]).to.include({ status: 'skip' })
    expect(user[0]!.reason).to.match(/needs --net tap/)
  })

  it("bench-packets' verdict: met only when the median is ≥ 0.99 and the interval's lower end ≥ 0.97", () => {
    expect(judgeRatio({ value: 1.0, interval: { low: 0.98, high: 1.02, coveragePct: 93 } }).ok).to.equal(true)
    expect(judgeRatio({ value: 1.0, interval: { low: 0.95, high: 1.05, coveragePct: 93 } })).to.deep.include({ ok: false })
    expect(judgeRatio({ value: 1.0, interval: { low: 0.95, high: 1.05, coveragePct: 93 } }).evidence).to.match(/not shown: the lower end is below 0.97/)
    expect(judgeRatio({ value: 0.95, interval: { low: 0.93, high: 0.98, coveragePct: 93 } }).evidence).to.match(/missed: the whole interval is below 0.99/)
    expect(judgeRatio({ value: 0.94, interval: { low: 0.51, high: 1.49, coveragePct: 93 } })).to.deep.include({ ok: false })
    expect(judgeRatio({ value: 0.94, interval: { low: 0.51, high: 1.49, coveragePct: 93 } }).evidence).to.match(/not shown: the median is below 0.99, but the interval reaches above it/)
    expect(judgeRatio({ value: 1.0 }).evidence).to.match(/without an interval/)
    expect(judgeRatio(undefined).ok).to.equal(false)
  })
})
