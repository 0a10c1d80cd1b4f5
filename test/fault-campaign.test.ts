// The fault campaign's verdicts, on guest output in the exact form faultScript makes it print:
// each outcome the anchors count, from the runtime's events and the health check.
import { expect } from 'chai'
import { classify, contrastTable, parseFaultOutput, phaseTimes, share, faultScript, workloadRound, pickFault, type FaultRun } from '../scenarios/fault-campaign.ts'
import { e1000 } from '../orchestrator/slicer/specs/e1000.spec.ts'
import { NICS } from '../orchestrator/testbed/nics.ts'

const flip = { kind: 'bitflip.stack', spec: 'bitflip.stack:42' }
const crash = { kind: 'crash', spec: 'crash:SET_MTU:1' }
const SWIFI = '@@inject swifi-fired kind=bitflip region=stack pid=300 tid=301 seed=42 flip=1 addr=0x7f00 map=7e00-7f80 perms=rw-p file=- bit=3 old=0x00 new=0x08 sp=0x7e80'
const out = (health: string, log: string, extra = '') => `@@t start 10.00\n${SWIFI}\n@@t injected 10.05\n@@t workload 10.60\n@@health ${health}\n${extra}@@dmesg\n${log}`
const FIRED = '[ 10.05] microbed: event=swifi-fired kind=bitflip region=stack pid=300 tid=301 seed=42 flip=1 addr=0x7f00 bit=3 old=0x00 new=0x08\n'
const DEATH = `[ 10.40] microbed: event=detach driver=e1000 dev=0000:00:03.0 handle=1 pid=300 reason=closed
[ 10.41] microbed: event=udriver-exit prog=mb-udriver status=139 run=1
[ 10.52] microbed: event=attach driver=e1000 dev=0000:00:03.0 handle=1 pid=310 live=1
[ 10.58] microbed: event=replay driver=e1000 dev=0000:00:03.0 handle=1 pid=310 result=0 mtu=1500
`
const run = (output: string | null, o: { crash?: string; answered?: boolean; fault?: typeof flip } = {}) =>
  classify({ fault: o.fault ?? flip, variant: 'split', output, crash: o.crash ?? null, answered: o.answered ?? true })

