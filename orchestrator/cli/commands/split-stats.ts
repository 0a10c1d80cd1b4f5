// microbed split-stats: each microdriver's own lines in the kernel part and in the u-driver.
import { UsageError } from '../../base/errors.ts'
import { renderSplitStats, splitStats } from '../../slicer/splitstats.ts'
import { parseNics, splitNames, type NicSpec } from '../../testbed/nics.ts'
import type { Parsed } from '../args.ts'

/** The NICs --nic names that have a microdriver (all of those when --nic is not given). */
export function microdriverNics(p: Parsed): NicSpec[] {
  const nics = parseNics(p.nic ?? 'all').filter(n => n.microdriver && n.variants.split)
  if (!nics.length) throw new UsageError(`${p.nic} has no microdriver`, 'split-stats and bench-split need a NIC with a split variant')
  return nics
}

export function runSplitStats(p: Parsed): number {
  for (const nic of microdriverNics(p)) {
    const { driver, kmodule } = splitNames(nic)
    process.stdout.write(renderSplitStats(splitStats(driver, kmodule), driver, kmodule) + '\n')
  }
  return 0
}
