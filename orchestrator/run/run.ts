// The run lifecycle every command that produces a result document shares (a nightly runner too):
// a run directory named by time, command and pid; the environment and image recorded once the
// testbed is ready; the document written, the summary printed and the exit code chosen at the end.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { MicrobedError, errorMessage } from '../base/errors.ts'
import type { Log } from '../base/log.ts'
import { paths, type Options } from '../base/options.ts'
import { exitCode, gitCommit, hostEnvironment, overallStatus, qemuVersion, renderSummary, type RunResult } from '../results/results.ts'
import type { Testbed } from '../testbed/testbed.ts'

/** A time stamp for directory names: 20261201-213000. */
export const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')

export interface Run {
  dir: string
  result: RunResult
}

/** Starts a run: its directory under results/ and an empty result document. */
export function newRun(cmd: string, argv: string[], opts: Options, log: Log): Run {
  const id = `${stamp()}-${cmd}-${process.pid}`
  const dir = join(paths.results, id)
  mkdirSync(dir, { recursive: true })
  const result: RunResult = {
    schema: 'microbed.result/v1',
    run: { id, command: `microbed ${argv.join(' ')}`, startedAt: new Date().toISOString(), finishedAt: '', gitCommit: gitCommit(paths.root), dir },
    environment: { host: hostEnvironment(), accel: null, qemuVersion: null, net: opts.net, image: null },
    timings: {}, cases: [], status: 'skip', events: log.events,
  }
  return { dir, result }
}

/** Records the accelerator, QEMU and the image (every version in it) once the testbed is ready. */
export function recordTestbed(result: RunResult, tb: Testbed): void {
  result.environment.accel = { accel: tb.accel.accel, reason: tb.accel.reason }
  result.environment.qemuVersion = qemuVersion()
  const m = tb.image.manifest
  result.environment.image = {
    hash: tb.image.hash, kernelAbi: m.kernelAbi, kernelPackage: `${m.kernelPackage.name}=${m.kernelPackage.version}`,
    packages: Object.fromEntries(m.packages.map(pk => [pk.name, pk.version])), manifest: join(tb.image.dir, 'manifest.json'),
  }
  result.timings.imageMs = tb.imageMs
}

/**
 * Ends a run: the status from its cases (or error, with whose fault, when `err` stopped it),
 * result.json in the run directory (and at `json` if asked), the summary on stdout. Returns the
 * process exit code.
 */
export function finishRun(result: RunResult, o: { json?: string }, err?: unknown): number {
  result.run.finishedAt = new Date().toISOString()
  result.status = err ? 'error' : overallStatus(result.cases)
  if (err) {
    const me = err instanceof MicrobedError ? err : null
    result.error = { fault: me?.fault ?? 'internal', message: errorMessage(err), hint: me?.hint, evidence: me?.evidence }
    if (!me && err instanceof Error && err.stack) result.error.evidence = err.stack
  }
  const json = JSON.stringify(result, null, 2) + '\n'
  writeFileSync(join(result.run.dir, 'result.json'), json)
  if (o.json) writeFileSync(resolve(o.json), json)
  process.stdout.write('\n' + renderSummary(result) + '\n')
  return exitCode(result.status)
}