describe('fault campaign: outcomes', () => {
  it('a flip the u-driver died of, then healthy: recovered unaided, timed from the detach to the replay, with what was flipped', () => {
    const c = run(out('ok', FIRED + DEATH))
    expect(c.outcome).to.equal('recovered unaided')
    expect(c.recoveryMs).to.equal(180)
    expect(c.injected).to.include('region=stack').and.include('old=0x00 new=0x08')
  })
  it('a declared upcall timeout, then healthy: hang detected and recovered', () => {
    const log = FIRED + '[ 12.00] microbed: event=timeout driver=e1000 dev=x handle=1 pid=300 op=28 seq=9 timeout_ms=2000\n[ 12.00] microbed: event=detach driver=e1000 dev=x handle=1 pid=300 reason=timeout\n[ 12.30] microbed: event=replay driver=e1000 dev=x handle=1 pid=310 result=0\n'
    expect(run(out('ok', log))).to.deep.include({ outcome: 'hang detected and recovered', recoveryMs: 300 })
  })
  it('no death, no timeout, healthy: not manifested; and the clean u-driver started afterwards is not counted as a death', () => {
    const fresh = '[ 11.00] microbed: event=mark id=split-1-fresh\n' + DEATH.replace(/10\./g, '11.')
    expect(run(out('ok', FIRED + fresh, '@@survived 300\n@@fresh 320\n')).outcome).to.equal('not manifested')
  })
  it("the module reload of an INIT fault is no u-driver death", () => {
    const log = '[ 10.0] microbed: event=fault-fired driver=e1000 dev=x kind=retval op=INIT(16) nth=1\n[ 10.1] microbed: event=detach driver=e1000 dev=0000:00:03.0 handle=2 pid=891 reason=unregister\n'
    expect(run(out('ok', log), { fault: { kind: 'retval', spec: 'retval.eio:INIT:1' } }).outcome).to.equal('not manifested')
  })
  it('an UP the driver refused (its error, the u-driver alive) is not manifested once the next request brings dut0 up; the evidence says so', () => {
    const log = '[ 10.2] microbed: event=fault-fired driver=e1000 dev=x kind=retval sub=eio op=UP(17) nth=3 call=3\n'
    const c = run(out('ok', log, '@@reup dut0 was administratively down after the workload; ip link set dut0 up succeeded\n'), { fault: { kind: 'retval', spec: 'retval.eio:UP:3' } })
    expect(c.outcome).to.equal('not manifested')
    expect(c.evidence).to.match(/left down by an operation the driver refused, and came up on the next request/)
    const failed = run(out('FAIL admin: dut0 was down and ip link set dut0 up failed: RTNETLINK answers: Input/output error', log), { fault: { kind: 'retval', spec: 'retval.eio:UP:3' } })
    expect(failed.outcome).to.equal('broken')
  })
  it('a death the kernel retried the operation in flight through is recovered unaided, the retry in the evidence', () => {
    const c = run(out('ok', FIRED + DEATH + '[ 10.60] microbed: event=retry driver=e1000 dev=0000:00:03.0 handle=1 pid=310 op=up err=-107 result=retried\n'))
    expect(c.outcome).to.equal('recovered unaided')
    expect(c.evidence).to.match(/retry .*op=up err=-107 result=retried/)
  })
  it('unhealthy after the wait: broken, saying which health check failed', () => {
    const c = run(out('FAIL traffic: pings through dut0 unanswered', FIRED + DEATH))
    expect(c.outcome).to.equal('broken')
    expect(c.evidence).to.match(/^health check failed: traffic: pings through dut0 unanswered/)
  })
  it('a crash on the console or in the log: kernel crash, with the oops lines', () => {
    expect(run(null, { crash: '[ 5.1] BUG: kernel NULL pointer dereference, address: 0000000000000000\n[ 5.1] RIP: 0010:mb_e1000_xmit+0x1/0x2\n' })).to.deep.include({ outcome: 'kernel crash', evidence: '[ 5.1] BUG: kernel NULL pointer dereference, address: 0000000000000000 | [ 5.1] RIP: 0010:mb_e1000_xmit+0x1/0x2' })
    expect(run(out('ok', FIRED + '[ 10.3] general protection fault, probably for non-canonical address\n[ 10.3] RIP: 0010:foo\n')).outcome).to.equal('kernel crash')
  })
  it('the fault command never finished: hang undetected, whether or not the guest still answers', () => {
    expect(run(null, { answered: false })).to.deep.include({ outcome: 'hang undetected', evidence: 'the guest no longer answers commands' })
    expect(run(null).outcome).to.equal('hang undetected')
  })
  it('a planted fault never reached, or mb-swifi unable to flip: not fired; a garbage reply on monolithic: not applicable', () => {
    const armed = '[ 10.0] microbed: event=fault-armed driver=e1000 dev=- kind=crash op=SET_MTU(21) nth=1\n'
    expect(run(out('ok', armed), { fault: crash }).outcome).to.equal('not fired')
    const c = run('@@inject mb-swifi: no stack pointer for the chosen thread (it kept running for 200 ms, or is gone)\n@@health ok\n@@dmesg\n')
    expect(c).to.deep.include({ outcome: 'not fired' })
    expect(c.evidence).to.match(/no stack pointer/)
    expect(classify({ fault: { kind: 'garbage', spec: 'garbage.seq:UP:1' }, variant: 'monolithic', output: '@@health ok\n@@dmesg\n[ 3.0] microbed: event=fault-skipped driver=e1000 reason=not-applicable\n', crash: null, answered: true }).outcome).to.equal('not applicable')
  })
  it('a u-driver that refused to arm is broken, not a silent pass', () => {
    const c = run(out('ok', '[ 10.0] microbed: event=swifi-armed prog=mb-udriver pid=300 what=chan arg=x result=-22\n'), { fault: { kind: 'chan.arg', spec: 'chan.arg:1' } })
    expect(c.outcome).to.equal('broken')
  })
  it('reads the phase timings, and gives shares with their Wilson interval', () => {
    const { keys } = parseFaultOutput(out('ok', ''))
    expect(phaseTimes(keys.get('t')!)).to.deep.equal({ injected: 0.05, workload: 0.55 })
    expect(share(0, 1000)).to.equal('0/1000 (0.0 %, 95 % CI 0.0-0.4 %)')
    expect(share(3, 0)).to.equal('3 (of none)')
  })
  it("tabulates monolithic's crashes that split turned into recoveries", () => {
    const r = (i: number, variant: 'split' | 'monolithic', outcome: FaultRun['outcome']): FaultRun => ({ i, spec: `crash:UP:${i}`, variant, kind: 'crash', outcome, evidence: '', injected: '', seconds: 1 })
    const t = contrastTable([r(0, 'split', 'recovered unaided'), r(1, 'split', 'broken'), r(2, 'split', 'not manifested')],
      [r(0, 'monolithic', 'kernel crash'), r(1, 'monolithic', 'kernel crash'), r(2, 'monolithic', 'not manifested')])
    expect(t).to.deep.include({ crashesTurned: 1, monoCrashes: 2 })
    expect(t.text).to.match(/^crash:UP:0\s+kernel crash\s+recovered unaided$/m)
  })
  it('arms each kind with its own injector in the guest script', () => {
    const o = { mark: 'm1', mac: '52:54:00:6d:62:42', addr: '10.0.0.2/24', peer: '10.0.0.1' }
    expect(faultScript(NICS.e1000!, 'split', flip, o)).to.include('mb-swifi -p $P -x mb-arm -r stack -s 42')
    expect(faultScript(NICS.e1000!, 'split', { kind: 'chan.ret', spec: 'chan.ret:9' }, o)).to.include('echo "chan ret:9" > /run/mb-arm; kill -USR1 $P')
    expect(faultScript(NICS.e1000!, 'split', crash, o)).to.include('echo "fault crash:SET_MTU:1" > /run/mb-arm')
    expect(faultScript(NICS.e1000!, 'monolithic', crash, o)).to.match(/insmod \$\(tail -1 \S+\) fault=crash:SET_MTU:1/)
    // a planted fault's round reaches its own operation
    expect(workloadRound({ kind: 'crash', spec: 'crash:RESTART_AUTONEG:2' })).to.include('ethtool -r dut0')
    expect(workloadRound(pickFault(1, 7, e1000))).to.not.include('ethtool -r dut0')
  })
})
