// The nightly runner on fake scenarios and fake guests (no QEMU): the matrix from the scenarios'
// declarations, the budget, the infrastructure retry, the comparison with a baseline, the update of
// the baseline, bad input, and sharding + merge giving the verdicts of an unsharded run.
import { expect } from 'chai'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compare, loadBaseline, type Baseline } from '../orchestrator/nightly/baseline.ts'
import { assignShards, expandMatrix, planBudget, selectJobs } from '../orchestrator/nightly/matrix.ts'
import { mergeShards } from '../orchestrator/nightly/merge.ts'
import { DEFAULT_BASELINE, planNightly, runNightly, writeBaseline } from '../orchestrator/nightly/nightly.ts'
import { finalize, infraCause, type NightlyDoc } from '../orchestrator/nightly/runner.ts'
import { bandFor, updateBaseline } from '../orchestrator/nightly/update.ts'
import { NICS, VARIANTS, type NicSpec, SETUPS } from '../orchestrator/testbed/nics.ts'
import type { CaseResult } from '../orchestrator/results/results.ts'
import { SCENARIOS } from '../scenarios/index.ts'
import { Log } from '../orchestrator/base/log.ts'
import { args, fakeEnv, fakeScenario, FAKE_NICS, opts } from './fakes/nightly.ts'

const tmp = () => mkdtempSync(join(tmpdir(), 'mb-nightly-test-'))
const writeJson = (file: string, v: unknown) => { writeFileSync(file, JSON.stringify(v, null, 1)); return file }
const emptyBaseline = (): Baseline => ({ schema: 'microbed.nightly-baseline/v1', from: { runs: [], gitCommit: null, accel: null, made: '2026-12-01' }, cases: {}, known: [] })
const verdicts = (d: NightlyDoc) => Object.fromEntries(d.cases.map(c => [c.key, c.kcidb]))
const outcomes = (d: NightlyDoc) => Object.fromEntries(d.comparison.items.map(i => [i.id, i.outcome]))

// Two fake scenarios over every NIC: one per variant, one side by side.
const alpha = fakeScenario('alpha', { variants: 'all', expectedS: 30 }, {
  'e1000/split': { checks: [['works', true], ['fast enough', true]], measurements: [{ name: 'recovery', value: 120, unit: 'ms', samples: [100, 120, 140] }] },
})
const beta = fakeScenario('beta', { variants: ['native', 'split'], together: true, expectedS: 50 })

