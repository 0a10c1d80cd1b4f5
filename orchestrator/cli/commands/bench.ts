// microbed bench: the foundation's figures from one run: boot to first SSH beside a bare boot of
// the same kernel and QEMU command line (interleaved, with the boot's breakdown), the references
// of mb-ref measured in the booted guest, the no-change rebuild, native throughput per NIC.
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
import { bareBoot, bareInitramfs, bootBreakdown, BOOT_STEP_NAMES, type BootSteps } from '../../testbed/bare.ts'
import { measureReference, referenceMeasurements } from '../../../scenarios/reference.ts'
import type { Measurement } from '../../results/results.ts'

/** The boot's target: boot to first SSH at most this many bare boots, measured in the same run. */
export const MAX_BOOT_BARE_RATIO = 1.5

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
    // Interleaved: a bare boot, then a full one, p.boots times (the machine's speed drifts).
    const boots: number[] = [], bares: number[] = [], bareKernel: number[] = [], steps: BootSteps[] = []
    let refMeasurements: Measurement[] = []
    const bareCpio = await bareInitramfs(join(result.run.dir, 'bare'))
    for (let i = 0; i < p.boots; i++) {
      const b = await bareBoot(tb, first, bareCpio, join(result.run.dir, `bare-${i + 1}`))
      bares.push(b.ms / 1000)
      bareKernel.push(b.kernelToInitMs)
      const g = await bootGuest(tb, first, 'native', { label: 'bench-' })
      try {
        boots.push(g.bootMs / 1000)
        const up = Number((await g.ssh.exec('cut -d" " -f1 /proc/uptime')).stdout.trim()) * 1000
        const st = bootBreakdown((await g.ssh.exec('dmesg')).stdout, g.bootMs, up)
        steps.push(st)
        log.info(`boot ${i + 1}/${p.boots}: bare ${(b.ms / 1000).toFixed(2)} s (kernel to /init ${(b.kernelToInitMs / 1000).toFixed(2)} s), full ${(g.bootMs / 1000).toFixed(2)} s to SSH: ${Object.entries(st).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ')}`)
        if (i === p.boots - 1) {
          const { ref, runs } = await measureReference(g)
          log.info(`references in this guest: pipe round trip ${ref.pipeRttUs} µs, fork+exec+wait ${ref.forkExecUs} µs, null syscall ${ref.nullSyscallUs} µs`)
          refMeasurements = referenceMeasurements(runs)
        }
      } finally {
        await g.close()
      }
    }
    const ratios = boots.map((b, i) => b / bares[i]!)
    const ratio = summarize(ratios)
    const stepMeasurements: Measurement[] = (Object.keys(BOOT_STEP_NAMES) as (keyof BootSteps)[]).flatMap(k => {
      const xs = steps.map(s => s[k]).filter((v): v is number => v !== undefined)
      return xs.length ? [{ name: `boot step: ${BOOT_STEP_NAMES[k]}`, unit: 'ms', ...summarize(xs) }] : []
    })
    const c: CaseResult = {
      scenario: 'bench', nic: first.name, variant: 'native',
      status: again.built || ratio.value > MAX_BOOT_BARE_RATIO ? 'fail' : 'pass',
      ...(again.built ? { reason: 'the image was rebuilt although no input changed' } : ratio.value > MAX_BOOT_BARE_RATIO ? { reason: `boot to SSH is ${ratio.value.toFixed(2)} × the bare boot (target ≤ ${MAX_BOOT_BARE_RATIO})` } : {}),
      checks: [
        { name: 'no-change rebuild reuses the image', ok: !again.built, evidence: `image ${again.hash}, ${rebuildMs} ms` },
        { name: `boot to first SSH at most ${MAX_BOOT_BARE_RATIO} × a bare boot of the same kernel and QEMU command line`, ok: ratio.value <= MAX_BOOT_BARE_RATIO, evidence: `median ${ratio.value.toFixed(2)} × (per pair ${ratios.map(r => r.toFixed(2)).join(', ')}); boot ${summarize(boots).value.toFixed(2)} s, bare ${summarize(bares).value.toFixed(2)} s` },
      ],
      measurements: [
        { name: `boot to SSH (${tb.accel.accel.toUpperCase()}, median of ${p.boots})`, unit: 's', ...summarize(boots) },
        { name: `bare boot: QEMU start to a trivial /init (same kernel and QEMU command line, ${tb.accel.accel.toUpperCase()})`, unit: 's', ...summarize(bares) },
        { name: 'bare boot: kernel to /init', unit: 'ms', ...summarize(bareKernel) },
        { name: 'boot to SSH / bare boot', unit: 'ratio', ...ratio },
        ...stepMeasurements,
        ...refMeasurements,
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
