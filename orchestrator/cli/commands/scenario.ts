// microbed scenario NAME: every asked NIC × variant of one scenario, one result document.
import { UsageError } from '../../base/errors.ts'
import type { Log } from '../../base/log.ts'
import { finishRun, newRun, recordTestbed } from '../../run/run.ts'
import { SETUPS, parseNics, parseVariants } from '../../testbed/nics.ts'
import { checkNicsFor } from '../../testbed/scenario.ts'
import { prepareTestbed } from '../../testbed/testbed.ts'
import { SCENARIOS } from '../../../scenarios/index.ts'
import type { Parsed } from '../args.ts'

export async function runScenario(argv: string[], p: Parsed, log: Log): Promise<number> {
  const name = p.positional[0]
  if (!name) throw new UsageError('which scenario?', `valid scenarios: ${Object.keys(SCENARIOS).join(', ')}`)
  const sc = SCENARIOS[name]
  if (!sc) throw new UsageError(`unknown scenario "${name}"`, `valid scenarios: ${Object.keys(SCENARIOS).join(', ')}`)
  const nics = parseNics(p.nic ?? (sc.nicsUnderTest === 'several' ? Object.keys(SETUPS)[0]! : 'all'))
  checkNicsFor(sc, nics, Object.keys(SETUPS))
  const variants = p.variant ? parseVariants(p.variant) : sc.defaultVariants
  const { result } = newRun(`scenario-${name}`, argv, p.opts, log)
  try {
    const tb = await prepareTestbed(p.opts, log, result.run.dir)
    recordTestbed(result, tb)
    for (const nic of nics) {
      log.step(`scenario ${name}: ${nic.name} (${nic.description}), variants ${variants.join(', ')}`)
      result.cases.push(...await sc.run(tb, nic, variants))
    }
    return finishRun(result, p)
  } catch (e) {
    return finishRun(result, p, e)
  }
}

export function listScenarios(): string {
  return Object.values(SCENARIOS).map(s => `${s.name}: ${s.description}\n${s.asserts.map(a => `  - ${a}`).join('\n')}\n  default variants: ${s.defaultVariants.join(', ')}`).join('\n\n') + '\n'
}
