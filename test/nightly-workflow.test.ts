// The GitHub Actions workflow cannot run here; what can be checked is checked: it parses (yaml,
// pinned), the shard matrix is 1..N with N the shard count the nightly is given, fail-fast is off,
// each shard keeps its own artifact, the merge job waits for all of them whatever their outcome,
// downloads them by pattern, merges, publishes junit.xml and the summary, and KVM is enabled.
import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { paths } from '../orchestrator/base/options.ts'

interface Step { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string; id?: string }
interface Job { needs?: string | string[]; if?: string; strategy?: { 'fail-fast'?: boolean; matrix?: Record<string, unknown[]> }; steps: Step[] }

const FILE = join(paths.root, '.github/workflows/nightly.yml')
const wf = () => parse(readFileSync(FILE, 'utf8')) as { on: Record<string, unknown>; env: Record<string, unknown>; jobs: Record<string, Job> }

/** What a glob pattern of download-artifact matches (only * is used). */
const globMatches = (pattern: string, name: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name)

describe('nightly workflow (.github/workflows/nightly.yml)', () => {
  it('runs nightly and on demand', () => {
    expect(wf().on).to.have.keys('schedule', 'workflow_dispatch')
  })

  it('shards: a matrix 1..N matching the --shard I/N each runs, fail-fast off, one artifact per shard', () => {
    const w = wf()
    const shard = w.jobs.shard!
    const n = Number(w.env.SHARDS)
    expect(shard.strategy?.['fail-fast']).to.equal(false)
    expect(shard.strategy?.matrix?.shard).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1))
    const run = shard.steps.map(s => s.run ?? '').join('\n')
    expect(run).to.match(/npm run nightly -- --shard \$\{\{ matrix\.shard \}\}\/\$\{\{ env\.SHARDS \}\}/)
    const up = shard.steps.find(s => s.uses?.startsWith('actions/upload-artifact@'))!
    expect(up.if).to.equal('always()')
    expect(up.with?.name).to.equal('nightly-shard-${{ matrix.shard }}')
    expect(up.with?.path).to.equal('nightly-out/')
    expect(run).to.include('MICROBED_RESULTS=/w/nightly-out')
  })

  it('KVM: the udev rule opens /dev/kvm and the container gets the device', () => {
    const run = wf().jobs.shard!.steps.map(s => s.run ?? '').join('\n')
    expect(run).to.match(/KERNEL=="kvm", GROUP="kvm", MODE="0666"/)
    expect(run).to.match(/tee \/etc\/udev\/rules\.d\/\S+\.rules/)
    expect(run).to.match(/udevadm trigger --name-match=kvm/)
    expect(run).to.match(/docker run [^\n]*--device \/dev\/kvm[^\n]*node:20-bookworm/)
  })

  it('merge: after every shard whatever its outcome, downloads them by pattern, merges, publishes junit and the summary, fails as the merge says', () => {
    const w = wf()
    const m = w.jobs.merge!
    expect([m.needs].flat()).to.deep.equal(['shard'])
    expect(m.if).to.equal('always()')
    const down = m.steps.find(s => s.uses?.startsWith('actions/download-artifact@'))!
    const pattern = String(down.with?.pattern)
    for (const i of w.jobs.shard!.strategy!.matrix!.shard!) expect(globMatches(pattern, `nightly-shard-${i}`), `shard ${i}'s artifact`).to.equal(true)
    expect(globMatches(pattern, 'nightly-merged')).to.equal(false)
    const merge = m.steps.find(s => s.id === 'merge')!
    expect(merge.run).to.match(new RegExp(`report merge ${down.with?.path}/nightly-shard-\\*/\\S+ --out merged`))
    expect(merge.run).to.match(/summary\.md >> "\$GITHUB_STEP_SUMMARY"/)
    const junit = m.steps.find(s => s.uses?.startsWith('mikepenz/action-junit-report@'))!
    expect(junit.with?.report_paths).to.equal('merged/junit.xml')
    expect(junit.if).to.equal('always()')
    expect(m.steps[m.steps.length - 1]!.run).to.equal('exit ${{ steps.merge.outputs.exit }}')
  })

  it('every action is pinned to a major version', () => {
    const uses = Object.values(wf().jobs).flatMap(j => j.steps.map(s => s.uses)).filter(Boolean) as string[]
    expect(uses.length).to.be.greaterThan(4)
    for (const u of uses) expect(u, u).to.match(/@v\d+$/)
  })
})
