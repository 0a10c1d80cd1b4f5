// microbed build: find or build the guest image and print its manifest's path.
import { join } from 'node:path'
import type { Log } from '../../base/log.ts'
import { prepareHost } from '../../host/host.ts'
import { buildImage } from '../../image/image.ts'
import type { Parsed } from '../args.ts'

export async function runBuild(p: Parsed, log: Log): Promise<number> {
  await prepareHost(log, { install: p.opts.install })
  const img = await buildImage(log, { force: p.force })
  process.stdout.write(`${join(img.dir, 'manifest.json')}\n`)
  return 0
}
