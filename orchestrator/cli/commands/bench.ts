// microbed bench: the foundation's figures from one run: boot to first SSH, the no-change
// rebuild, native throughput per NIC.
import { execa } from 'execa'
import { join } from 'node:path'
import { HostError } from '../../base/errors.ts'
import type { Log } from '../../base/log.ts'
import { paths } from '../../base/options.ts'
import { summarize, type CaseResult } from '../../results/results.ts'
import { finishRun, newRun, recordTestbed } from '../../run/run.ts'
import { NICS, nicNames } from '../../testbed/nics.ts'
import { bootGuest, prepareTestbed } from '../../testbed/testbed.ts'
import { SCENARIOS } from '../../../scenarios/index.ts'
import type { Parsed } from '../args.ts'

export async function runBench(argv: string[], p: Parsed, log: Log): Promise<number> {
  const { result } = newRun('bench', argv, p.opts, log)
  try {
    const tb = await prepareTestbed(p.opts, log, result.run.dir)
    recordTestbed(result, tb)
    // A no-change rebuild as a user sees it: a fresh `microbed build` process resolves and hashes
    // every input again and must find the image it has.
    const t0 = Date.now()
    const rebuild = await execa('node', [join(paths.root, 'bin', 'microbed.js'), 'build', '--no-install'], { reject: false, all: true })
    const rebuildMs = Date.now() - t0
    if (rebuild.exitCode !== 0) throw new HostError('`microbed build` failed during the benchmark', { evidence: String(rebuild.all).slice(-2000) })
    const again = { built: !/is up to date/.test(String(rebuild.all)), hash: /image ([0-9a-f]{16})/.exec(String(rebuild.all))?.[1] ?? '?' }
    const first = NICS[nicNames()[0]!]!
    const boots: number[] = []
    for (let i = 0; i < p.boots; i++) {
      const g = await bootGuest(tb, first, 'native', { label: 'bench-' })
      boots.push(g.bootMs / 1000)
      log.info(`boot ${i + 1}/${p.boots}: ${(g.bootMs / 1000).toFixed(2)} s to SSH`)
      await g.close()
    }
    const c: CaseResult = {
      scenario: 'bench', nic: first.name, variant: 'native',
      status: again.built ? 'fail' : 'pass', ...(again.built ? { reason: 'the image was rebuilt although no input changed' } : {}),
      checks: [{ name: 'no-change rebuild reuses the image', ok: !again.built, evidence: `image ${again.hash}, ${rebuildMs} ms` }],
      measurements: [
        { name: `boot to SSH (${tb.accel.accel.toUpperCase()}, median of ${p.boots})`, unit: 's', ...summarize(boots) },
        { name: 'rebuild with nothing changed', value: rebuildMs / 1000, unit: 's' },
      ],
      timings: { rebuildMs }, logs: {},
    }
    result.cases.push(c)
    const tput = SCENARIOS.throughput!
    for (const nic of Object.values(NICS)) result.cases.push(...await tput.run(tb, nic, ['native']))
    return finishRun(result, p)
  } catch (e) {
    return finishRun(result, p, e)
  }
}
