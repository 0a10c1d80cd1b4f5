// Guest-side helpers the scenarios share: an unchecked command, the runtime's kernel-log events,
// waiting for one of them, and reading ping's summary.
import type { Guest } from '../orchestrator/testbed/testbed.ts'

/** A command in the guest whose failure is data, not an error (the session's command timeout
 *  unless a step says otherwise). */
export const run = (g: Guest, cmd: string, timeoutMs?: number) => g.ssh.exec(cmd, { check: false, timeoutMs })

/** Kernel-log lines "[  12.345678] microbed: event=E ..." with their time in ms. */
export function microbedEvents(dmesg: string): { ms: number; event: string; line: string }[] {
  const out: { ms: number; event: string; line: string }[] = []
  for (const line of dmesg.split('\n')) {
    const m = /^\[\s*(\d+\.\d+)\] microbed: event=(\S+)/.exec(line)
    if (m) out.push({ ms: Number(m[1]) * 1000, event: m[2]!, line })
  }
  return out
}

/** How many times the kernel has logged `event` so far. */
export const countEvents = async (g: Guest, event: string) => microbedEvents((await g.ssh.exec('dmesg')).stdout).filter(e => e.event === event).length

/** Waits (in the guest, bounded by `s` seconds) until the kernel has logged `event` more than `n` times; exit 0 when it has. */
export const waitEvent = (g: Guest, event: string, n: number, s: number) =>
  run(g, `for i in $(seq ${s * 10}); do [ $(dmesg | grep -c 'microbed: event=${event}\\b') -gt ${n} ] && exit 0; sleep 0.1; done; exit 1`, (s + 10) * 1000)

/** Packets sent and answered, from ping's summary (0 when there is none). */
export function pingCounts(text: string): { sent: number; received: number } {
  return { sent: Number(/(\d+) packets transmitted/.exec(text)?.[1] ?? 0), received: Number(/(\d+) packets received/.exec(text)?.[1] ?? 0) }
}

/**
 * Pings a stopped ping lost, from its per-reply lines: the sequence numbers below the highest one
 * answered that never got an answer. What was still in flight when ping was stopped is not lost,
 * so stopping ping at any moment counts nothing it should not.
 */
export function pingGaps(text: string): { answered: number; upTo: number; lost: number[] } {
  // iputils prints icmp_seq= from 1, busybox (the guest's) seq= from 0
  const seqs = new Set([...text.matchAll(/bytes from .*?\b(icmp_)?seq=(\d+)/g)].map(m => Number(m[2])))
  const from = /bytes from .*\bicmp_seq=/.test(text) ? 1 : 0
  const upTo = seqs.size ? Math.max(...seqs) : from - 1
  const lost: number[] = []
  for (let k = from; k <= upTo; k++) if (!seqs.has(k)) lost.push(k)
  return { answered: seqs.size, upTo: upTo - from + 1, lost }
}

/** Stops the guest's u-driver supervisor and its u-driver `udriver` (the instance is left without one). */
export function stopUdriver(udriver: string): string {
  return `kill -TERM $(cat /run/mb-supervise.pid) 2>/dev/null; sleep 0.3; pkill -KILL -x ${udriver}`
}

/** Starts the u-driver supervisor again; `firstArgs` (e.g. a fault) go to its first run only. */
export function startUdriver(udriver: string, firstArgs?: string): string {
  return `${firstArgs ? `MB_FIRST_ARGS="${firstArgs}" ` : ''}setsid mb-supervise /usr/sbin/${udriver} </dev/null >/dev/null 2>&1 & echo $! > /run/mb-supervise.pid`
}