describe('nightly: the matrix comes from the scenarios\' declarations', () => {
  it('every registered scenario declares its coverage, and each covers every NIC of the table (one for several NICs, every setup)', () => {
    const jobs = expandMatrix(Object.values(SCENARIOS))
    for (const sc of Object.values(SCENARIOS)) {
      expect(sc.covers.expectedS, sc.name).to.be.greaterThan(0)
      const nics = new Set(jobs.filter(j => j.scenario === sc.name).map(j => j.nic))
      expect([...nics], sc.name).to.have.members(Object.keys(sc.nicsUnderTest === 'several' ? SETUPS : NICS))
    }
    // A variant the NIC lacks is in the matrix, costs nothing, and comes out SKIP with the table's reason.
    const rtlSplit = jobs.find(j => j.cases.includes('crash-udriver/rtl8139/split'))!
    if (!NICS.rtl8139!.variants.split) expect(rtlSplit.expectedS).to.equal(0)
  })

  it('a NIC or variant added to the NIC table joins the matrix with no change to the nightly code', () => {
    const table: Record<string, NicSpec> = { ...FAKE_NICS, ne2k: { ...FAKE_NICS.rtl8139!, name: 'ne2k' } }
    const before = expandMatrix([alpha, beta], {}, FAKE_NICS).flatMap(j => j.cases)
    const after = expandMatrix([alpha, beta], {}, table).flatMap(j => j.cases)
    expect(after.filter(k => !before.includes(k))).to.deep.equal(['alpha/ne2k/native', 'alpha/ne2k/monolithic', 'alpha/ne2k/split', 'beta/ne2k/native', 'beta/ne2k/split'])
    expect(expandMatrix([alpha], {}, FAKE_NICS).find(j => j.key === 'alpha/rtl8139/split')!.expectedS).to.equal(0)
    const withSplit: Record<string, NicSpec> = { ...FAKE_NICS, rtl8139: { ...FAKE_NICS.rtl8139!, variants: { ...FAKE_NICS.rtl8139!.variants, split: NICS.e1000!.variants.split! } } }
    expect(expandMatrix([alpha], {}, withSplit).find(j => j.key === 'alpha/rtl8139/split')!.expectedS).to.equal(30)
  })

  it('--only/--skip patterns select cases; a pattern that matches nothing is an error, not an empty green run', () => {
    const jobs = expandMatrix([alpha, beta], {}, FAKE_NICS)
    const dur = () => 30
    expect(selectJobs(jobs, ['alpha/e1000'], [], dur).flatMap(j => j.cases)).to.deep.equal(['alpha/e1000/native', 'alpha/e1000/monolithic', 'alpha/e1000/split'])
    expect(selectJobs(jobs, ['*/e1000/split'], [], dur).flatMap(j => j.cases)).to.deep.equal(['alpha/e1000/split', 'beta/e1000/split'])
    expect(selectJobs(jobs, ['beta'], ['*/rtl8139/*'], dur).flatMap(j => j.cases)).to.deep.equal(['beta/e1000/native', 'beta/e1000/split'])
    expect(() => selectJobs(jobs, ['alhpa'], [], dur)).to.throw(/pattern "alhpa" matches no case/)
  })

  it('shards are deterministic, disjoint, complete and balanced by expected duration', () => {
    const jobs = expandMatrix(Object.values(SCENARIOS))
    const a = assignShards(jobs, 3), b = assignShards([...jobs].reverse(), 3)
    expect([...a].sort()).to.deep.equal([...b].sort())
    const load = [1, 2, 3].map(i => jobs.filter(j => a.get(j.key) === i).reduce((s, j) => s + j.expectedS, 0))
    const longest = Math.max(...jobs.map(j => j.expectedS))
    expect(Math.max(...load) - Math.min(...load)).to.be.at.most(longest)
    expect(jobs.every(j => [1, 2, 3].includes(a.get(j.key)!))).to.equal(true)
  })

  it('the budget cuts what does not fit, in order, and lists it; a budget too small for one case is an error', () => {
    const jobs = expandMatrix([alpha], {}, FAKE_NICS).filter(j => j.expectedS > 0) // 4 cases of 30 s
    const p = planBudget(jobs, 100)
    expect(p.run.map(j => j.key)).to.deep.equal(['alpha/e1000/native', 'alpha/e1000/monolithic', 'alpha/e1000/split'])
    expect(p.cut.map(c => c.job)).to.deep.equal(['alpha/rtl8139/native'])
    expect(p.cut[0]!.why).to.match(/expected 30 s, only 10 s of the 1.7 min budget left/)
    expect(() => planBudget(jobs, 20)).to.throw(/--budget 0\.3 min is too small for even one case: the cheapest, alpha\/e1000\/native, is expected to take 0\.5 min/)
  })
})

describe('nightly: the committed baseline', () => {
  it('nightly/baseline.json loads, names only cases of today\'s matrix, and each band says what it was measured from', () => {
    const { baseline } = loadBaseline(DEFAULT_BASELINE, Object.keys(SCENARIOS))
    const matrix = new Set(expandMatrix(Object.values(SCENARIOS)).flatMap(j => j.cases))
    expect(Object.keys(baseline.cases).filter(k => !matrix.has(k))).to.deep.equal([])
    const bands = Object.values(baseline.cases).flatMap(c => Object.values(c.figures)).filter(b => b !== null)
    expect(bands.length).to.be.greaterThan(20)
    for (const b of bands) expect(b!.basis).to.match(/samples|per-round values|Wilson interval/)
    for (const k of baseline.known) expect(k.ref, k.case).to.not.match(/^added by --update-baseline/) // reviewed entries only
  })
})

