// The physical references (mb-ref in the guest): a pipe round trip between two processes,
// fork+exec+wait of a trivial program, a null system call. Absolute times on these machines swing
// by 2x from day to day, so every headline figure is also reported as a ratio to one of these,
// measured in the same guest, in the same run.
import type { Guest } from '../orchestrator/testbed/testbed.ts'
import { median, summarize, type Measurement } from '../orchestrator/results/results.ts'

export interface Reference { pipeRttUs: number; forkExecUs: number; nullSyscallUs: number }

/** Parses mb-ref's one line: pipe_rtt_us=… fork_exec_us=… null_syscall_us=… pipes=… forks=… syscalls=… */
export function parseRefLine(line: string): Reference {
  const m = /pipe_rtt_us=([\d.]+) fork_exec_us=([\d.]+) null_syscall_us=([\d.]+) pipes=\d+ forks=\d+ syscalls=\d+/.exec(line)
  if (!m) throw new Error(`mb-ref printed no result line: ${line.trim().slice(0, 200)}`)
  const r = { pipeRttUs: Number(m[1]), forkExecUs: Number(m[2]), nullSyscallUs: Number(m[3]) }
  if (!(r.pipeRttUs > 0 && r.forkExecUs > 0 && r.nullSyscallUs > 0)) throw new Error(`mb-ref printed a figure that is not positive: ${line.trim()}`)
  return r
}

/** The references measured `n` times in this guest (each a few seconds under TCG): their medians and the samples. */
export async function measureReference(g: Guest, n = 3): Promise<{ ref: Reference; runs: Reference[] }> {
  const runs: Reference[] = []
  for (let i = 0; i < n; i++) runs.push(parseRefLine((await g.ssh.exec('mb-ref', { timeoutMs: 120_000 })).stdout))
  return { ref: { pipeRttUs: median(runs.map(r => r.pipeRttUs)), forkExecUs: median(runs.map(r => r.forkExecUs)), nullSyscallUs: median(runs.map(r => r.nullSyscallUs)) }, runs }
}

/** The references as measurements, for the case that quotes ratios to them. */
export function referenceMeasurements(runs: Reference[]): Measurement[] {
  return [
    { name: 'reference: pipe round trip between two processes', unit: 'µs', ...summarize(runs.map(r => r.pipeRttUs)) },
    { name: 'reference: fork+exec+wait of a trivial program', unit: 'µs', ...summarize(runs.map(r => r.forkExecUs)) },
    { name: 'reference: null system call', unit: 'µs', ...summarize(runs.map(r => r.nullSyscallUs)) },
  ]
}
