// microbed's command line: scenario, shell, build, bench, list.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { installSignalHandlers } from './cleanup.ts'
import { execa } from 'execa'
import { HostError, MicrobedError, UsageError, errorMessage } from './errors.ts'
import { buildImage } from './image.ts'
import { prepareHost } from './host.ts'
import { ConsoleSink, Log } from './log.ts'
import { NICS, nicNames, parseNics, parseVariants, VARIANTS, type Variant } from './nics.ts'
import { defaults, paths, type Options } from './options.ts'
import { exitCode, gitCommit, hostEnvironment, intervalText, overallStatus, qemuVersion, renderSummary, summarize, type CaseResult, type Measurement, type RunResult } from './results.ts'
import { bootGuest, prepareTestbed, type Testbed } from './testbed.ts'
import { CaseBuilder } from './scenario.ts'
import { SCENARIOS } from '../scenarios/index.ts'
import { splitStats, renderSplitStats } from './splitstats.ts'
import { parseCrashOptions } from '../scenarios/crash-udriver.ts'

const USAGE = `usage: microbed <command> [options]

commands:
  scenario NAME   run a scenario (${Object.keys(SCENARIOS).join(', ')}); \`microbed list\` describes them
  shell           boot a guest and open an SSH shell in it; leaving the shell shuts it down
  build           build (or find) the guest image and print its manifest path
  bench           print the foundation's figures: boot to SSH, no-change rebuild, native throughput
  bench-split     print the e1000 microdriver's figures against its targets (throughput ratios, CPU, latency, init, lines)
  list            list the scenarios and what each asserts
  split-stats     count the e1000 driver's own lines in the kernel part and the u-driver part

options:
  --nic NAME        ${nicNames().join(', ')}, all, or a comma list   (scenario default: all; shell: e1000)
  --variant NAME    ${VARIANTS.join(', ')}, all, or a comma list (default: the scenario's own)
  --accel MODE      auto (KVM if the CPU has vmx/svm and /dev/kvm opens, else TCG), kvm, tcg   (default auto)
  --net MODE        user (QEMU user networking, no root) or tap (root: a tap in a network namespace)   (default user)
  --repeat N        iperf3 runs per direction and variant (default ${defaults.repeat})
  --seconds S       seconds per iperf3 run (default ${defaults.iperfSeconds})
  --rate MBIT       iperf3 at a fixed rate (Mbit/s), to compare guest CPU at the same load (default: unlimited)
  --boots N         bench: boots to time (default 5)
  --signal SIG      crash-udriver: the signal that kills the u-driver (default SIGSEGV)
  --during WHAT     crash-udriver: traffic (default), ethtool (operations in flight) or probe (inside device init)
  --crashes N       crash-udriver: how many times to kill it (default 10)
  --seed S          fuzz-channel, fault-campaign: the (first) seed (default 1)
  --faults N        fault-campaign: seeded faults per variant (default 20)
  --json FILE       also write the result document to FILE
  --append ARGS     extra guest kernel command line
  --memory MIB      guest memory (default ${defaults.memoryMiB})
  --cpus N          guest vCPUs (default ${defaults.cpus})
  --boot-timeout S  seconds to wait for the guest's SSH (default ${defaults.bootTimeoutMs / 1000})
  --no-install      never install host packages; say what is missing instead
  --force           build: rebuild the image even if one with the same inputs exists
  --verbose         show every command run
`

interface Parsed { cmd: string; positional: string[]; opts: Options; nic?: string; variant?: string; json?: string; boots: number; force: boolean }

