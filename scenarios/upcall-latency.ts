// upcall-latency: the round trip of a null upcall (kernel → u-driver → kernel, timed in the
// kernel) against a null ioctl (a downcall that does nothing, timed in user space), in the same
// run of mb-bench, repeated. Only the split variant has upcalls.
import { guestCase, type Scenario } from '../orchestrator/testbed/scenario.ts'
import { summarize, type CaseResult } from '../orchestrator/results/results.ts'
import { measureReference, referenceMeasurements } from './reference.ts'

export interface BenchLine { upcallUs: number; ioctlUs: number; ratio: number; count: number }

/** Parses mb-bench's one line: upcall_null_us=… ioctl_null_us=… ratio=… count=… */
export function parseBenchLine(line: string): BenchLine {
  const m = /upcall_null_us=([\d.]+) ioctl_null_us=([\d.]+) ratio=([\d.]+) count=(\d+)/.exec(line)
  if (!m) throw new Error(`mb-bench printed no result line: ${line.trim().slice(0, 200)}`)
  return { upcallUs: Number(m[1]), ioctlUs: Number(m[2]), ratio: Number(m[3]), count: Number(m[4]) }
}

const CALLS = 10_000

export const upcallLatency: Scenario = {
  name: 'upcall-latency',
  description: 'null upcall round trip against a null ioctl, in microseconds and as a ratio (split only)',
  asserts: [
    `mb-bench completes ${CALLS} null upcalls and ${CALLS} null ioctls per repeat (--repeat, default 5)`,
    'every figure is positive',
    'no kernel crash on the console',
    'reports median µs of each, with spread, and the median ratio upcall / ioctl',
    'measures the references in the same guest (mb-ref: pipe round trip, fork+exec+wait, null syscall) and reports the null upcall as a ratio to the pipe round trip and the null ioctl as a ratio to the null syscall',
  ],
  defaultVariants: ['split'],
  covers: { variants: ['split'], expectedS: 20 },
  async run(tb, nic, variants) {
    const out: CaseResult[] = []
    for (const variant of variants) {
      out.push(await guestCase(tb, 'upcall-latency', nic, variant, async (g, c) => {
        const runs: BenchLine[] = []
        for (let i = 0; i < tb.opts.repeat; i++) {
          const r = await g.ssh.exec(`mb-bench ${CALLS}`, { timeoutMs: 120_000 })
          const b = parseBenchLine(r.stdout)
          runs.push(b)
          tb.log.info(`${nic.name}/${variant} run ${i + 1}/${tb.opts.repeat}: null upcall ${b.upcallUs} µs, null ioctl ${b.ioctlUs} µs, ratio ${b.ratio}`)
        }
        c.check(`mb-bench ran ${CALLS} calls of each kind, ${runs.length} times`, runs.every(r => r.count === CALLS && r.upcallUs > 0 && r.ioctlUs > 0), runs.map(r => `${r.upcallUs}/${r.ioctlUs} µs`).join(', '))
        c.measure({ name: 'null upcall round trip', unit: 'µs', ...summarize(runs.map(r => r.upcallUs)) })
        c.measure({ name: 'null ioctl round trip', unit: 'µs', ...summarize(runs.map(r => r.ioctlUs)) })
        c.measure({ name: 'upcall / ioctl', unit: 'ratio', ...summarize(runs.map(r => r.upcallUs / r.ioctlUs)) })
        const { ref, runs: refs } = await measureReference(g)
        tb.log.info(`${nic.name}/${variant} references: pipe round trip ${ref.pipeRttUs} µs, fork+exec+wait ${ref.forkExecUs} µs, null syscall ${ref.nullSyscallUs} µs`)
        for (const m of referenceMeasurements(refs)) c.measure(m)
        c.measure({ name: 'null upcall / pipe round trip', unit: 'ratio', ...summarize(runs.map(r => r.upcallUs / ref.pipeRttUs)), extra: { pipeRttUs: ref.pipeRttUs } })
        c.measure({ name: 'null ioctl / null syscall', unit: 'ratio', ...summarize(runs.map(r => r.ioctlUs / ref.nullSyscallUs)), extra: { nullSyscallUs: ref.nullSyscallUs } })
      }, { needsUdriver: `${variant} has no u-driver, hence no upcalls` }))
    }
    return out
  },
}
