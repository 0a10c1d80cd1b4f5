// microbed's command line: parse (args.ts), then one command (commands/). Every error ends as one
// message that says whose fault it is, what to do, and the evidence.
import { installSignalHandlers } from '../base/cleanup.ts'
import { MicrobedError, UsageError, errorMessage } from '../base/errors.ts'
import { ConsoleSink, Log } from '../base/log.ts'
import { parseCli, USAGE, type Parsed } from './args.ts'
import { runBench } from './commands/bench.ts'
import { runBenchSplit } from './commands/bench-split.ts'
import { runBenchPackets } from './commands/bench-packets.ts'
import { runBuild } from './commands/build.ts'
import { runNightlyCommand, runReportCommand } from './commands/nightly.ts'
import { listScenarios, runScenario } from './commands/scenario.ts'
import { runShell } from './commands/shell.ts'
import { runSplitStats } from './commands/split-stats.ts'
import { runSlice } from './commands/slice.ts'

export async function main(argv: string[]): Promise<number> {
  let p: Parsed
  try {
    p = parseCli(argv)
  } catch (e) {
    return reportError(e)
  }
  const log = new Log([new ConsoleSink(process.stderr, p.opts.verbose)])
  installSignalHandlers()
  try {
    switch (p.cmd) {
      case 'help': process.stdout.write(USAGE); return 0
      case 'list': process.stdout.write(listScenarios()); return 0
      case 'scenario': return await runScenario(argv, p, log)
      case 'shell': return await runShell(p, log)
      case 'build': return await runBuild(p, log)
      case 'bench': return await runBench(argv, p, log)
      case 'bench-split': return await runBenchSplit(argv, p, log)
      case 'bench-packets': return await runBenchPackets(argv, p, log)
      case 'split-stats': return runSplitStats(p)
      case 'nightly': return await runNightlyCommand(argv, p, log)
      case 'report': return await runReportCommand(argv, p, log)
      case 'slice': return await runSlice(p, log)
      default: throw new UsageError(`unknown command "${p.cmd}"`, 'commands: scenario, shell, build, bench, bench-split, bench-packets, list, split-stats, slice, nightly, report merge (see --help)')
    }
  } catch (e) {
    return reportError(e)
  }
}

function reportError(e: unknown): number {
  const me = e instanceof MicrobedError ? e : null
  process.stderr.write(`microbed: ${me ? `${me.fault} error: ` : ''}${errorMessage(e)}\n`)
  if (me?.hint) process.stderr.write(`  what to do: ${me.hint}\n`)
  if (me?.evidence) process.stderr.write(me.evidence.split('\n').slice(-40).map(l => `  | ${l}`).join('\n') + '\n')
  if (!me && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n')
  return me?.fault === 'usage' ? 64 : 1
}
