// --net tap: the NIC under test's tap lives in a network namespace of ours, together with the
// host side of the traffic (iperf3 runs there through `ip netns exec`). Root only. Namespaces are
// named mb-PID-N so that ones left by a killed run are found and removed by the next run.
import { execFileSync } from 'node:child_process'
import { execa } from 'execa'
import { onCleanup, pidAlive } from '../base/cleanup.ts'
import { HostError } from '../base/errors.ts'
import { DUT_TAP } from './qemu.ts'

let counter = 0

export interface TapNamespace {
  ns: string
  tap: string
  /** Moves the tap (already attached to QEMU) into the namespace and gives it the host address. */
  configure(): Promise<void>
  /** argv prefix that runs a command inside the namespace. */
  exec: string[]
  destroy(): void
}

/** Removes namespaces and taps left behind by microbed runs whose process is gone. */
export function sweepStale(): string[] {
  const removed: string[] = []
  let list = ''
  try { list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }) } catch { return removed }
  for (const m of list.matchAll(/^(mb-(\d+)-\d+)/gm)) {
    if (pidAlive(Number(m[2]))) continue
    try { execFileSync('ip', ['netns', 'del', m[1]!]); removed.push(m[1]!) } catch { /* already gone */ }
  }
  return removed
}

/** A namespace with a tap whose host side has `addr` (dut0's by default; dut1 has its own). */
export async function createTapNamespace(addr: { host: string; prefix: number } = DUT_TAP): Promise<TapNamespace> {
  if (process.getuid?.() !== 0) throw new HostError('--net tap needs root (it creates a network namespace and a tap)', { hint: 'run as root, or use --net user (the default)' })
  sweepStale()
  const n = counter++
  const ns = `mb-${process.pid}-${n}`
  const tap = `mbt${process.pid.toString(36)}x${n}`.slice(0, 15)
  const run = (args: string[]) => execa('ip', args)
  let destroyed = false
  await run(['netns', 'add', ns])
  const undo = onCleanup(`network namespace ${ns}`, () => destroy())
  try {
    await run(['tuntap', 'add', 'dev', tap, 'mode', 'tap'])
  } catch (e) {
    destroy()
    throw new HostError(`could not create tap ${tap}: ${(e as Error).message}`, { hint: 'is the tun module available (modprobe tun)?' })
  }
  function destroy() {
    if (destroyed) return
    destroyed = true
    undo?.()
    try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }) } catch { /* gone */ }
    try { execFileSync('ip', ['link', 'del', tap], { stdio: 'ignore' }) } catch { /* went with the namespace */ }
  }
  const exec = ['ip', 'netns', 'exec', ns]
  return {
    ns, tap, exec, destroy,
    async configure() {
      await run(['link', 'set', tap, 'netns', ns])
      const inNs = (args: string[]) => execa(exec[0]!, [...exec.slice(1), ...args])
      await inNs(['ip', 'link', 'set', 'lo', 'up'])
      await inNs(['sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1'])
      await inNs(['sysctl', '-qw', `net.ipv4.conf.${tap}.route_localnet=1`])
      await inNs(['ip', 'addr', 'add', `${addr.host}/${addr.prefix}`, 'dev', tap])
      await inNs(['ip', 'link', 'set', tap, 'up'])
    },
  }
}