function intOpt(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not "${v}"`)
  return n
}

export function parseCli(argv: string[]): Parsed {
  let parsed
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        nic: { type: 'string' }, variant: { type: 'string' }, accel: { type: 'string' }, net: { type: 'string' },
        repeat: { type: 'string' }, seconds: { type: 'string' }, rate: { type: 'string' }, signal: { type: 'string' }, seed: { type: 'string' }, faults: { type: 'string' }, during: { type: 'string' }, crashes: { type: 'string' }, boots: { type: 'string' }, json: { type: 'string' },
        append: { type: 'string' }, memory: { type: 'string' }, cpus: { type: 'string' }, 'boot-timeout': { type: 'string' },
        'no-install': { type: 'boolean' }, force: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (e) {
    throw new UsageError(errorMessage(e), 'see `microbed --help`')
  }
  const v = parsed.values
  const [cmd = 'help', ...positional] = parsed.positionals
  if (v.help) return { cmd: 'help', positional: [], opts: defaults, boots: 5, force: false }
  if (v.accel !== undefined && !['auto', 'kvm', 'tcg'].includes(v.accel)) throw new UsageError(`--accel must be auto, kvm or tcg, not "${v.accel}"`)
  if (v.net !== undefined && !['user', 'tap'].includes(v.net)) throw new UsageError(`--net must be user or tap, not "${v.net}"`)
  const opts: Options = {
    ...defaults,
    accel: (v.accel as Options['accel']) ?? defaults.accel,
    net: (v.net as Options['net']) ?? defaults.net,
    repeat: intOpt(v.repeat, 'repeat', 1, 1000) ?? defaults.repeat,
    iperfSeconds: intOpt(v.seconds, 'seconds', 1, 3600) ?? defaults.iperfSeconds,
    rateMbit: intOpt(v.rate, 'rate', 1, 100_000) ?? defaults.rateMbit,
    seed: intOpt(v.seed, 'seed', 0, 2 ** 31 - 1) ?? defaults.seed,
    faults: intOpt(v.faults, 'faults', 1, 100_000) ?? defaults.faults,
    memoryMiB: intOpt(v.memory, 'memory', 128, 65536) ?? defaults.memoryMiB,
    cpus: intOpt(v.cpus, 'cpus', 1, 64) ?? defaults.cpus,
    bootTimeoutMs: (intOpt(v['boot-timeout'], 'boot-timeout', 5, 3600) ?? defaults.bootTimeoutMs / 1000) * 1000,
    append: v.append ?? '',
    crash: parseCrashOptions({ signal: v.signal, during: v.during, crashes: v.crashes }),
    install: !v['no-install'],
    verbose: v.verbose ?? false,
  }
  return { cmd, positional, opts, nic: v.nic, variant: v.variant, json: v.json, boots: intOpt(v.boots, 'boots', 1, 100) ?? 5, force: v.force ?? false }
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')

function newRun(cmd: string, argv: string[], p: Parsed, log: Log) {
  const id = `${stamp()}-${cmd}-${process.pid}`
  const dir = join(paths.results, id)
  mkdirSync(dir, { recursive: true })
  const result: RunResult = {
    schema: 'microbed.result/v1',
    run: { id, command: `microbed ${argv.join(' ')}`, startedAt: new Date().toISOString(), finishedAt: '', gitCommit: gitCommit(paths.root), dir },
    environment: { host: hostEnvironment(), accel: null, qemuVersion: null, net: p.opts.net, image: null },
    timings: {}, cases: [], status: 'skip', events: log.events,
  }
  return { dir, result }
}

function recordTestbed(result: RunResult, tb: Testbed) {
  result.environment.accel = { accel: tb.accel.accel, reason: tb.accel.reason }
  result.environment.qemuVersion = qemuVersion()
  const m = tb.image.manifest
  result.environment.image = {
    hash: tb.image.hash, kernelAbi: m.kernelAbi, kernelPackage: `${m.kernelPackage.name}=${m.kernelPackage.version}`,
    packages: Object.fromEntries(m.packages.map(pk => [pk.name, pk.version])), manifest: join(tb.image.dir, 'manifest.json'),
  }
  result.timings.imageMs = tb.imageMs
}

function finishRun(result: RunResult, p: Parsed, err?: unknown): number {
  result.run.finishedAt = new Date().toISOString()
  result.status = err ? 'error' : overallStatus(result.cases)
  if (err) {
    const me = err instanceof MicrobedError ? err : null
    result.error = { fault: me?.fault ?? 'internal', message: errorMessage(err), hint: me?.hint, evidence: me?.evidence }
    if (!me && err instanceof Error && err.stack) result.error.evidence = err.stack
  }
  const json = JSON.stringify(result, null, 2) + '\n'
  writeFileSync(join(result.run.dir, 'result.json'), json)
  if (p.json) writeFileSync(resolve(p.json), json)
  process.stdout.write('\n' + renderSummary(result) + '\n')
  return exitCode(result.status)
}

async function runScenario(argv: string[], p: Parsed, log: Log): Promise<number> {
  const name = p.positional[0]
  if (!name) throw new UsageError('which scenario?', `valid scenarios: ${Object.keys(SCENARIOS).join(', ')}`)
  const sc = SCENARIOS[name]
  if (!sc) throw new UsageError(`unknown scenario "${name}"`, `valid scenarios: ${Object.keys(SCENARIOS).join(', ')}`)
  const nics = parseNics(p.nic ?? 'all')
  const variants = p.variant ? parseVariants(p.variant) : sc.defaultVariants
  const { result } = newRun(`scenario-${name}`, argv, p, log)
  try {
    const tb = await prepareTestbed(p.opts, log, result.run.dir)
    recordTestbed(result, tb)
    for (const nic of nics) {
      log.step(`scenario ${name}: ${nic.name} (${nic.description}), variants ${variants.join(', ')}`)
      const cases = await sc.run(tb, nic, variants)
      result.cases.push(...cases)
    }
    return finishRun(result, p)
  } catch (e) {
    return finishRun(result, p, e)
  }
}

async function runShell(p: Parsed, log: Log): Promise<number> {
  const nic = parseNics(p.nic ?? 'e1000')
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
    await g.ssh.shell()
  } finally {
    await g.close()
    log.info('guest shut down')
  }
  return 0
}

async function runBuild(p: Parsed, log: Log): Promise<number> {
  await prepareHost(log, { install: p.opts.install })
  const img = await buildImage(log, { force: p.force })
  process.stdout.write(`${join(img.dir, 'manifest.json')}\n`)
  return 0
}

async function runBench(argv: string[], p: Parsed, log: Log): Promise<number> {
  const { result } = newRun('bench', argv, p, log)
  try {
    const tb = await prepareTestbed(p.opts, log, result.run.dir)
    recordTestbed(result, tb)
    // A no-change rebuild as a user sees it: a fresh `microbed build` process resolves and hashes
    // every input again and must find the image it has.
    const t0 = Date.now()
    const rebuild = await execa('node', [join(paths.root, 'bin', 'microbed.js'), 'build', '--no-install'], { reject: false, all: true })
    const rebuildMs = Date.now() - t0
    if (rebuild.exitCode !== 0) throw new HostError('`microbed build` failed during the benchmark', { evidence: String(rebuild.all).slice(-2000) })
    const again = { built: !/is up to date/.test(String(rebuild.all)), hash: /image ([0-9a-f]{16})/.exec(String(rebuild.all))?.[1] ?? '?' }
    const bench = { scenario: 'bench', nic: 'e1000', variant: 'native' }
    const boots: number[] = []
    for (let i = 0; i < p.boots; i++) {
      const g = await bootGuest(tb, NICS.e1000!, 'native', { label: 'bench-' })
      boots.push(g.bootMs / 1000)
      log.info(`boot ${i + 1}/${p.boots}: ${(g.bootMs / 1000).toFixed(2)} s to SSH`)
      await g.close()
    }
    const c: CaseResult = {
      ...bench, status: again.built ? 'fail' : 'pass', ...(again.built ? { reason: 'the image was rebuilt although no input changed' } : {}),
      checks: [{ name: 'no-change rebuild reuses the image', ok: !again.built, evidence: `image ${again.hash}, ${rebuildMs} ms` }],
      measurements: [
        { name: `boot to SSH (${tb.accel.accel.toUpperCase()}, median of ${p.boots})`, unit: 's', ...summarize(boots) },
        { name: 'rebuild with nothing changed', value: rebuildMs / 1000, unit: 's' },
      ],
      timings: { rebuildMs }, logs: {},
    }
    result.cases.push(c)
    const tput = SCENARIOS.throughput!
    for (const nic of Object.values(NICS)) result.cases.push(...await tput.run(tb, nic, ['native']))
    return finishRun(result, p)
  } catch (e) {
    return finishRun(result, p, e)
  }
}

/**
 * The microdriver's figures against issue 3's targets, from one run: throughput of the three
 * variants interleaved, guest CPU of monolithic and split at one fixed rate, upcall latency,
 * device init time, and the share of the driver's lines in user space.
 */
async function runBenchSplit(argv: string[], p: Parsed, log: Log): Promise<number> {
  const { result } = newRun('bench-split', argv, p, log)
  try {
    const tb = await prepareTestbed(p.opts, log, result.run.dir)
    recordTestbed(result, tb)
    const nic = NICS.e1000!
    const free = await SCENARIOS.throughput!.run({ ...tb, opts: { ...tb.opts, rateMbit: 0 } }, nic, ['native', 'monolithic', 'split'])
    const rate = p.opts.rateMbit || 150
    const fixed = (await SCENARIOS.throughput!.run({ ...tb, opts: { ...tb.opts, rateMbit: rate } }, nic, ['monolithic', 'split'])).map(c => ({ ...c, scenario: `throughput at ${rate} Mbit/s` }))
    const latency = await SCENARIOS['upcall-latency']!.run(tb, nic, ['split'])
    const init = await SCENARIOS['init-time']!.run(tb, nic, ['monolithic', 'split'])
    result.cases.push(...free, ...fixed, ...latency, ...init)

    const mm = (cases: CaseResult[], variant: string, name: string) => cases.find(c => c.variant === variant)?.measurements.find(x => x.name.startsWith(name))
    const m = (cases: CaseResult[], variant: string, name: string) => mm(cases, variant, name)?.value
    const stats = splitStats('e1000', 'mb_e1000_split')
    const targets: { name: string; meas: Pick<Measurement, 'value' | 'interval'> | undefined; unit: string; ok: (v: number) => boolean; target: string }[] = [
      ...(['rx', 'tx'] as const).flatMap(d => [
        { name: `split/monolithic TCP ${d}`, meas: mm(free, 'split', `split/monolithic ${d}`), unit: 'ratio', ok: (v: number) => v >= 0.97, target: '≥ 0.97' },
        { name: `split/native TCP ${d}`, meas: mm(free, 'split', `split/native ${d}`), unit: 'ratio', ok: (v: number) => v >= 0.9, target: '≥ 0.90' },
        { name: `guest CPU split − monolithic, ${d} at ${rate} Mbit/s`, meas: mm(fixed, 'split', `split − monolithic guest CPU during ${d}`), unit: 'points', ok: (v: number) => v <= 5, target: '≤ 5' },
      ]),
      { name: "e1000 driver lines in user space under split", meas: { value: stats.userSharePct }, unit: '%', ok: v => v >= 60, target: '≥ 60' },
    ]
    const c = new CaseBuilder('targets', nic.name, 'split')
    for (const t of targets) c.check(`${t.name} ${t.target}`, t.meas !== undefined && t.ok(t.meas.value), t.meas === undefined ? 'not measured (its case failed: see above)' : targetEvidence(t.meas, t.unit, t.ok))
    const initMono = m(init, 'monolithic', 'device init'), initSplit = m(init, 'split', 'device init')
    if (initMono !== undefined && initSplit !== undefined) c.measure({ name: 'device init split / monolithic', value: initSplit / initMono, unit: 'ratio', extra: { splitMs: initSplit, monolithicMs: initMono } })
    result.cases.push(c.finish())
    process.stdout.write(renderSplitStats(stats, 'e1000', 'mb_e1000_split') + '\n')
    return finishRun(result, p)
  } catch (e) {
    return finishRun(result, p, e)
  }
}

/**
 * A target's figure, and whether this run's noise could hide the answer: the verdict stays the
 * figure's, but an interval that holds values on both sides of the target says so.
 */
export function targetEvidence(m: Pick<Measurement, 'value' | 'interval'>, unit: string, ok: (v: number) => boolean): string {
  const figure = `${m.value.toFixed(unit === 'ratio' ? 3 : 1)} ${unit}`
  const iv = m.interval
  if (!iv) return figure
  const where = ok(iv.low) && ok(iv.high) ? 'met across it' : !ok(iv.low) && !ok(iv.high) ? 'missed across it' : 'the target lies inside it: this run cannot tell'
  return `${figure} (per-round ${intervalText(iv, unit)}: ${where})`
}

function listScenarios(): string {
  return Object.values(SCENARIOS).map(s => `${s.name}: ${s.description}\n${s.asserts.map(a => `  - ${a}`).join('\n')}\n  default variants: ${s.defaultVariants.join(', ')}`).join('\n\n') + '\n'
}

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
      case 'split-stats': process.stdout.write(renderSplitStats(splitStats('e1000', 'mb_e1000_split'), 'e1000', 'mb_e1000_split') + '\n'); return 0
      default: throw new UsageError(`unknown command "${p.cmd}"`, 'commands: scenario, shell, build, bench, bench-split, list, split-stats (see --help)')
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
