// The results document: its schema, how statuses combine, and the case builder that refuses to
// call a case PASS without a check.
import { expect } from 'chai'
import { CaseBuilder } from '../orchestrator/testbed/scenario.ts'
import { KernelCrashError, HostError } from '../orchestrator/base/errors.ts'
import { targetEvidence } from '../orchestrator/cli/commands/bench-split.ts'
import { exitCode, median, medianInterval, overallStatus, renderSummary, summarize, validateResult, type RunResult } from '../orchestrator/results/results.ts'
import { parseIperfJson, parseCpuSample, utilization } from '../scenarios/throughput.ts'

const doc = (cases: RunResult['cases']): RunResult => ({
  schema: 'microbed.result/v1',
  run: { id: 'r1', command: 'microbed scenario smoke', startedAt: '2026-11-26T00:00:00Z', finishedAt: '2026-11-26T00:01:00Z', gitCommit: null, dir: '/tmp/r1' },
  environment: { host: { hostname: 'h', kernel: 'k', cpus: 2, memoryGiB: 24, node: 'v20' }, accel: { accel: 'tcg', reason: 'auto' }, qemuVersion: 'QEMU 7.2', net: 'user', image: null },
  timings: {}, cases, status: overallStatus(cases), events: [],
})

describe('results document', () => {
  it('a case passes only with checks that all passed', () => {
    const c = new CaseBuilder('smoke', 'e1000', 'native')
    expect(c.finish().status).to.equal('error') // nothing checked: never PASS
    c.check('carrier', true, 'carrier=1')
    expect(c.finish().status).to.equal('pass')
    c.check('ping', false, '0 packets received\nmore')
    const r = c.finish()
    expect(r.status).to.equal('fail')
    expect(r.reason).to.equal('ping: 0 packets received')
  })

  it('a kernel crash fails the case with the console excerpt; an infrastructure error is an error', () => {
    const crash = new CaseBuilder('smoke', 'e1000', 'native').fail(new KernelCrashError('oops', 'Oops: 0000 [#1]'))
    expect(crash.status).to.equal('fail')
    expect(crash.evidence).to.equal('Oops: 0000 [#1]')
    expect(crash.checks.at(-1)).to.deep.include({ name: 'no kernel crash on the console', ok: false })
    const infra = new CaseBuilder('smoke', 'e1000', 'native').fail(new HostError('no qemu', { hint: 'apt-get install qemu-system-x86' }))
    expect(infra.status).to.equal('error')
    expect(infra.reason).to.equal('no qemu (apt-get install qemu-system-x86)')
  })

  it('a skipped case says why and is never counted as a pass', () => {
    const s = new CaseBuilder('smoke', 'e1000', 'split').skip('not built yet')
    expect(s).to.deep.include({ status: 'skip', reason: 'not built yet' })
    expect(overallStatus([s])).to.equal('skip')
    expect(exitCode(overallStatus([s]))).to.equal(3)
  })

  it('combines statuses: error over fail over pass', () => {
    const pass = new CaseBuilder('s', 'n', 'v'); pass.check('a', true, '')
    const fail = new CaseBuilder('s', 'n', 'v'); fail.check('a', false, 'x')
    expect(overallStatus([pass.finish(), fail.finish()])).to.equal('fail')
    expect(overallStatus([pass.finish(), fail.finish(), new CaseBuilder('s', 'n', 'v').fail(new Error('boom'))])).to.equal('error')
    expect(exitCode('pass')).to.equal(0)
    expect(exitCode('fail')).to.equal(1)
  })

  it('validates a real document and rejects broken ones', () => {
    const c = new CaseBuilder('throughput', 'e1000', 'native')
    c.check('iperf3', true, 'ok')
    c.measure({ name: 'TCP rx', unit: 'Mbit/s', ...summarize([500, 600, 550]) })
    const good = doc([c.finish()])
    expect(validateResult(JSON.parse(JSON.stringify(good)))).to.deep.equal([])
    expect(validateResult({ ...good, schema: 'v0' })).to.include('schema must be "microbed.result/v1"')
    const noUnit = doc([{ ...c.finish(), measurements: [{ name: 'x', value: 1, unit: '' }] }])
    expect(validateResult(noUnit)).to.include('cases[0].measurements[0] needs name, numeric value and unit')
    const lying = doc([{ ...c.finish(), checks: [{ name: 'a', ok: false, evidence: '' }] }])
    expect(validateResult(lying)).to.include('cases[0] passes with a failed check')
    const empty = doc([{ ...c.finish(), checks: [], measurements: [] }])
    expect(validateResult(empty)).to.include('cases[0] passes without a single check or measurement')
    const noReason = doc([{ ...c.finish(), status: 'skip' }])
    expect(validateResult(noReason)).to.include('cases[0] has status skip but no reason')
  })

  it('summarizes samples as median, min, max and spread', () => {
    expect(median([3, 1, 2])).to.equal(2)
    expect(median([4, 1, 2, 3])).to.equal(2.5)
    expect(summarize([400, 500, 600])).to.deep.equal({ value: 500, samples: [400, 500, 600], spread: { min: 400, max: 600, relativePct: 40 } })
  })

  it('gives a distribution-free interval for the median from order statistics, or none from too few samples', () => {
    expect(medianInterval([1, 2, 3, 4])).to.equal(null) // 4 samples cover at most 87.5 %
    expect(medianInterval([5, 1, 4, 2, 3])).to.deep.equal({ low: 1, high: 5, coveragePct: 93.8 })
    expect(medianInterval([7, 1, 6, 2, 5, 3, 4])).to.deep.equal({ low: 1, high: 7, coveragePct: 98.4 }) // k = 2 covers only 87.5 %
    expect(medianInterval([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).to.deep.equal({ low: 2, high: 9, coveragePct: 97.9 })
    expect(medianInterval(Array.from({ length: 12 }, (_, i) => i + 1))).to.deep.equal({ low: 3, high: 10, coveragePct: 96.1 })
    expect(medianInterval([1, 2, 3, 4, 5], 0.95)).to.equal(null)
  })

  it("rejects a measurement whose interval is upside down", () => {
    const c = new CaseBuilder('throughput', 'e1000', 'split')
    c.measure({ name: 'split/monolithic rx throughput ratio', value: 1, unit: 'ratio', interval: { low: 1.1, high: 0.9, coveragePct: 93.8 } })
    expect(validateResult(doc([c.finish()]))).to.include('cases[0].measurements[0].interval needs numeric low <= high and coveragePct')
  })

  it("says whether a target's verdict lies beyond the run's noise", () => {
    const atLeast = (v: number) => v >= 0.97
    expect(targetEvidence({ value: 0.99 }, 'ratio', atLeast)).to.equal('0.990 ratio')
    expect(targetEvidence({ value: 0.99, interval: { low: 0.98, high: 1.02, coveragePct: 93.8 } }, 'ratio', atLeast)).to.equal('0.990 ratio (per-round 93.8% interval 0.980 to 1.020: met across it)')
    expect(targetEvidence({ value: 0.95, interval: { low: 0.9, high: 1.04, coveragePct: 93.8 } }, 'ratio', atLeast)).to.match(/0\.950 ratio .*0\.900 to 1\.040: the target lies inside it: this run cannot tell/)
    expect(targetEvidence({ value: 7, interval: { low: 5.5, high: 9, coveragePct: 98.4 } }, 'points', v => v <= 5)).to.match(/5\.5 to 9\.0: missed across it/)
  })

  it('renders a readable summary with the verdict, checks and measurements', () => {
    const c = new CaseBuilder('smoke', 'rtl8139', 'native')
    c.check('dut0 carrier up', true, 'carrier=1')
    c.measure({ name: 'boot to SSH', value: 5.5, unit: 's' })
    const text = renderSummary(doc([c.finish(), new CaseBuilder('smoke', 'rtl8139', 'split').skip('no microdriver yet')]))
    expect(text).to.match(/^PASS  smoke rtl8139\/native$/m)
    expect(text).to.match(/✓ dut0 carrier up: carrier=1/)
    expect(text).to.match(/• boot to SSH 5.50 s/)
    expect(text).to.match(/^SKIP  smoke rtl8139\/split — no microdriver yet$/m)
    expect(text).to.match(/^result: PASS/m)
  })
})

describe('throughput parsing', () => {
  it('computes CPU utilization from two samples: time not idle (/proc/uptime) over the online CPUs (/proc/stat)', () => {
    const stat = (cpus: number) => `cpu  100 0 100 800 0 0 0 0 0 0\n${Array.from({ length: cpus }, (_, i) => `cpu${i} 1 0 1 8 0 0 0 0 0 0\n`).join('')}intr 5\n`
    const a = parseCpuSample(`10.00 8.00\n${stat(1)}`)
    expect(utilization(a, parseCpuSample(`12.00 8.00\n${stat(1)}`))).to.equal(100)
    expect(utilization(a, parseCpuSample(`14.00 10.00\n${stat(1)}`))).to.equal(50)
    // idle is summed over the CPUs: two CPUs, 1 s, 1.5 s idle → 25 % busy
    expect(utilization(parseCpuSample(`10.00 16.00\n${stat(2)}`), parseCpuSample(`11.00 17.50\n${stat(2)}`))).to.equal(25)
    // tick-sampled user/system columns do not count: they did not move here
    expect(utilization(a, parseCpuSample(`11.00 8.50\n${stat(1)}`))).to.equal(50)
    expect(() => parseCpuSample('garbage')).to.throw(/not a CPU sample/)
    expect(() => parseCpuSample('10.00 8.00\ncpu  1 2 3 4\n')).to.throw(/not a CPU sample/)
  })
  it("reads the receiver's throughput from iperf3 JSON and surfaces iperf3's errors", () => {
    expect(parseIperfJson(JSON.stringify({ end: { sum_received: { bits_per_second: 5.5e8 } } }))).to.equal(550)
    expect(() => parseIperfJson(JSON.stringify({ error: 'unable to connect to server' }))).to.throw(/iperf3: unable to connect/)
    expect(() => parseIperfJson('Connection refused')).to.throw(/printed no JSON/)
  })
})
