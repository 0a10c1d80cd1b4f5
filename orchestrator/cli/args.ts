// The command line's words: the usage text and the parser that turns argv into one options
// object (base/options.ts) plus the command's own arguments. Bad input says what was wrong.
import { parseArgs } from 'node:util'
import { UsageError, errorMessage } from '../base/errors.ts'
import { defaults, type Options } from '../base/options.ts'
import { nicNames, VARIANTS } from '../testbed/nics.ts'
import { SCENARIOS } from '../../scenarios/index.ts'
import { parseCrashOptions } from '../../scenarios/crash-udriver.ts'
import { SPECS } from '../slicer/specs/index.ts'
import { LINUX_DRIVERS } from '../slicer/split/linux.ts'

export const USAGE = `usage: microbed <command> [options]

commands:
  scenario NAME   run a scenario (${Object.keys(SCENARIOS).join(', ')}); \`microbed list\` describes them
  shell           boot a guest and open an SSH shell in it; leaving the shell shuts it down
  build           build (or find) the guest image and print its manifest path
  bench           print the foundation's figures: boot to SSH, no-change rebuild, native throughput
  bench-split     print each microdriver's figures against its targets (throughput ratios, CPU, latency, init, lines)
  bench-packets   each microdriver's per-packet cost: 64-byte UDP frames/s, CPU per packet, TCP; split against
                  native and monolithic (root: --net tap; 8 rounds of 3 s runs unless --repeat/--seconds)
  list            list the scenarios and what each asserts
  split-stats     count each microdriver's own lines in the kernel part and the u-driver part
  nightly         every scenario × NIC × variant the scenarios declare, within a budget, compared with
                  the baseline (nightly/baseline.json); results.json, junit.xml, results.ktap,
                  summary.md and report.html in the run folder. Exit 0 nothing regressed, 1 a
                  regression, 2 the run could not complete
  report merge DIR...  join the run folders of a sharded nightly into one run, same outputs and check
  slice           DriverSlicer's splitter: partition drivers from their critical roots, check our hand split
                  (--driver NAME|all), measure Linux's own (--linux NAME|all); neither: both, and the research table

options:
  --nic NAME        ${nicNames().join(', ')}, all, or a comma list   (default: all; shell: ${nicNames()[0]};
                    bench-split, bench-packets, split-stats: every NIC with a microdriver)
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
  --deaths N        soak: u-driver deaths of mixed kinds (default ${defaults.deaths})
  --messages N      fuzz-channel: malformed messages mb-fuzz sends (default ${defaults.messages})
  --json FILE       also write the result document to FILE
  --driver NAME     slice: one of our microdrivers (${SPECS.map(s => s.driver).join(', ')}) or all
  --linux NAME      slice: a Linux driver of the guest kernel (${LINUX_DRIVERS.map(d => d.name).join(', ')}) or all
  --append ARGS     extra guest kernel command line
  --memory MIB      guest memory (default ${defaults.memoryMiB})
  --cpus N          guest vCPUs (default ${defaults.cpus})
  --boot-timeout S  seconds to wait for the guest's SSH (default ${defaults.bootTimeoutMs / 1000})
  --command-timeout S  seconds a command in the guest may take unless a step says otherwise (default ${defaults.commandTimeoutMs / 1000})
  --no-install      never install host packages; say what is missing instead
  --force           build: rebuild the image even if one with the same inputs exists
  --verbose         show every command run

nightly and report merge:
  --budget MIN      nightly: minutes the run may take, preparation included (default 60); what does not
                    fit is cut and listed in the report
  --only PATTERN    nightly: run only the cases matching (scenario/nic/variant, * matches anything;
                    repeatable or a comma list), e.g. --only 'smoke/*' --only '*/e1000/split'
  --skip PATTERN    nightly: leave out the cases matching
  --shard I/N       nightly: run shard I of N (deterministic, balanced by expected duration)
  --baseline FILE   the baseline to compare with (default nightly/baseline.json)
  --update-baseline write a new baseline from this run (its cases replace theirs) and show the diff
  --list            nightly: print the matrix (cases, expected durations, shards) and exit
  --out DIR         report merge: the merged run's folder (default results/<stamp>-nightly-merged-<pid>)
`

export interface NightlyFlags { budget?: string; only: string[]; skip: string[]; shard?: string; baseline?: string; updateBaseline: boolean; list: boolean; out?: string }
export interface Parsed { cmd: string; positional: string[]; opts: Options; nic?: string; variant?: string; json?: string; boots: number; force: boolean; driver?: string; linux?: string; nightly: NightlyFlags }

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
        repeat: { type: 'string' }, seconds: { type: 'string' }, rate: { type: 'string' }, signal: { type: 'string' }, seed: { type: 'string' }, faults: { type: 'string' }, deaths: { type: 'string' }, messages: { type: 'string' }, during: { type: 'string' }, crashes: { type: 'string' }, boots: { type: 'string' }, json: { type: 'string' }, driver: { type: 'string' }, linux: { type: 'string' },
        append: { type: 'string' }, memory: { type: 'string' }, cpus: { type: 'string' }, 'boot-timeout': { type: 'string' }, 'command-timeout': { type: 'string' },
        budget: { type: 'string' }, only: { type: 'string', multiple: true }, skip: { type: 'string', multiple: true }, shard: { type: 'string' }, baseline: { type: 'string' }, 'update-baseline': { type: 'boolean' }, list: { type: 'boolean' }, out: { type: 'string' },
        'no-install': { type: 'boolean' }, force: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (e) {
    throw new UsageError(errorMessage(e), 'see `microbed --help`')
  }
  const v = parsed.values
  const [cmd = 'help', ...positional] = parsed.positionals
  const split = (xs: string[] | undefined) => (xs ?? []).flatMap(x => x.split(',')).map(x => x.trim()).filter(Boolean)
  const nightly: NightlyFlags = { budget: v.budget, only: split(v.only), skip: split(v.skip), shard: v.shard, baseline: v.baseline, updateBaseline: v['update-baseline'] ?? false, list: v.list ?? false, out: v.out }
  if (v.help) return { cmd: 'help', positional: [], opts: defaults, boots: 5, force: false, nightly }
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
    deaths: intOpt(v.deaths, 'deaths', 1, 100_000) ?? defaults.deaths,
    messages: intOpt(v.messages, 'messages', 1000, 100_000_000) ?? defaults.messages,
    memoryMiB: intOpt(v.memory, 'memory', 128, 65536) ?? defaults.memoryMiB,
    cpus: intOpt(v.cpus, 'cpus', 1, 64) ?? defaults.cpus,
    bootTimeoutMs: (intOpt(v['boot-timeout'], 'boot-timeout', 5, 3600) ?? defaults.bootTimeoutMs / 1000) * 1000,
    commandTimeoutMs: (intOpt(v['command-timeout'], 'command-timeout', 1, 3600) ?? defaults.commandTimeoutMs / 1000) * 1000,
    append: v.append ?? '',
    crash: parseCrashOptions({ signal: v.signal, during: v.during, crashes: v.crashes }),
    install: !v['no-install'],
    verbose: v.verbose ?? false,
  }
  return { cmd, positional, opts, nic: v.nic, variant: v.variant, json: v.json, boots: intOpt(v.boots, 'boots', 1, 100) ?? 5, force: v.force ?? false, driver: v.driver, linux: v.linux, nightly }
}

