// One options object with documented defaults (after zx's `defaults`); the CLI overrides fields.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export const paths = {
  root,
  /** Downloaded packages, unpacked trees, headers, module builds, the SSH key. */
  cache: process.env.MICROBED_CACHE ?? join(root, '.cache'),
  /** Built images, one directory per content hash. */
  images: process.env.MICROBED_IMAGES ?? join(root, 'images', 'build'),
  /** One directory per run: result.json, console logs, guest dmesg. */
  results: process.env.MICROBED_RESULTS ?? join(root, 'results'),
}

export type NetBackend = 'user' | 'tap'

export interface Options {
  /** auto: KVM when the CPU has vmx/svm and /dev/kvm opens, else TCG. */
  accel: 'auto' | 'kvm' | 'tcg'
  /** user: QEMU user networking (no root); tap: a tap in a network namespace of ours (root). */
  net: NetBackend
  memoryMiB: number
  cpus: number
  /** Overall deadline for the guest's SSH server to answer after QEMU starts. */
  bootTimeoutMs: number
  /** Default timeout of one command in the guest. */
  commandTimeoutMs: number
  /** Extra kernel command line (appended). */
  append: string
  /** iperf3 repeats per direction, and seconds per repeat. */
  repeat: number
  iperfSeconds: number
  /** iperf3 target rate in Mbit/s (0: as fast as it goes); a fixed rate compares CPU at the same load. */
  rateMbit: number
  /** Seed of the seeded scenarios (fuzz-channel, fault-campaign). */
  seed: number
  /** fault-campaign: how many seeded faults per variant. */
  faults: number
  /** soak: how many u-driver deaths. */
  deaths: number
  /** fuzz-channel: how many malformed messages. */
  messages: number
  /** crash-udriver: the signal that kills the u-driver, what runs meanwhile, how many times. */
  crash: { signal: string; during: 'traffic' | 'ethtool' | 'probe'; crashes: number }
  /** Install missing host packages with apt when root. */
  install: boolean
  verbose: boolean
}

export const defaults: Options = {
  accel: 'auto',
  net: 'user',
  memoryMiB: 512,
  cpus: 1,
  bootTimeoutMs: 120_000,
  commandTimeoutMs: 60_000,
  append: '',
  repeat: 5,
  iperfSeconds: 5,
  rateMbit: 0,
  seed: 1,
  faults: 20,
  deaths: 1000,
  messages: 100_000,
  crash: { signal: 'SIGSEGV', during: 'traffic', crashes: 10 },
  install: true,
  verbose: false,
}