describe('nightly: run, retry and compare on fake guests', function () {
  this.timeout(60_000)

  it('runs the matrix; an infrastructure failure is retried once and marked, never a driver failure', async () => {
    const dir = tmp()
    const bl = writeJson(join(dir, 'baseline.json'), emptyBaseline())
    const env = fakeEnv({ infra: { 'e1000/monolithic': 1, 'e1000/split': 2 } })
    const { doc } = await runNightly([alpha], args({ baselineFile: bl, only: ['alpha/e1000'] }), opts, env)
    expect(verdicts(doc)).to.deep.equal({ 'alpha/e1000/native': 'PASS', 'alpha/e1000/monolithic': 'PASS', 'alpha/e1000/split': 'MISS' })
    const mono = doc.cases.find(c => c.key === 'alpha/e1000/monolithic')!
    expect(mono.attempts.map(a => a.status)).to.deep.equal(['error', 'pass'])
    expect(mono.attempts[0]!.reason).to.match(/QEMU did not start/)
    const split = doc.cases.find(c => c.key === 'alpha/e1000/split')!
    expect(split.infra).to.match(/^host: QEMU did not start/)
    expect(doc.comparison.regressions).to.equal(0) // not a driver failure ...
    expect(doc.status).to.equal('incomplete') // ... but the run did not complete: exit 2
    expect(doc.exitCode).to.equal(2)
    expect(env.boots.filter(b => b === 'e1000/split')).to.have.length(2) // one retry, no more
  })

  it('the clock cuts a job whose turn comes too late, and the log says what runs, how many are done and the budget left', async () => {
    const dir = tmp()
    const bl = writeJson(join(dir, 'baseline.json'), emptyBaseline())
    // each boot takes 50 s of a fake clock; three 30 s cases fit a 100 s plan, but not the clock
    let t = Date.parse('2026-12-01T02:00:00Z')
    const env = fakeEnv()
    const events: string[] = []
    env.log = new Log([{ write: ev => { if (ev.kind !== 'progress') events.push(`${ev.kind} ${ev.msg}`) } }])
    const testbed = env.testbed
    env.testbed = async d => { const tb = await testbed(d); const b = tb.boot!; return { ...tb, boot: async (...a) => { t += 50_000; return b(...a) } } }
    env.now = () => t
    const { doc } = await runNightly([alpha], args({ baselineFile: bl, only: ['alpha/e1000'], budgetMin: 100 / 60 }), opts, env)
    expect(doc.cases.map(c => c.key)).to.deep.equal(['alpha/e1000/native', 'alpha/e1000/monolithic'])
    expect(doc.budget.cut.map(c => `${c.job}: ${c.why}`)).to.deep.equal(['alpha/e1000/split: expected 30 s, only 0 s of the 1.7 min budget left when its turn came'])
    expect(events).to.include('step nightly [1/3] alpha/e1000/native: expected 30 s; 1.7 min of the budget left, ~1.5 min of work planned')
    expect(events).to.include('step nightly [2/3] alpha/e1000/monolithic: expected 30 s; 50 s of the budget left, ~60 s of work planned')
    expect(events).to.include('warn budget: cut alpha/e1000/split (expected 30 s, 0 s left)')
    expect(doc.exitCode).to.equal(0) // a cut is reported, not a failure
  })

  it('an SSH readiness timeout counts as infrastructure only with a clean console', () => {
    const c = (evidence: string): CaseResult => ({ scenario: 's', nic: 'e1000', variant: 'native', status: 'error', fault: 'boot', reason: "the guest's SSH server did not answer on 127.0.0.1:2222 within 120 s", evidence, checks: [], measurements: [], timings: {}, logs: {} })
    expect(infraCause(c('[    6.1] microbed: event=guest-ready'))).to.match(/SSH readiness timeout with a clean console/)
    expect(infraCause(c('[    6.1] BUG: kernel NULL pointer dereference, address: 0000000000000000\n[    6.1] #PF: supervisor read access in kernel mode\n[    6.1] RIP: 0010:mb_up+0x1/0x2'))).to.equal(null)
    expect(infraCause(c('microbed: event=module-failed module=mb_e1000'))).to.equal(null)
    expect(infraCause({ ...c(''), fault: 'guest', reason: '`ethtool -S dut0` did not finish within 60 s in the guest' })).to.equal(null)
  })

  it('compares with the baseline: same, better, regressed, new, missing, unexpected pass; an expired entry no longer excuses', () => {
    const mk = (key: string, checks: [string, boolean, string?][], status: CaseResult['status'] = checks.every(c => c[1] || c[2]) ? 'pass' : 'fail'): { key: string; result: CaseResult; infra: null } => {
      const [scenario, nic, variant] = key.split('/') as [string, string, string]
      return { key, infra: null, result: { scenario, nic, variant, status, ...(status !== 'pass' ? { reason: 'x' } : {}), checks: checks.map(([name, ok, known]) => ({ name, ok, evidence: `${name} evidence`, ...(known ? { known } : {}) })), measurements: [], timings: {}, logs: {} } }
    }
    const baseline: Baseline = {
      ...emptyBaseline(),
      cases: {
        'alpha/e1000/native': { status: 'pass', checks: { a: 'pass', b: 'pass', gone: 'pass' }, figures: {} },
        'alpha/e1000/split': { status: 'fail', checks: { a: 'fail', k: 'known' }, figures: {} },
        'alpha/e1000/monolithic': { status: 'fail', checks: { a: 'fail' }, figures: {} },
        'alpha/rtl8139/native': { status: 'pass', checks: { a: 'pass' }, figures: {} },
      },
      known: [
        { case: 'alpha/e1000/split', check: 'a', reason: 'the u-driver lacks it', ref: 'issue 99', expires: '2027-01-01' },
        { case: 'alpha/e1000/monolithic', check: 'a', reason: 'old', ref: 'issue 98', expires: '2026-11-30' },
      ],
    }
    const cmp = compare([
      mk('alpha/e1000/native', [['a', true], ['b', false], ['c', true]]),
      mk('alpha/e1000/split', [['a', true], ['k', false, 'NIC table']]),
      mk('alpha/e1000/monolithic', [['a', false]]),
      mk('beta/e1000/native', [['z', false]]),
    ], { baseline, file: 'b.json', hash: 'h' }, new Set(['alpha/e1000/native', 'alpha/e1000/split', 'alpha/e1000/monolithic', 'alpha/rtl8139/native', 'beta/e1000/native']), new Set(), '2026-12-01')
    const o = Object.fromEntries(cmp.items.map(i => [i.id, i.outcome]))
    expect(o['alpha/e1000/native › a']).to.equal('same')
    expect(o['alpha/e1000/native › b']).to.equal('regressed')
    expect(o['alpha/e1000/native › c']).to.equal('new')
    expect(o['alpha/e1000/native › gone']).to.equal('missing')
    expect(o['alpha/e1000/native']).to.equal('regressed')
    expect(o['alpha/e1000/split › a']).to.equal('unexpected pass')
    expect(o['alpha/e1000/split › k']).to.equal('same')
    expect(o['alpha/e1000/monolithic › a']).to.equal('regressed') // its entry expired yesterday
    expect(cmp.items.find(i => i.id === 'alpha/e1000/monolithic › a')!.detail).to.match(/expired on 2026-11-30/)
    expect(cmp.expired.map(k => k.ref)).to.deep.equal(['issue 98'])
    expect(o['alpha/rtl8139/native']).to.equal('missing')
    expect(o['beta/e1000/native › z']).to.equal('new')
    expect(cmp.items.filter(i => i.failing).map(i => i.id).sort()).to.deep.equal(['alpha/e1000/monolithic', 'alpha/e1000/monolithic › a', 'alpha/e1000/native', 'alpha/e1000/native › b', 'beta/e1000/native', 'beta/e1000/native › z'])
  })

  it('a figure outside its band on the bad side regresses the run (exit 1), on the good side is better', async () => {
    const dir = tmp()
    const band = { unit: 'ms', low: 50, high: 100, better: 'lower' as const, basis: 'test' }
    const base: Baseline = { ...emptyBaseline(), cases: { 'alpha/e1000/split': { status: 'pass', checks: { works: 'pass', 'fast enough': 'pass', 'no kernel crash on the console': 'pass' }, figures: { recovery: band } } } }
    const bl = writeJson(join(dir, 'baseline.json'), base)
    const slow = await runNightly([alpha], args({ baselineFile: bl, only: ['alpha/e1000/split'] }), opts, fakeEnv())
    expect(outcomes(slow.doc)['alpha/e1000/split › recovery']).to.equal('regressed')
    expect(slow.doc.exitCode).to.equal(1)
    base.cases['alpha/e1000/split']!.figures.recovery = { ...band, low: 130, high: 200 }
    writeJson(bl, base)
    const fast = await runNightly([alpha], args({ baselineFile: bl, only: ['alpha/e1000/split'] }), opts, fakeEnv())
    expect(outcomes(fast.doc)['alpha/e1000/split › recovery']).to.equal('better')
    expect(fast.doc.exitCode).to.equal(0)
  })

  it('--update-baseline writes the run as the new baseline with bands from the measured spread, and shows the diff', async () => {
    const dir = tmp()
    const bl = join(dir, 'baseline.json')
    const first = await runNightly([alpha, beta], args({ baselineFile: bl, updateBaseline: true, only: ['*/e1000'] }), opts, fakeEnv())
    expect(first.baselineDiff).to.include('+ alpha/e1000/split: pass, 3 checks, 1 figures')
    const { baseline } = loadBaseline(bl, ['alpha', 'beta'])
    // samples 100, 120, 140 ms: range 40, widened by 20 each side, times 2.1 for day-to-day speed
    expect(baseline.cases['alpha/e1000/split']!.figures.recovery).to.deep.include({ low: 38.095, high: 336, better: 'lower' })
    const again = await runNightly([alpha, beta], args({ baselineFile: bl, only: ['*/e1000'] }), opts, fakeEnv())
    expect(again.doc.comparison.counts).to.deep.include({ regressed: 0, new: 0, missing: 0 })
    expect(again.doc.exitCode).to.equal(0)
  })

  it('bands: ratios from their per-round values, shares from the Wilson interval of the count, absolute throughput none', () => {
    expect(bandFor({ name: 'split/native rx throughput ratio', value: 0.95, unit: 'ratio', extra: { perRound: '0.900 0.950 1.000' } }, 'r')).to.deep.include({ low: 0.85, high: 1.05, better: 'higher' })
    expect(bandFor({ name: 'recovered without help, of the faults that fired', value: 100, unit: '%', extra: { fired: 20, total: 20 } }, 'r')).to.deep.include({ low: 83.887, high: 100, better: 'higher' })
    expect(bandFor({ name: 'TCP rx', value: 500, unit: 'Mbit/s', samples: [400, 500, 600] }, 'r')).to.equal(null)
  })

  it('sharded into 3 and merged gives the verdicts and the comparison of the unsharded run', async () => {
    const dir = tmp()
    const bl = writeJson(join(dir, 'baseline.json'), emptyBaseline())
    const table = { 'alpha': {}, 'beta': {} }
    void table
    const broken = fakeScenario('alpha', alpha.covers, { 'e1000/split': { checks: [['works', false]] }, 'rtl8139/native': { checks: [['works', true]], measurements: [{ name: 'm', value: 1, unit: 's' }] } })
    const whole = await runNightly([broken, beta], args({ baselineFile: bl }), opts, fakeEnv())
    const shardDirs: string[] = []
    for (const i of [1, 2, 3]) {
      const r = await runNightly([broken, beta], args({ baselineFile: bl, shard: { index: i, count: 3 } }), opts, fakeEnv())
      expect(r.doc.cases.length, `shard ${i}`).to.be.greaterThan(0)
      shardDirs.push(r.dir)
    }
    const merged = finalize(mergeShards(shardDirs, join(dir, 'merged'), 'merge'), { ...loadBaseline(bl, ['alpha', 'beta']), file: bl }, '2026-12-01')
    expect(verdicts(merged)).to.deep.equal(verdicts(whole.doc))
    expect(outcomes(merged)).to.deep.equal(outcomes(whole.doc))
    expect(merged.exitCode).to.equal(whole.doc.exitCode).and.to.equal(1)
  })
})

