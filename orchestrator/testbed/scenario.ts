// Scenarios: one file each under scenarios/, run by name. Each declares what it covers and what it
// asserts; the runner turns every NIC × variant into a case with a status and its evidence.
import { MicrobedError, KernelCrashError, UsageError, errorMessage } from '../base/errors.ts'
import type { NicSpec, Variant } from './nics.ts'
import type { CaseResult, Check, Measurement } from '../results/results.ts'
import type { Options } from '../base/options.ts'
import { boot, type Guest, type Testbed } from './testbed.ts'

export interface Scenario {
  name: string
  description: string
  /** What a PASS means, one line per check, for --help and the README. */
  asserts: string[]
  /** Variants run when --variant is not given. */
  defaultVariants: Variant[]
  /** Its part of the nightly matrix (orchestrator/nightly/). */
  covers: Coverage
  /** What it runs on: one NIC under test (the default), a setup of several in one guest
   *  (--nic both: nics.ts SETUPS), or either. */
  nicsUnderTest?: 'one' | 'several' | 'either'
  /** Runs the scenario for one NIC and the requested variants; returns one case per variant. */
  run(tb: Testbed, nic: NicSpec, variants: Variant[]): Promise<CaseResult[]>
}

/**
 * What the nightly matrix runs of a scenario: these variants on every NIC of the NIC table (or the
 * NICs named); a variant a NIC lacks comes out SKIP with the table's reason, so a NIC or variant
 * added to the table joins the matrix by itself.
 */
export interface Coverage {
  /** 'all': every variant there is (VARIANTS) */
  variants: Variant[] | 'all'
  nics?: string[]
  /** The variants are measured side by side in one call (one job per NIC), not one job each. */
  together?: boolean
  /** Seconds one case (NIC × variant) takes under TCG on 2 cores, until the baseline has measured it. */
  expectedS: number
  /** Options the nightly runs it with, over the defaults. */
  options?: Partial<Options>
}

/** The --nic selection a scenario can run: a clear error for one it cannot. */
export function checkNicsFor(sc: Scenario, nics: NicSpec[], setups: string[]): void {
  const kind = sc.nicsUnderTest ?? 'one'
  for (const nic of nics) {
    if (nic.members && kind === 'one') throw new UsageError(`scenario ${sc.name} runs with one NIC under test, not the setup "${nic.name}"`, `use --nic with one NIC (or all); setups of several NICs (${setups.join(', ')}) run: functional, crash-udriver, fault-isolation`)
    if (!nic.members && kind === 'several') throw new UsageError(`scenario ${sc.name} needs several NICs under test in one guest; ${nic.name} is one`, `use --nic ${setups.join(' or --nic ')}`)
  }
}

/** Collects checks and measurements for one case; the status follows from them. */
export class CaseBuilder {
  readonly checks: Check[] = []
  readonly measurements: Measurement[] = []
  readonly timings: Record<string, number> = {}
  readonly logs: CaseResult['logs'] = {}
  constructor(readonly scenario: string, readonly nic: string, readonly variant: string) {}

  /**
   * Records a check. `known` explains an expected failure of this NIC and variant (a documented
   * difference, e.g. of the kernel's own driver): it is reported, and does not fail the case.
   */
  check(name: string, ok: boolean, evidence: string, known?: string): boolean {
    this.checks.push(!ok && known ? { name, ok, evidence, known } : { name, ok, evidence })
    return ok
  }
  measure(m: Measurement): void { this.measurements.push(m) }

  /** pass only when at least one check ran and all passed; the first failed check is the reason. */
  finish(): CaseResult {
    const failed = this.checks.find(c => !c.ok && !c.known)
    const base = { scenario: this.scenario, nic: this.nic, variant: this.variant, checks: this.checks, measurements: this.measurements, timings: this.timings, logs: this.logs }
    if (failed) return { ...base, status: 'fail', reason: `${failed.name}: ${failed.evidence.split('\n')[0]}` }
    if (this.checks.length === 0 && this.measurements.length === 0) return { ...base, status: 'error', reason: 'the scenario ran no check and took no measurement' }
    return { ...base, status: 'pass' }
  }

  /** The case ends with an error (or a kernel crash, which is a failure with the console as evidence). */
  fail(e: unknown): CaseResult {
    const base = { scenario: this.scenario, nic: this.nic, variant: this.variant, checks: this.checks, measurements: this.measurements, timings: this.timings, logs: this.logs }
    if (e instanceof KernelCrashError) {
      this.checks.push({ name: 'no kernel crash on the console', ok: false, evidence: e.evidence ?? e.kind })
      return { ...base, status: 'fail', reason: e.message, evidence: e.evidence }
    }
    const me = e instanceof MicrobedError ? e : null
    return { ...base, status: 'error', reason: errorMessage(e) + (me?.hint ? ` (${me.hint})` : ''), evidence: me?.evidence, fault: me?.fault ?? 'internal' }
  }

  skip(reason: string): CaseResult {
    return { scenario: this.scenario, nic: this.nic, variant: this.variant, status: 'skip', reason, checks: [], measurements: [], timings: {}, logs: {} }
  }
}

/**
 * One case in one fresh guest: skips a variant the NIC does not have (or, with `needsUdriver`,
 * one without a u-driver), boots, runs `body`, checks the console for a kernel crash, saves
 * dmesg, and always shuts the guest down. An exception from `body` ends the case as error, or as
 * fail when it is a kernel crash.
 */
export async function guestCase(
  tb: Testbed, scenario: string, nic: NicSpec, variant: Variant,
  body: (g: Guest, c: CaseBuilder) => Promise<void>,
  o: { needsUdriver?: string } = {},
): Promise<CaseResult> {
  const c = new CaseBuilder(scenario, nic.name, variant)
  const drv = nic.variants[variant]
  if (!drv) return c.skip(nic.unavailable[variant] ?? `${variant} is not available for ${nic.name}`)
  if (o.needsUdriver && !drv.udriver) return c.skip(o.needsUdriver)
  let g: Guest | null = null
  try {
    g = await boot(tb, nic, variant)
    c.logs.console = g.vm.consoleLog
    c.timings.bootToSshMs = g.bootMs
    await body(g, c)
    const crash = g.vm.crash()
    c.check('no kernel crash on the console', crash === null, crash ? crash.excerpt : `console scanned: ${g.vm.console().split('\n').length} lines`)
    c.logs.dmesg = (await g.saveDmesg()) ?? undefined
    return c.finish()
  } catch (e) {
    if (g) c.logs.dmesg = (await g.saveDmesg()) ?? undefined
    return c.fail(e)
  } finally {
    await g?.close()
  }
}
