// microbed shell: one guest, an interactive SSH shell in it; leaving the shell shuts it down.
import { join } from 'node:path'
import { UsageError } from '../../base/errors.ts'
import type { Log } from '../../base/log.ts'
import { paths } from '../../base/options.ts'
import { stamp } from '../../run/run.ts'
import { nicNames, parseNics, parseVariants, type Variant } from '../../testbed/nics.ts'
import { bootGuest, prepareTestbed } from '../../testbed/testbed.ts'
import { SshSession } from '../../session/ssh.ts'
import type { Parsed } from '../args.ts'

export async function runShell(p: Parsed, log: Log): Promise<number> {
  const nic = parseNics(p.nic ?? nicNames()[0]!)
  if (nic.length !== 1) throw new UsageError('shell takes exactly one NIC', `valid NICs: ${nicNames().join(', ')}`)
  const variant = (p.variant ? parseVariants(p.variant) : ['native' as Variant])
  if (variant.length !== 1) throw new UsageError('shell takes exactly one variant')
  const n = nic[0]!, v = variant[0]!
  if (!n.variants[v]) throw new UsageError(`${n.name}/${v} is not available: ${n.unavailable[v]}`)
  const dir = join(paths.results, `${stamp()}-shell-${process.pid}`)
  const tb = await prepareTestbed(p.opts, log, dir)
  const g = await bootGuest(tb, n, v)
  try {
    log.info(`guest up in ${(g.bootMs / 1000).toFixed(1)} s: ${n.name}/${v} is dut0, management is mgmt0; console log ${g.vm.consoleLog}. Leave the shell (exit or Ctrl-D) to shut the guest down.`)
    if (!(g.ssh instanceof SshSession)) throw new UsageError('this guest has no interactive session')
    await g.ssh.shell()
  } finally {
    await g.close()
    log.info('guest shut down')
  }
  return 0
}
