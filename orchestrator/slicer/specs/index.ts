// Every driver the code generator serves: one interface spec per microdriver. A new driver appends
// its spec here; `npm run generate` then writes its gen/ folders and the tests cover it.
import type { DriverSpec } from '../spec.ts'
import { e1000 } from './e1000.spec.ts'
import { rtl8139 } from './rtl8139.spec.ts'

export const SPECS: DriverSpec[] = [e1000, rtl8139]

export function specOf(driver: string): DriverSpec {
  const s = SPECS.find(x => x.driver === driver)
  if (!s) throw new Error(`no interface spec for driver "${driver}" (orchestrator/slicer/specs/index.ts has ${SPECS.map(x => x.driver).join(', ')})`)
  return s
}
