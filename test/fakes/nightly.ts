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
import { NICS, type NicSpec, type Variant } from '../../orchestrator/testbed/nics.ts'
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

/**
 * The NIC table of the fake nightlies, fixed whatever the real one grows into: the e1000 with its
 * three variants, and a NIC with only the kernel's own driver (its other variants SKIP, with why).
 */
export const FAKE_NICS: Record<string, NicSpec> = {
  e1000: NICS.e1000!,
  rtl8139: { ...NICS.rtl8139!, variants: { native: NICS.rtl8139!.variants.native! }, unavailable: { monolithic: 'there is no RTL8139 microdriver yet', split: 'there is no RTL8139 microdriver yet' }, microdriver: undefined },
}

/** The env of a fake nightly: fake guests; the first `infra[nic/variant]` boots of a NIC and variant
 *  fail as the host's fault (QEMU would not start); a run folder in /tmp. */
export function fakeEnv(o: { infra?: Record<string, number>; dir?: string; today?: string } = {}): NightlyEnv & { boots: string[] } {
  const boots: string[] = []
  const left = new Map(Object.entries(o.infra ?? {}))
  return {
    argv: ['nightly', '(fake)'], log: new Log([]), boots, today: o.today ?? '2026-12-01', nics: FAKE_NICS,
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

/**
 * A fake scenario whose every available case carries `checks` checks and a full set of figures
 * (throughput samples, a ratio with its interval, recovery samples, a fault tally): the report's
 * load at scale. Every 7th check fails.
 */
export function bigScenario(checks: number): Scenario {
  return {
    name: 'big', description: 'many checks', asserts: ['many'], defaultVariants: ['native'], covers: { variants: 'all', expectedS: 10 },
    async run(tb, nic, variants) {
      const out = []
      for (const v of variants) {
        out.push(await guestCase(tb, 'big', nic, v, async (_g, c) => {
          for (let i = 0; i < checks; i++) c.check(`check ${i}`, i % 7 !== 3, `evidence of check ${i}: ${'x'.repeat(120)}`)
          const s = (base: number) => [0, 1, 2, 3, 4].map(i => base + 10 * i)
          c.measure({ name: 'TCP rx (host → guest)', unit: 'Mbit/s', value: 420, samples: s(400), spread: { min: 400, max: 440, relativePct: 9.5 } })
          c.measure({ name: 'TCP tx (guest → host)', unit: 'Mbit/s', value: 320, samples: s(300), spread: { min: 300, max: 340, relativePct: 12.5 } })
          c.measure({ name: `${v}/native rx throughput ratio`, unit: 'ratio', value: 0.95, interval: { low: 0.9, high: 1.0, coveragePct: 93.8 }, extra: { perRound: '0.9 0.95 1.0 0.93 0.97' } })
          c.measure({ name: 'recovery time (detach to replay, SIGSEGV)', unit: 'ms', value: 150, samples: s(130) })
          c.measure({ name: 'crash: recovered unaided', unit: 'faults', value: 8 })
          c.measure({ name: 'crash: broken', unit: 'faults', value: 1 })
          c.measure({ name: 'retval: not manifested', unit: 'faults', value: 10 })
          c.measure({ name: 'all: recovered unaided', unit: 'faults', value: 8 })
          c.measure({ name: 'recovered without help, of the faults that fired', unit: '%', value: 94.7, extra: { fired: 19, total: 20 } })
        }))
      }
      return out
    },
  }
}