describe('nightly: bad input is an error naming the file and the problem', function () {
  this.timeout(60_000)
  const names = ['alpha', 'beta']

  it('a missing, corrupt or unknown-scenario baseline; a failure expected without a known-failure entry', () => {
    const dir = tmp()
    expect(() => loadBaseline(join(dir, 'nope.json'), names)).to.throw(/baseline .*nope\.json: does not exist/)
    writeFileSync(join(dir, 'bad.json'), '{"schema": "microbed.nightly-baseline/v1", "cases": {')
    expect(() => loadBaseline(join(dir, 'bad.json'), names)).to.throw(/baseline .*bad\.json: is not valid JSON/)
    writeJson(join(dir, 'unknown.json'), { ...emptyBaseline(), cases: { 'gamma/e1000/native': { status: 'pass', checks: {}, figures: {} } } })
    expect(() => loadBaseline(join(dir, 'unknown.json'), names)).to.throw(/unknown\.json: case "gamma\/e1000\/native" names an unknown scenario "gamma"/)
    writeJson(join(dir, 'nokf.json'), { ...emptyBaseline(), cases: { 'alpha/e1000/native': { status: 'fail', checks: { a: 'fail' }, figures: {} } } })
    expect(() => loadBaseline(join(dir, 'nokf.json'), names)).to.throw(/expects check "a" to fail, but no known-failure entry gives its reason, reference and expiry/)
    writeJson(join(dir, 'kf.json'), { ...emptyBaseline(), known: [{ case: 'alpha/e1000/native', reason: 'r', ref: '', expires: 'soon' }] })
    expect(() => loadBaseline(join(dir, 'kf.json'), names)).to.throw(/known\[0\] needs ref.*known\[0\]\.expires must be a date YYYY-MM-DD, not "soon"/)
  })

  it('the nightly stops before anything runs on a bad baseline or a budget too small (no report written)', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'baseline.json'), 'not json')
    const env = fakeEnv({ dir: join(dir, 'run') })
    let err: unknown
    try { await runNightly([alpha], args({ baselineFile: join(dir, 'baseline.json') }), opts, env) } catch (e) { err = e }
    expect(String(err)).to.match(/baseline .*baseline\.json: is not valid JSON/)
    expect(() => planNightly([alpha], args({ baselineFile: writeJson(join(dir, 'ok.json'), emptyBaseline()), budgetMin: 0.2 }), opts, FAKE_NICS)).to.throw(/too small for even one case/)
    expect(env.boots).to.deep.equal([])
    expect(() => readFileSync(join(dir, 'run', 'report.html'))).to.throw(/ENOENT/)
  })

  it('merge refuses shards from different commits or matrices, a shard given twice or missing', async () => {
    const dir = tmp()
    const bl = writeJson(join(dir, 'baseline.json'), emptyBaseline())
    const shard = async (i: number, n: number, only: string[] = []) => (await runNightly([alpha], args({ baselineFile: bl, shard: { index: i, count: n }, only }), opts, fakeEnv())).dir
    const [s1, s2] = [await shard(1, 2), await shard(2, 2)]
    expect(() => mergeShards([s1], join(dir, 'm'), 'merge')).to.throw(/shard 2\/2 missing: given 1\/2/)
    expect(() => mergeShards([s1, s1], join(dir, 'm'), 'merge')).to.throw(/shard 1\/2 is given twice/)
    const other = await shard(2, 2, ['alpha/e1000'])
    expect(() => mergeShards([s1, other], join(dir, 'm'), 'merge')).to.throw(/results\.json ran matrix \w+, .* the shards differ in their cases, options or shard count/)
    const doc = JSON.parse(readFileSync(join(s2, 'results.json'), 'utf8'))
    doc.run.gitCommit = '0000000000000000000000000000000000000000'
    writeJson(join(s2, 'results.json'), doc)
    expect(() => mergeShards([s1, s2], join(dir, 'm'), 'merge')).to.throw(/is from commit 0{40}, .* shards of different commits do not make one run/)
    expect(() => mergeShards([dir], join(dir, 'm'), 'merge')).to.throw(/no results\.json in this folder/)
  })

  it('`microbed report merge` joins shard folders into one run folder with every output, exit as its comparison says', async () => {
    const dir = tmp()
    const bl = writeJson(join(dir, 'baseline.json'), emptyBaseline())
    const broken = fakeScenario('alpha', alpha.covers, { 'e1000/split': { checks: [['works', false]] } })
    const shards = [] as string[]
    for (const i of [1, 2]) shards.push((await runNightly([broken], args({ baselineFile: bl, shard: { index: i, count: 2 } }), opts, fakeEnv())).dir)
    const out = join(dir, 'merged')
    const r = spawnSync('node', ['bin/microbed.js', 'report', 'merge', ...shards, '--baseline', bl, '--out', out], { encoding: 'utf8' })
    expect(r.status, r.stderr).to.equal(1)
    expect(r.stdout).to.match(/nightly: REGRESSED \(exit 1\): 6 cases/)
    for (const f of ['results.json', 'junit.xml', 'results.ktap', 'summary.md', 'report.html']) expect(existsSync(join(out, f)), f).to.equal(true)
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as NightlyDoc
    expect(doc.run.mergedFrom).to.deep.equal(shards)
    expect(doc.cases.map(c => c.key)).to.deep.equal(expandMatrix([broken], {}, FAKE_NICS).flatMap(j => j.cases))
    const other = writeJson(join(dir, 'other.json'), { ...emptyBaseline(), known: [] , from: { runs: ['x'], gitCommit: null, accel: null, made: 'y' } })
    const r2 = spawnSync('node', ['bin/microbed.js', 'report', 'merge', ...shards, '--baseline', other, '--out', join(dir, 'm2')], { encoding: 'utf8' })
    expect(r2.status).to.equal(2)
    expect(r2.stderr).to.match(/baseline .*other\.json \(\w+\) is not the one the shards were compared with/)
  })

  it('the CLI says it with exit 2 and writes no report', () => {
    const dir = tmp()
    writeFileSync(join(dir, 'baseline.json'), '[1, 2')
    let out = ''
    let code = 0
    try { execFileSync('node', ['bin/microbed.js', 'nightly', '--baseline', join(dir, 'baseline.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MICROBED_RESULTS: join(dir, 'results') } }) } catch (e) { const x = e as { status: number; stderr: string }; code = x.status; out = x.stderr }
    expect(code).to.equal(2)
    expect(out).to.match(/baseline .*baseline\.json: is not valid JSON[\s\S]*no report was written/)
    try { execFileSync('node', ['bin/microbed.js', 'nightly', '--budget', '0.1', '--update-baseline', '--baseline', join(dir, 'new.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) } catch (e) { const x = e as { status: number; stderr: string }; code = x.status; out = x.stderr }
    expect(code).to.equal(2)
    expect(out).to.match(/--budget 0\.1 min is too small for even one case/)
  })

  it('writeBaseline refuses a run that stopped', () => {
    const doc = { error: { fault: 'host', message: 'QEMU missing' }, run: { id: 'r' } } as unknown as NightlyDoc
    expect(() => writeBaseline(doc, null, join(tmp(), 'b.json'))).to.throw(/no new baseline from run r: the run stopped \(QEMU missing\)/)
    expect(updateBaseline).to.be.a('function')
    expect(VARIANTS.length).to.equal(3)
  })
})
