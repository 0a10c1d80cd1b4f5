// Fake scenarios for the nightly runner's tests: each case's checks and figures come from a table,
// booted on fake guests (test/fakes/guest.ts) through the real case framework (guestCase), so the
// runner, the comparison and the outputs are tested without QEMU.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HostError } from '../../orchestrator/base/errors.ts'
import { Log } from '../../orchestrator/base/log.ts'
import { defaults } from '../../orchestrator/base/options.ts'
import type { Measurement } from '../../orchestrator/results/results.ts'
import type { NightlyArgs, NightlyEnv } from '../../orchestrator/nightly/nightly.ts'
import type { Variant } from '../../orchestrator/testbed/nics.ts'
import { guestCase, type Coverage, type Scenario } from '../../orchestrator/testbed/scenario.ts'
import { FakeGuest, fakeTestbed } from './guest.ts'

export interface FakeCase {
  checks?: [string, boolean][]
  measurements?: Measurement[]
}

/** A scenario whose cases (by "nic/variant") do what `table` says; unlisted ones pass one check. */
export function fakeScenario(name: string, covers: Coverage, table: Record<string, FakeCase> = {}): Scenario {
  return {
    name, description: `fake ${name}`, asserts: ['what the table says'], defaultVariants: ['native'], covers,
    async run(tb, nic, variants) {
      const out = []
      for (const v of variants) {
        out.push(await guestCase(tb, name, nic, v, async (_g, c) => {
          const f = table[`${nic.name}/${v}`] ?? {}
          for (const [n, ok] of f.checks ?? [['works', true]]) c.check(n, ok, ok ? 'as expected' : `${n} broke: evidence line`)
          for (const m of f.measurements ?? []) c.measure(m)
        }))
      }
      return out
    },
  }
}

/** The env of a fake nightly: fake guests; the first `infra[nic/variant]` boots of a NIC and variant
 *  fail as the host's fault (QEMU would not start); a run folder in /tmp. */
export function fakeEnv(o: { infra?: Record<string, number>; dir?: string; today?: string } = {}): NightlyEnv & { boots: string[] } {
  const boots: string[] = []
  const left = new Map(Object.entries(o.infra ?? {}))
  return {
    argv: ['nightly', '(fake)'], log: new Log([]), boots, today: o.today ?? '2026-12-01',
    dir: o.dir ?? mkdtempSync(join(tmpdir(), 'mb-nightly-')),
    testbed: async dir => {
      const tb = fakeTestbed((nic, v) => new FakeGuest(nic, v as Variant, []))
      const inner = tb.boot!
      return {
        ...tb, runDir: dir,
        boot: async (t, nic, v, extra) => {
          const k = `${nic.name}/${v}`
          boots.push(k)
          if ((left.get(k) ?? 0) > 0) {
            left.set(k, left.get(k)! - 1)
            throw new HostError('QEMU did not start: exit 1', { evidence: 'qemu-system-x86_64: could not set up host forwarding rule' })
          }
          return inner(t, nic, v, extra)
        },
      }
    },
  }
}

export const args = (o: Partial<NightlyArgs> & { baselineFile: string }): NightlyArgs => ({ budgetMin: 60, only: [], skip: [], shard: null, updateBaseline: false, ...o })
export const opts = defaults
